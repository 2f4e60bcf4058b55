"""Avatars without a third party: initials on a colour, chosen from the name."""

import hashlib
import unicodedata
from dataclasses import dataclass

# Mid-dark tones: white initials on each meet WCAG AA contrast.
PALETTE = (
    "#8a3b12",
    "#1f5f8b",
    "#2f6b3a",
    "#6b3fa0",
    "#9c2f52",
    "#0f6e6e",
    "#7a5a00",
    "#4a5568",
    "#b03a2e",
    "#2c4f9e",
)


@dataclass(frozen=True)
class InitialsAvatar:
    initials: str
    colour: str


def initials_for(name: str) -> str:
    words = [w for w in name.split() if any(ch.isalnum() for ch in w)]
    letters = []
    for word in words[:1] + words[1:][-1:]:
        first = next(ch for ch in word if ch.isalnum())
        letters.append(first)
    text = unicodedata.normalize("NFC", "".join(letters)).upper()
    return text[:2] or "?"


def initials_avatar(name: str) -> InitialsAvatar:
    digest = hashlib.sha256(name.strip().casefold().encode()).digest()
    return InitialsAvatar(initials_for(name), PALETTE[digest[0] % len(PALETTE)])


def gravatar_url(email: str, size: int = 80) -> str:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return f"https://gravatar.com/avatar/{digest}?s={size}&d=identicon"
