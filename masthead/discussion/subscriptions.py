"""Subscriptions to new comments: subscribe, confirm, unsubscribe, manage an address's list.

Every link in a mail carries a signed token, and the token is the authority:
whoever holds the mail may confirm, leave or manage, with no account and no
CSRF token (a mail client's one-click unsubscribe cannot send one).

- A confirmation token names one subscription and expires with it, after
  CONFIRM_MAX_AGE; an unconfirmed subscription older than that is deleted by
  expire_unconfirmed(), which the mail tasks call on their way (so the table
  is tidied by background work, never inside a reader's request).
- An unsubscribe token names one subscription and never expires: a mail may
  be read months later, and leaving must still work.
- A manage token names an email address and never expires either.

Tokens name a subscription by its id plus a digest of (article, email, kind):
an id alone could be reused after deletion on some databases, and the digest
keeps the address itself out of URLs that end up in server logs.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.core import signing
from django.db import transaction
from django.utils import timezone

from . import ratelimits
from .models import Subscription, SubscriptionKind

CONFIRM_SALT = "masthead.discussion.subscription.confirm"
UNSUBSCRIBE_SALT = "masthead.discussion.subscription.unsubscribe"
MANAGE_SALT = "masthead.discussion.subscription.manage"
CONFIRM_MAX_AGE = dt.timedelta(days=7)
MAX_TOKEN_LENGTH = 400

# Confirmation mails per address: the subscribe form must not mail-bomb someone.
CONFIRMATIONS_PER_EMAIL = "3/h"
# Subscribe-form posts per client address (checked by the view).
SUBSCRIBES_PER_IP = "10/h"


class BadToken(Exception):
    """A token that is forged, tampered with, malformed, or (for confirmation) too old."""

    def __init__(self, message: str, *, expired: bool = False):
        super().__init__(message)
        self.message = message
        self.expired = expired


def _digest(subscription: Subscription) -> str:
    material = f"{subscription.article_id}:{subscription.email}:{subscription.kind}"
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def _subscription_value(subscription: Subscription) -> str:
    return f"{subscription.pk}.{_digest(subscription)}"


def confirm_token(subscription: Subscription) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(_subscription_value(subscription))


def unsubscribe_token(subscription: Subscription) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(_subscription_value(subscription))


def manage_token(email: str) -> str:
    return signing.Signer(salt=MANAGE_SALT).sign_object({"e": email.lower()}, compress=True)


def _checked(token: str) -> str:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise BadToken("This link is not valid. Please use the link exactly as it was sent.")
    return token


def _subscription_for(value: str) -> tuple[int, str]:
    pk, _, digest = value.partition(".")
    if not pk.isdigit() or not digest:
        raise BadToken("This link is not valid. Please use the link exactly as it was sent.")
    return int(pk), digest


def _find(pk: int, digest: str) -> Subscription | None:
    subscription = Subscription.objects.select_related("article").filter(pk=pk).first()
    if subscription is None or _digest(subscription) != digest:
        return None  # gone, or the id now belongs to another subscription
    return subscription


def read_confirm_token(token: str) -> tuple[int, str]:
    try:
        value = signing.TimestampSigner(salt=CONFIRM_SALT).unsign(
            _checked(token), max_age=CONFIRM_MAX_AGE
        )
    except signing.SignatureExpired as error:
        raise BadToken(
            "This confirmation link has expired. Please subscribe again.", expired=True
        ) from error
    except signing.BadSignature as error:
        raise BadToken(
            "This link is not valid. Please use the link exactly as it was sent."
        ) from error
    return _subscription_for(value)


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    try:
        value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(_checked(token))
    except signing.BadSignature as error:
        raise BadToken(
            "This link is not valid. Please use the link exactly as it was sent."
        ) from error
    return _subscription_for(value)


def read_manage_token(token: str) -> str:
    """The email address a manage link belongs to."""
    try:
        value = signing.Signer(salt=MANAGE_SALT).unsign_object(_checked(token))
        email = value["e"]
    except (signing.BadSignature, ValueError, TypeError, KeyError) as error:
        raise BadToken(
            "This link is not valid. Please use the link exactly as it was sent."
        ) from error
    if not isinstance(email, str) or not email:
        raise BadToken("This link is not valid. Please use the link exactly as it was sent.")
    return email


# --- subscribing ------------------------------------------------------------


def subscribe(*, article, email: str, kind: str, user=None) -> Subscription:
    """Subscribe `email` to new comments (kind "all") or replies to its comments ("replies").

    A signed-in reader subscribing their own account's address is confirmed at
    once; anyone else gets a confirmation mail (sent after the transaction
    commits, at most CONFIRMATIONS_PER_EMAIL per address; past that the
    request is quietly accepted without mail, so a caller learns nothing).
    Subscribing again changes nothing once confirmed, and otherwise sends a
    fresh confirmation and restarts the expiry clock.
    """
    if kind not in SubscriptionKind.values:
        raise ValueError(f"Unknown subscription kind {kind!r}")
    email = email.strip().lower()
    if not email:
        raise ValueError("A subscription needs an email address.")
    signed_in_owner = bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and (user.email or "").strip().lower() == email
    )
    now = timezone.now()
    with transaction.atomic():
        subscription, created = Subscription.objects.select_for_update().get_or_create(
            article=article,
            email=email,
            kind=kind,
            defaults={
                "user": user if signed_in_owner else None,
                "created_at": now,
                "confirmed_at": now if signed_in_owner else None,
            },
        )
        if subscription.is_confirmed:
            return subscription
        if signed_in_owner:
            subscription.user, subscription.confirmed_at = user, now
            subscription.save(update_fields=["user", "confirmed_at"])
            return subscription
        if not created:
            subscription.created_at = now
            subscription.save(update_fields=["created_at"])
    if not ratelimits.hit(scope="confirm-email", value=email, rate=CONFIRMATIONS_PER_EMAIL):
        _enqueue_confirmation(subscription.pk)
    return subscription


def _enqueue_confirmation(subscription_id: int) -> None:
    from .tasks import send_subscription_confirmation

    transaction.on_commit(
        lambda: send_subscription_confirmation.enqueue(subscription_id=subscription_id),
        robust=True,
    )


def over_ip_limit(ip: str) -> bool:
    """Count one subscribe-form post from `ip`; True when it is over the limit."""
    return ratelimits.hit(scope="subscribe-ip", value=ip, rate=SUBSCRIBES_PER_IP)


def expire_unconfirmed(*, now: dt.datetime | None = None) -> int:
    """Delete subscriptions nobody confirmed within CONFIRM_MAX_AGE; returns how many."""
    cutoff = (now or timezone.now()) - CONFIRM_MAX_AGE
    deleted, _ = Subscription.objects.filter(
        confirmed_at__isnull=True, created_at__lt=cutoff
    ).delete()
    return deleted


# --- following a link from a mail -------------------------------------------


def pending_confirmation(token: str) -> Subscription:
    """The subscription a confirmation link names (confirmed or not); BadToken if none."""
    subscription = _find(*read_confirm_token(token))
    if subscription is None:
        raise BadToken("This confirmation link has expired. Please subscribe again.", expired=True)
    return subscription


def confirm(token: str) -> Subscription:
    """Confirm the subscription a confirmation link names; confirming twice is harmless."""
    subscription = pending_confirmation(token)
    if not subscription.is_confirmed:
        Subscription.objects.filter(pk=subscription.pk, confirmed_at__isnull=True).update(
            confirmed_at=timezone.now()
        )
        subscription.refresh_from_db(fields=["confirmed_at"])
    return subscription


def subscription_to_leave(token: str) -> Subscription | None:
    """The subscription an unsubscribe link names, or None if it is already gone."""
    return _find(*read_unsubscribe_token(token))


def unsubscribe(token: str) -> Subscription | None:
    """Delete the subscription an unsubscribe link names; returns it, or None if already gone.

    Raises BadToken for a forged link; a valid link used twice simply finds nothing.
    """
    subscription = subscription_to_leave(token)
    if subscription is not None:
        Subscription.objects.filter(pk=subscription.pk).delete()
    return subscription


@dataclass(frozen=True)
class AddressSubscriptions:
    email: str
    subscriptions: list[Subscription]


def subscriptions_of(email: str) -> AddressSubscriptions:
    rows = list(
        Subscription.objects.filter(email=email.lower())
        .select_related("article")
        .order_by("article__title", "article_id", "kind")
    )
    return AddressSubscriptions(email.lower(), rows)


def remove_for_address(*, email: str, subscription_id: int | None = None) -> int:
    """Remove one of the address's subscriptions (by id), or all of them; returns how many.

    The id is checked against the address, so a manage link cannot remove anyone else's.
    """
    rows = Subscription.objects.filter(email=email.lower())
    if subscription_id is not None:
        rows = rows.filter(pk=subscription_id)
    deleted, _ = rows.delete()
    return deleted
