"""The site's spam rules applied to one comment: blocked senders and listed words."""

import ipaddress
from functools import lru_cache


@lru_cache(maxsize=32)
def parse_networks(text: str) -> tuple:
    """The networks in a blocked-IPs list; ValueError names the first bad line."""
    networks = []
    for line in text.splitlines():
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"“{entry[:60]}” is not an IP address or network.") from None
    return tuple(networks)


def _lines(text: str) -> list[str]:
    return [line.strip().casefold() for line in text.splitlines() if line.strip()]


def ip_blocked(ip: str, blocked_ips: str) -> bool:
    if not ip or not blocked_ips.strip():
        return False
    try:
        address = ipaddress.ip_address(ip)
        networks = parse_networks(blocked_ips)
    except ValueError:
        return False
    return any(address.version == net.version and address in net for net in networks)


def email_blocked(email: str, blocked_emails: str) -> bool:
    email = email.casefold()
    domain = "@" + email.rpartition("@")[2]
    for entry in _lines(blocked_emails):
        if entry == email or (entry.startswith("@") and entry == domain):
            return True
    return False


def listed_word(text: str, words: str) -> str | None:
    """The first listed word or phrase found in `text` (ignoring case), or None."""
    folded = text.casefold()
    for entry in _lines(words):
        if entry in folded:
            return entry
    return None
