"""Bounces, complaints and unsubscribes reported by an email service provider (through
django-anymail's tracking webhooks) mark the address, so no later issue goes to it.

- A hard bounce (or an ESP refusing an address it knows bounced) marks the subscriber
  "bounced"; a spam complaint marks it "complained". Both stop every list at once:
  active_subscriptions() leaves such addresses out. A complaint outranks a bounce.
- An unsubscribe at the ESP (its own link or a suppression) takes the address off the
  list of the issue the mail belonged to, or off every list when that is unknown.
- Soft bounces and deferrals change nothing: the mail may still arrive.

The delivery is found by anymail metadata (issue and subscriber ids, when the sender
set them), else by message id, else the subscriber by the recipient's address.
"""

import logging

from anymail.signals import EventType, RejectReason
from django.db import transaction
from django.utils import timezone

from .models import Delivery, ListSubscription, Subscriber, SubscriberStatus, SubscriptionStatus

logger = logging.getLogger(__name__)

SOFT_BOUNCE_TYPES = {"SoftBounce", "Transient", "DnsError", "AutoResponder"}
REASON_LENGTH = 300
# A stronger mark is never replaced by a weaker one.
RANK = {SubscriberStatus.ACTIVE: 0, SubscriberStatus.BOUNCED: 1, SubscriberStatus.COMPLAINED: 2}


def on_tracking(sender, event, esp_name, **kwargs) -> None:
    """anymail.signals.tracking receiver."""
    verdict = classify(event)
    if verdict is None:
        return
    delivery = find_delivery(event)
    subscriber = _subscriber(event, delivery)
    if subscriber is None:
        logger.info("ESP %s event %s for an unknown address", esp_name, event.event_type)
        return
    if verdict == "unsubscribed":
        _unsubscribe(subscriber, delivery)
    else:
        mark(subscriber, status=verdict, reason=_reason(event, esp_name, verdict))
    if delivery is not None and verdict != "unsubscribed":
        note = _reason(event, esp_name, verdict)[:REASON_LENGTH]
        Delivery.objects.filter(pk=delivery.pk).update(last_error=note)


def classify(event) -> str | None:
    """What the event means here: "bounced", "complained", "unsubscribed" or None."""
    kind, reason = event.event_type, event.reject_reason
    if kind == EventType.COMPLAINED:
        return SubscriberStatus.COMPLAINED
    if kind == EventType.BOUNCED:
        return None if is_soft_bounce(event) else SubscriberStatus.BOUNCED
    if kind == EventType.REJECTED:
        # The ESP refused to send because of what it already knows about the address.
        if reason == RejectReason.BOUNCED:
            return SubscriberStatus.BOUNCED
        if reason == RejectReason.SPAM:
            return SubscriberStatus.COMPLAINED
        if reason == RejectReason.UNSUBSCRIBED:
            return "unsubscribed"
        return None
    if kind == EventType.UNSUBSCRIBED:
        return "unsubscribed"
    return None


def is_soft_bounce(event) -> bool:
    raw = event.esp_event if isinstance(event.esp_event, dict) else {}
    if raw.get("Type") in SOFT_BOUNCE_TYPES:  # Postmark
        return True
    data = raw.get("event-data") if isinstance(raw.get("event-data"), dict) else raw
    if str(data.get("severity", "")).lower() == "temporary":  # Mailgun
        return True
    bounce = raw.get("bounce") if isinstance(raw.get("bounce"), dict) else {}
    if bounce.get("bounceType") in ("Transient", "Undetermined"):  # Amazon SES
        return True
    # An SMTP reply in the 4xx range is temporary by definition.
    return (event.mta_response or "").lstrip()[:1] == "4"


def find_delivery(event) -> Delivery | None:
    deliveries = Delivery.objects.select_related("issue")
    metadata = event.metadata if isinstance(event.metadata, dict) else {}
    issue_id, subscriber_id = metadata.get("issue"), metadata.get("subscriber")
    if issue_id and subscriber_id:
        try:
            found = deliveries.filter(issue_id=int(issue_id), subscriber_id=int(subscriber_id))
        except (TypeError, ValueError):
            found = None
        if found is not None and (row := found.first()):
            return row
    message_id = (event.message_id or "").strip()
    if message_id:
        bare = message_id.strip("<>")
        row = deliveries.filter(message_id__in={message_id, bare, f"<{bare}>"}).first()
        if row is not None:
            return row
    return None


def _subscriber(event, delivery: Delivery | None) -> Subscriber | None:
    if delivery is not None and delivery.subscriber_id:
        return Subscriber.objects.filter(pk=delivery.subscriber_id).first()
    recipient = (event.recipient or "").strip().lower()
    if not recipient or len(recipient) > 254:
        return None
    return Subscriber.objects.filter(email=recipient).first()


def _reason(event, esp_name: str, verdict: str) -> str:
    what = {"bounced": "Bounced", "complained": "Spam complaint"}.get(verdict, verdict)
    when = event.timestamp or timezone.now()
    detail = " ".join(str(event.description or event.mta_response or "").split())
    text = f"{what} (reported by {esp_name}, {when:%Y-%m-%d %H:%M} UTC)"
    return f"{text}: {detail}"[:REASON_LENGTH] if detail else text


def mark(subscriber: Subscriber, *, status: str, reason: str) -> bool:
    """Mark the address bounced or complained; returns whether anything changed."""
    with transaction.atomic():
        current = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if RANK[SubscriberStatus(current.status)] >= RANK[SubscriberStatus(status)]:
            return False
        current.status = status
        current.status_reason = reason[:REASON_LENGTH]
        current.save(update_fields=["status", "status_reason"])
    return True


def _unsubscribe(subscriber: Subscriber, delivery: Delivery | None) -> None:
    from .subscriptions import unsubscribe

    if delivery is not None:
        newsletter_ids = [delivery.issue.newsletter_id]
    else:
        newsletter_ids = list(
            ListSubscription.objects.filter(subscriber=subscriber)
            .exclude(status=SubscriptionStatus.UNSUBSCRIBED)
            .values_list("newsletter_id", flat=True)
        )
    for newsletter_id in newsletter_ids:
        unsubscribe(subscriber.pk, newsletter_id, source="esp")
