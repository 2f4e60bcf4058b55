"""Avatars without a third party: a picture the person uploaded, else initials on a
colour chosen from the name."""

import hashlib
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist

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


# Select these with a comment's user to draw its avatar without a query per comment.
AVATAR_RELATIONS = ("user__reader_profile", "user__wagtail_userprofile")


def uploaded_avatar_url(user) -> str:
    """The picture a person uploaded: a reader's on their account page, or an editor's in
    the admin; "" if none (the caller draws initials)."""
    if user is None:
        return ""
    for relation in ("reader_profile", "wagtail_userprofile"):
        try:
            avatar = getattr(user, relation).avatar
        except (ObjectDoesNotExist, AttributeError):
            continue
        if avatar:
            return avatar.url
    return ""
