"""Signed values in newsletter mails: confirm a signup, leave a list, manage an address.

Whoever can read the mail may act on its links, so the links carry the
authority; the signatures stop anyone from making one up.  Unsubscribe and
manage links never expire (an old newsletter must still let a reader leave);
a confirmation names the request's nonce, so it confirms only that request.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

CONFIRM_SALT = "masthead.newsletters.confirm"
UNSUBSCRIBE_SALT = "masthead.newsletters.unsubscribe"
MANAGE_SALT = "masthead.newsletters.manage"
MAX_TOKEN_LENGTH = 300


def _unsign(salt: str, token: str, *, max_age: float | None = None) -> list[str] | None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        if max_age is None:
            value = signing.Signer(salt=salt).unsign(token)
        else:
            value = signing.TimestampSigner(salt=salt).unsign(token, max_age=max_age)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    return value.split(".")


def confirm_token(subscription_id: int, nonce: str) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(f"{subscription_id}.{nonce}")


def read_confirm_token(token: str, *, max_age: float) -> tuple[int, str] | None:
    parts = _unsign(CONFIRM_SALT, token, max_age=max_age)
    if not parts or len(parts) != 2 or not parts[0].isdigit():
        return None
    return int(parts[0]), parts[1]


def unsubscribe_token(subscriber_id: int, newsletter_id: int) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(f"{subscriber_id}.{newsletter_id}")


def read_unsubscribe_token(token: str) -> tuple[int, int] | None:
    parts = _unsign(UNSUBSCRIBE_SALT, token)
    if not parts or len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def manage_token(subscriber_id: int) -> str:
    return signing.Signer(salt=MANAGE_SALT).sign(str(subscriber_id))


def read_manage_token(token: str) -> int | None:
    parts = _unsign(MANAGE_SALT, token)
    if not parts or len(parts) != 1 or not parts[0].isdigit():
        return None
    return int(parts[0])


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def confirm_url(subscription_id: int, nonce: str) -> str:
    return absolute(reverse("newsletters:confirm", args=[confirm_token(subscription_id, nonce)]))


def unsubscribe_url(subscriber_id: int, newsletter_id: int) -> str:
    return absolute(
        reverse("newsletters:unsubscribe", args=[unsubscribe_token(subscriber_id, newsletter_id)])
    )


def manage_url(subscriber_id: int) -> str:
    return absolute(reverse("newsletters:manage", args=[manage_token(subscriber_id)]))
