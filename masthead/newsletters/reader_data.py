"""The newsletters' part of a reader's account: their choices, export, erase, change of address."""

from django.db import transaction
from django.db.models import Q

from masthead.readers.registry import ReaderDataProvider

from . import subscriptions
from .models import Delivery, ListSubscription, Subscriber, SubscriptionStatus


def _subscribers(user) -> list[Subscriber]:
    """Every Subscriber row of the reader: linked to the account, or at its address."""
    match = Q(user=user)
    if user.email:
        match |= Q(email=user.email.strip().lower())
    return list(Subscriber.objects.filter(match))


def _when(value):
    return value.isoformat() if value else None


def export(user) -> list[dict]:
    out = []
    for subscriber in _subscribers(user):
        rows = subscriber.subscriptions.select_related("newsletter").order_by("newsletter__name")
        deliveries = (
            Delivery.objects.filter(subscriber=subscriber)
            .select_related("issue")
            .order_by("sent_at", "pk")
        )
        out.append(
            {
                "email": subscriber.email,
                "name": subscriber.name,
                "status": subscriber.status,
                "status_reason": subscriber.status_reason,
                "created_at": _when(subscriber.created_at),
                "subscriptions": [
                    {
                        "newsletter": row.newsletter.name,
                        "status": row.status,
                        "requested_at": _when(row.requested_at),
                        "confirmed_at": _when(row.confirmed_at),
                        "unsubscribed_at": _when(row.unsubscribed_at),
                        "source": row.source,
                        "consent_ip": row.consent_ip,
                    }
                    for row in rows
                ],
                "deliveries": [
                    {
                        "issue": delivery.issue.subject,
                        "newsletter_id": delivery.issue.newsletter_id,
                        "status": delivery.status,
                        "sent_at": _when(delivery.sent_at),
                    }
                    for delivery in deliveries
                ],
            }
        )
    return out


def erase(user) -> None:
    """Delete the reader's subscriber rows; the delivery ledger keeps counts, not the address."""
    ids = [s.pk for s in _subscribers(user)]
    Delivery.objects.filter(subscriber_id__in=ids).update(subscriber=None, email="")
    Subscriber.objects.filter(pk__in=ids).delete()


_RANK = {SubscriptionStatus.ACTIVE: 2, SubscriptionStatus.PENDING: 1}


def email_changed(user, old: str, new: str) -> None:
    """Move the reader's subscriber to the new address, merging into one already there."""
    old, new = old.strip().lower(), new.strip().lower()
    if old == new:
        return
    with transaction.atomic():
        source = Subscriber.objects.select_for_update().filter(Q(user=user) | Q(email=old)).first()
        if source is None:
            return
        target = Subscriber.objects.select_for_update().filter(email=new).first()
        if target is None:
            source.email = new
            source.user = user
            source.save(update_fields=["email", "user"])
            return
        kept = {row.newsletter_id: row for row in target.subscriptions.all()}
        for row in source.subscriptions.all():
            mine = kept.get(row.newsletter_id)
            if mine is None:
                ListSubscription.objects.filter(pk=row.pk).update(subscriber=target)
            elif _RANK.get(row.status, 0) > _RANK.get(mine.status, 0):
                mine.delete()
                ListSubscription.objects.filter(pk=row.pk).update(subscriber=target)
        # One delivery per (issue, subscriber): an issue both addresses got stays on the target.
        issues = target.deliveries.values("issue_id")
        Delivery.objects.filter(subscriber=source, issue_id__in=issues).update(
            subscriber=None, email=""
        )
        Delivery.objects.filter(subscriber=source).update(subscriber=target)
        source.delete()
        if target.user_id is None:
            target.user = user
            target.save(update_fields=["user"])


def section_context(request, user) -> dict:
    subscriber = subscriptions.subscriber_of(user)
    rows = subscriptions.lists_of(subscriber)
    choices = []
    for newsletter in subscriptions.newsletters_for_choice(subscriber):
        row = rows.get(newsletter.pk)
        choices.append(
            {
                "newsletter": newsletter,
                "checked": row is not None and row.status == SubscriptionStatus.ACTIVE,
                "pending": row is not None and row.status == SubscriptionStatus.PENDING,
            }
        )
    return {
        "newsletter_choices": choices,
        "newsletter_subscriber": subscriber,
    }


provider = ReaderDataProvider(
    key="newsletters",
    label="Newsletters",
    export=export,
    erase=erase,
    section_template="newsletters/reader_section.html",
    section_context=section_context,
    email_changed=email_changed,
    order=20,
)
