"""Signed, short-lived, single-use tokens for the links readers get by mail.

A token is a TimestampSigner signature (own salt per purpose) over a small
object that carries a random nonce.  Reading a token checks the signature
and its age; spending it INSERTs the nonce into UsedToken, whose primary key
lets exactly one request, on any app server, win: a second use finds the row
and is refused.  Nothing is stored when a link is sent, so a mailbox full of
unused links costs the database nothing.
"""

import datetime as dt
import secrets

from django.core import signing
from django.db import IntegrityError, transaction

from .models import UsedToken

SIGN_IN_SALT = "masthead.readers.sign-in"
EMAIL_CHANGE_SALT = "masthead.readers.email-change"
# The second link of an address change, mailed to the new address: its own salt, so a
# link from the old address's mail can never stand in for it (nor the reverse).
EMAIL_VERIFY_SALT = "masthead.readers.email-verify"
SIGN_IN_MAX_AGE = dt.timedelta(minutes=15)
EMAIL_CHANGE_MAX_AGE = dt.timedelta(hours=24)
MAX_TOKEN_LENGTH = 1200


class BadToken(Exception):
    """A link that is forged, altered, malformed, too old or already used."""

    def __init__(self, message: str, *, reason: str):
        super().__init__(message)
        self.message = message
        self.reason = reason  # "invalid", "expired" or "used"


INVALID = (
    "This link is not valid. Please use the link exactly as it was sent, or ask for a new one."
)
EXPIRED = "This link has expired. Links work for a short time only; please ask for a new one."
USED = "This link has already been used. Each link works once; please ask for a new one."


def _sign(salt: str, payload: dict) -> str:
    return signing.TimestampSigner(salt=salt).sign_object(
        {**payload, "n": secrets.token_urlsafe(24)}, compress=True
    )


def _read(salt: str, token: str, max_age: dt.timedelta) -> dict:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise BadToken(INVALID, reason="invalid")
    try:
        value = signing.TimestampSigner(salt=salt).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired as error:
        raise BadToken(EXPIRED, reason="expired") from error
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise BadToken(INVALID, reason="invalid") from error
    if not isinstance(value, dict) or not isinstance(value.get("n"), str):
        raise BadToken(INVALID, reason="invalid")
    return value


def _check_unused(nonce: str) -> None:
    if UsedToken.objects.filter(nonce=nonce).exists():
        raise BadToken(USED, reason="used")


def spend(nonce: str, purpose: str) -> None:
    """Mark a token used; BadToken if it already was (here or on another server)."""
    try:
        with transaction.atomic():
            UsedToken.objects.create(nonce=nonce, purpose=purpose)
    except IntegrityError as error:
        raise BadToken(USED, reason="used") from error


# --- sign-in ------------------------------------------------------------------


def sign_in_token(email: str, next_path: str) -> str:
    return _sign(SIGN_IN_SALT, {"e": email, "x": next_path})


def read_sign_in_token(token: str, *, check_unused: bool = True) -> dict:
    """{"e": email, "x": next path, "n": nonce} of a valid, unused sign-in token."""
    value = _read(SIGN_IN_SALT, token, SIGN_IN_MAX_AGE)
    if not isinstance(value.get("e"), str) or not isinstance(value.get("x", ""), str):
        raise BadToken(INVALID, reason="invalid")
    if check_unused:
        _check_unused(value["n"])
    return value


# --- email change -----------------------------------------------------------------
#
# Two links, both bound to (account, old address, new address): the first goes to the
# old address and proves its owner wants the move; the second goes to the new address
# and proves its owner accepts it.  Only the second one changes anything.


def _read_change(salt: str, token: str, *, check_unused: bool) -> dict:
    value = _read(salt, token, EMAIL_CHANGE_MAX_AGE)
    if not (
        isinstance(value.get("u"), int)
        and isinstance(value.get("o"), str)
        and isinstance(value.get("w"), str)
    ):
        raise BadToken(INVALID, reason="invalid")
    if check_unused:
        _check_unused(value["n"])
    return value


def email_change_token(user_id: int, old: str, new: str) -> str:
    """The link to the old address: "yes, move my account to `new`"."""
    return _sign(EMAIL_CHANGE_SALT, {"u": user_id, "o": old, "w": new})


def read_email_change_token(token: str, *, check_unused: bool = True) -> dict:
    """{"u": user id, "o": old address, "w": new address, "n": nonce}, valid and unused."""
    return _read_change(EMAIL_CHANGE_SALT, token, check_unused=check_unused)


def email_verify_token(user_id: int, old: str, new: str) -> str:
    """The link to the new address: "yes, this address is mine, move the account here"."""
    return _sign(EMAIL_VERIFY_SALT, {"u": user_id, "o": old, "w": new})


def read_email_verify_token(token: str, *, check_unused: bool = True) -> dict:
    """{"u": user id, "o": old address, "w": new address, "n": nonce}, valid and unused."""
    return _read_change(EMAIL_VERIFY_SALT, token, check_unused=check_unused)
