"""Newsletter signup with double opt-in, and every change to an address's lists.

- A signup request leaves each chosen list pending with a nonce shared by the
  whole request, and one confirmation mail (sent by a task) lists them all;
  its link names one row and the nonce, and confirms every row of that
  request.  A later request draws a new nonce, so an older link no longer
  confirms anything: re-subscribing after leaving needs a fresh confirmation.
- A signed-in reader asking for their own account's address is subscribed at
  once: the magic link that signed them in proved the address.  So is anyone
  choosing lists from a manage link, which only the address's mailbox has.
- Nothing a caller is told depends on whether the address was subscribed.
- Unconfirmed requests are forgotten after NewsletterSettings.confirm_days
  (expire_unconfirmed, run by the worker), keeping only the record that an
  address once left a list.
"""

import datetime as dt
import logging
import re
import secrets
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from masthead.discussion import ratelimits
from masthead.readers import addresses

from .models import (
    ListSubscription,
    Newsletter,
    NewsletterSettings,
    Subscriber,
    SubscriberStatus,
    SubscriptionStatus,
)

logger = logging.getLogger(__name__)

MAX_NAME_LENGTH = 100
# Signup posts per client address, and confirmation requests per address: the
# forms must neither sign up a list of strangers nor mail-bomb anyone.
# One definition of a valid address for every form that takes one.
normalise_email = addresses.normalise_email

SIGNUPS_PER_IP = "10/h"
SIGNUPS_PER_EMAIL = "3/h"
RATE_LIMITED = "Too many signup requests in a short time. Please try again in an hour."

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def clean_name(value) -> str:
    """A subscriber's name: one line, no control characters, at most MAX_NAME_LENGTH."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError("Please give your name as text.", code="invalid")
    if "\r" in value or "\n" in value:
        raise ValidationError("Your name must be on one line.", code="line_break")
    if _CONTROL.search(value):
        raise ValidationError(
            "Your name contains characters that cannot be shown.", code="control_character"
        )
    name = value.strip()
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            f"Your name has at most {MAX_NAME_LENGTH} characters.", code="max_length"
        )
    return name


def newsletter_settings(request=None) -> NewsletterSettings:
    """The settings of the request's site, or of the default site outside a request."""
    if request is not None:
        return NewsletterSettings.for_request(request)
    from wagtail.models import Site

    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    return NewsletterSettings.for_site(site) if site is not None else NewsletterSettings()


def confirm_max_age(rules: NewsletterSettings | None = None) -> dt.timedelta:
    return dt.timedelta(days=(rules or newsletter_settings()).confirm_days)


def open_newsletters() -> QuerySet[Newsletter]:
    """The lists offered in signup forms and the API."""
    return Newsletter.objects.filter(is_active=True)


def over_ip_limit(ip: str) -> bool:
    """Count one signup request from `ip`; True when it is over the limit."""
    return ratelimits.hit(scope="newsletter-signup-ip", value=ip, rate=SIGNUPS_PER_IP)


def over_email_limit(email: str) -> bool:
    """Count one signup request for `email`; True when it is over the limit."""
    return ratelimits.hit(scope="newsletter-signup-email", value=email, rate=SIGNUPS_PER_EMAIL)


def is_own_address(user, email: str) -> bool:
    """Whether `user` is signed in with `email` as their account's address."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.email:
        return False
    return user.email.strip().lower() == email


def _newsletter_ids(newsletters: Iterable) -> list[int]:
    ids = []
    for item in newsletters:
        pk = item.pk if isinstance(item, Newsletter) else int(item)
        if pk not in ids:
            ids.append(pk)
    return ids


def _subscriber(email: str, *, name: str = "", user=None) -> Subscriber:
    """The locked Subscriber row of `email`, created if new; linked to `user` if theirs."""
    subscriber, created = Subscriber.objects.select_for_update().get_or_create(
        email=email, defaults={"name": name}
    )
    changed = []
    if name and not subscriber.name:
        subscriber.name = name
        changed.append("name")
    if (
        user is not None
        and subscriber.user_id is None
        and not Subscriber.objects.filter(user=user).exists()
    ):
        subscriber.user = user
        changed.append("user")
    if changed and not created:
        subscriber.save(update_fields=changed)
    elif changed:
        subscriber.save()
    return subscriber


def _activate(row: ListSubscription, *, now, source: str, ip: str | None) -> None:
    row.status = SubscriptionStatus.ACTIVE
    row.requested_at = now
    row.confirmed_at = now
    row.unsubscribed_at = None
    row.source = source
    row.consent_ip = ip or None


def request_subscription(
    *, email, newsletters, source: str, ip: str | None = None, name: str = "", user=None
) -> None:
    """Ask for `newsletters` (Newsletter objects or ids) for `email`, by double opt-in.

    The account's own address of a signed-in `user` is subscribed at once;
    any other address gets a confirmation mail (after the transaction commits)
    for the lists it is not already on.  Lists already active stay so, and a
    bounced or complaining address is mailed nothing.
    """
    email = normalise_email(email)
    name = clean_name(name)
    ids = _newsletter_ids(newsletters)
    if not ids:
        return
    owner = is_own_address(user, email)
    now = timezone.now()
    nonce = secrets.token_hex(16)
    pending = False
    with transaction.atomic():
        subscriber = _subscriber(email, name=name, user=user if owner else None)
        if owner and subscriber.status != SubscriberStatus.ACTIVE:
            # The reader just received their sign-in link at this address, and asks again.
            subscriber.status, subscriber.status_reason = SubscriberStatus.ACTIVE, ""
            subscriber.save(update_fields=["status", "status_reason"])
        existing = {
            row.newsletter_id: row
            for row in ListSubscription.objects.select_for_update().filter(
                subscriber=subscriber, newsletter_id__in=ids
            )
        }
        for newsletter_id in ids:
            row = existing.get(newsletter_id) or ListSubscription(
                subscriber=subscriber, newsletter_id=newsletter_id
            )
            if row.status == SubscriptionStatus.ACTIVE and row.pk:
                continue
            if owner:
                _activate(row, now=now, source=source, ip=ip)
            else:
                row.status = SubscriptionStatus.PENDING
                row.confirm_nonce = nonce
                row.requested_at = now
                row.source = source
                row.consent_ip = ip or None
                pending = True
            row.save()
        if pending and subscriber.status == SubscriberStatus.ACTIVE:
            subscriber_id = subscriber.pk
            transaction.on_commit(lambda: _enqueue_confirmation(subscriber_id, nonce), robust=True)


def _enqueue_confirmation(subscriber_id: int, nonce: str) -> None:
    from .signup_tasks import send_signup_confirmation

    send_signup_confirmation.enqueue(subscriber_id=subscriber_id, nonce=nonce)


def _request_rows(subscription_id: int, nonce: str) -> QuerySet[ListSubscription]:
    """The rows of the request a confirmation link names (empty if replaced or gone)."""
    row = ListSubscription.objects.filter(pk=subscription_id, confirm_nonce=nonce).first()
    if row is None or not nonce:
        return ListSubscription.objects.none()
    return ListSubscription.objects.filter(
        subscriber_id=row.subscriber_id, confirm_nonce=nonce
    ).select_related("newsletter", "subscriber")


def confirmation(token: str) -> list[ListSubscription]:
    """The rows a confirmation link would confirm (or has confirmed); [] if it is not valid.

    A link is valid while it is young enough, names the latest request for
    its rows, and the rows are still pending or already confirmed by it.
    """
    from . import tokens

    read = tokens.read_confirm_token(token, max_age=confirm_max_age().total_seconds())
    if read is None:
        return []
    rows = list(
        _request_rows(*read).filter(
            status__in=[SubscriptionStatus.PENDING, SubscriptionStatus.ACTIVE]
        )
    )
    return sorted(rows, key=lambda r: (r.newsletter.sort_order, r.newsletter.name))


def confirm(token: str) -> ListSubscription | None:
    """Confirm the request a confirmation link names; returns its first row, or None.

    Confirming twice is harmless; an expired, forged or replaced link confirms nothing.
    """
    rows = confirmation(token)
    if not rows:
        return None
    now = timezone.now()
    ListSubscription.objects.filter(
        pk__in=[r.pk for r in rows], status=SubscriptionStatus.PENDING
    ).update(status=SubscriptionStatus.ACTIVE, confirmed_at=now, unsubscribed_at=None)
    for row in rows:
        row.refresh_from_db()
    return rows[0]


def unsubscribe(subscriber_id: int, newsletter_id: int, *, source: str) -> bool:
    """Take the address off the list (pending requests included); True if anything changed."""
    changed = ListSubscription.objects.filter(
        subscriber_id=subscriber_id,
        newsletter_id=newsletter_id,
        status__in=[SubscriptionStatus.ACTIVE, SubscriptionStatus.PENDING],
    ).update(status=SubscriptionStatus.UNSUBSCRIBED, unsubscribed_at=timezone.now())
    if changed:
        logger.info("Subscriber %s left newsletter %s (%s)", subscriber_id, newsletter_id, source)
    return bool(changed)


def set_lists(*, subscriber: Subscriber, newsletters, source: str, ip: str | None = None) -> None:
    """Make exactly `newsletters` the address's active lists, from a proven address.

    Used by the manage link and the reader's page: both prove the address, so
    a chosen list is confirmed at once; every other list is left.
    """
    wanted = set(_newsletter_ids(newsletters))
    now = timezone.now()
    with transaction.atomic():
        rows = {
            row.newsletter_id: row
            for row in ListSubscription.objects.select_for_update().filter(subscriber=subscriber)
        }
        for newsletter_id in wanted:
            row = rows.get(newsletter_id) or ListSubscription(
                subscriber=subscriber, newsletter_id=newsletter_id
            )
            if row.pk and row.status == SubscriptionStatus.ACTIVE:
                continue
            _activate(row, now=now, source=source, ip=ip)
            row.save()
        for newsletter_id, row in rows.items():
            if newsletter_id not in wanted and row.status != SubscriptionStatus.UNSUBSCRIBED:
                unsubscribe(subscriber.pk, newsletter_id, source=source)


def expire_unconfirmed(*, now: dt.datetime | None = None) -> int:
    """Forget requests nobody confirmed within confirm_days; returns how many.

    A forgotten request of an address that had left the list reverts to
    "unsubscribed" (the record of leaving is kept); any other is deleted, and
    so is a subscriber then left with no lists, no account and no trouble on record.
    """
    cutoff = (now or timezone.now()) - confirm_max_age()
    stale = ListSubscription.objects.filter(
        status=SubscriptionStatus.PENDING, requested_at__lt=cutoff
    )
    subscriber_ids = set(stale.values_list("subscriber_id", flat=True))
    if not subscriber_ids:
        return 0
    with transaction.atomic():
        reverted = stale.filter(unsubscribed_at__isnull=False).update(
            status=SubscriptionStatus.UNSUBSCRIBED, confirm_nonce=""
        )
        deleted, _ = stale.filter(unsubscribed_at__isnull=True).delete()
        Subscriber.objects.filter(
            pk__in=subscriber_ids,
            user__isnull=True,
            status=SubscriberStatus.ACTIVE,
            subscriptions__isnull=True,
        ).delete()
    return reverted + deleted


def import_confirmed(*, email, newsletters, name: str = "", source: str = "import") -> int:
    """Put an address on `newsletters` at once, for an import whose consent is attested.

    An address that left a list here stays off it: an old export must not
    overrule an unsubscribe.  Returns how many lists the address joined.
    """
    email = normalise_email(email)
    name = clean_name(name)
    ids = _newsletter_ids(newsletters)
    now = timezone.now()
    joined = 0
    with transaction.atomic():
        subscriber = _subscriber(email, name=name)
        existing = {
            row.newsletter_id: row
            for row in ListSubscription.objects.select_for_update().filter(
                subscriber=subscriber, newsletter_id__in=ids
            )
        }
        for newsletter_id in ids:
            row = existing.get(newsletter_id)
            if row is not None and row.status in (
                SubscriptionStatus.ACTIVE,
                SubscriptionStatus.UNSUBSCRIBED,
            ):
                continue
            row = row or ListSubscription(subscriber=subscriber, newsletter_id=newsletter_id)
            _activate(row, now=now, source=source, ip=None)
            row.save()
            joined += 1
    return joined


def active_subscriptions(newsletter) -> QuerySet[ListSubscription]:
    """Who a send of `newsletter` goes to: confirmed rows of addresses still deliverable."""
    return ListSubscription.objects.filter(
        newsletter=newsletter,
        status=SubscriptionStatus.ACTIVE,
        subscriber__status=SubscriberStatus.ACTIVE,
    )


def subscriber_of(user) -> Subscriber | None:
    """The Subscriber of a signed-in reader: linked to the account, or at its address."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    linked = Subscriber.objects.filter(user=user).first()
    if linked is not None or not user.email:
        return linked
    return Subscriber.objects.filter(email=user.email.strip().lower()).first()


def lists_of(subscriber: Subscriber | None) -> dict[int, ListSubscription]:
    """The address's subscription rows by newsletter id."""
    if subscriber is None:
        return {}
    return {row.newsletter_id: row for row in subscriber.subscriptions.all()}


def newsletters_for_choice(subscriber: Subscriber | None) -> QuerySet[Newsletter]:
    """Lists to offer an address: those open for signups, and any it is on already."""
    on = Q(subscriptions__subscriber=subscriber, subscriptions__status=SubscriptionStatus.ACTIVE)
    if subscriber is None:
        return open_newsletters()
    return Newsletter.objects.filter(Q(is_active=True) | on).distinct()


def set_reader_lists(*, user, newsletters, ip: str | None = None) -> Subscriber:
    """Make `newsletters` a signed-in reader's lists, at their account's (proven) address."""
    email = normalise_email(user.email or "")
    with transaction.atomic():
        subscriber = subscriber_of(user) or _subscriber(email, user=user)
        if subscriber.user_id is None and not Subscriber.objects.filter(user=user).exists():
            subscriber.user = user
            subscriber.save(update_fields=["user"])
        set_lists(subscriber=subscriber, newsletters=newsletters, source="reader", ip=ip)
    return subscriber
