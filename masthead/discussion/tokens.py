"""Signed values the discussion hands out: form tokens, edit tokens, voter ids.

A form token is issued when a reader opens the reply form and comes back with
the comment.  It proves the form was shown (how long ago: the minimum-time
check), names the article, and is bound to the reader's session when signed
in, so another site cannot post in a signed-in reader's name (it stands in for
the CSRF token, which a cached page cannot carry).
"""

import hashlib
import hmac
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

FORM_SALT = "masthead.discussion.form"
EDIT_SALT = "masthead.discussion.edit"
FORM_TOKEN_MAX_AGE = 24 * 3600
EDIT_WINDOW_SECONDS = 10 * 60


@dataclass(frozen=True)
class FormToken:
    article_id: int
    binding: str
    issued_at: int


def session_binding(session_key: str | None) -> str:
    """A short digest of the session key: ties a token to one signed-in session."""
    if not session_key:
        return ""
    return hashlib.sha256(session_key.encode()).hexdigest()[:16]


def issue_form_token(*, article_id: int, binding: str = "", now: float | None = None) -> str:
    issued = int(time.time() if now is None else now)
    return signing.Signer(salt=FORM_SALT).sign(f"{article_id}.{binding}.{issued}")


def read_form_token(token: str, *, now: float | None = None) -> FormToken | None:
    """The token's contents, or None when it is forged, malformed or too old."""
    if not token or len(token) > 200:
        return None
    try:
        value = signing.Signer(salt=FORM_SALT).unsign(token)
        article, binding, issued = value.split(".")
        parsed = FormToken(int(article), binding, int(issued))
    except (signing.BadSignature, ValueError):
        return None
    age = (time.time() if now is None else now) - parsed.issued_at
    if age < -5 or age > FORM_TOKEN_MAX_AGE:
        return None
    return parsed


def edit_token(comment_id: int) -> str:
    return signing.Signer(salt=EDIT_SALT).sign(str(comment_id))


def edit_token_matches(token: str, comment_id: int) -> bool:
    if not token or len(token) > 200:
        return False
    try:
        return signing.Signer(salt=EDIT_SALT).unsign(token) == str(comment_id)
    except signing.BadSignature:
        return False


def voter_id(*, user_id: int | None, ip: str, user_agent: str, comment_id: int) -> str:
    """Who is voting: the reader, or else a keyed hash of address and browser.

    Like the view counter's visitor hash, but keyed by a fixed secret rather than
    the daily salt, so a visitor cannot vote again tomorrow; it includes the
    comment, so one visitor's votes cannot be linked across comments.
    """
    if user_id is not None:
        return f"user:{user_id}"
    key = hashlib.sha256(f"{settings.SECRET_KEY}:discussion-votes".encode()).digest()
    material = "\x00".join((ip, user_agent, str(comment_id))).encode()
    return "anon:" + hmac.new(key, material, hashlib.sha256).hexdigest()[:40]
