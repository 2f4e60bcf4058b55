"""Signed click links: /ads/c/<creative>.<placement>.<signature>/.

The link names only ids; the destination is the creative's own link_url, read
at click time.  So the endpoint cannot be pointed anywhere else (no open
redirect), an edited destination applies to pages already cached, and a
tampered id fails the signature.  Links do not expire: cached pages and sent
newsletters keep working.
"""

from django.core import signing
from django.urls import reverse

_signer = signing.Signer(salt="masthead.ads.click", sep=".")


def click_path(creative_id: int, placement_id: int) -> str:
    token = _signer.sign(f"{int(creative_id)}.{int(placement_id)}")
    return reverse("ads:click", args=[token])


def unsign_click(token: str) -> tuple[int, int] | None:
    """(creative id, placement id) of a genuine token; None for anything else."""
    try:
        value = _signer.unsign(token)
    except signing.BadSignature:
        return None
    creative, _, placement = value.partition(".")
    if not (creative.isdigit() and placement.isdigit()):
        return None
    return int(creative), int(placement)
