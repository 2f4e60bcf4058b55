"""The confirmation mail of a newsletter signup: one per request, listing its lists.

Its only link opens a page with one button (mail scanners follow links).  The
newsletter names come from editors, so they pass through header_text() before
reaching the subject; the reader's own name never reaches a header, and the
address reaches only the envelope and To, after normalise_email refused any
line break in it.
"""

from email.utils import formataddr

from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string

from masthead.core.mail import header_text

from . import subscriptions, tokens
from .models import ListSubscription, Subscriber, SubscriberStatus, SubscriptionStatus


def _publication_name() -> str:
    from wagtail.models import Site

    from masthead.newsroom.models import PublicationSettings

    site = Site.objects.filter(is_default_site=True).first()
    name = PublicationSettings.for_site(site).name if site is not None else ""
    return header_text(name or settings.SITE_URL, limit=120)


def _sender(newsletter, publication: str) -> str:
    address = newsletter.sender_email or settings.DEFAULT_FROM_EMAIL
    if "<" in address:  # DEFAULT_FROM_EMAIL may carry its own display name
        return address
    return formataddr((header_text(newsletter.sender_name or publication, limit=120), address))


def confirmation_message(
    subscriber: Subscriber, rows: list[ListSubscription]
) -> mail.EmailMultiAlternatives:
    publication = _publication_name()
    newsletters = [row.newsletter for row in rows]
    names = [header_text(n.name, limit=100) for n in newsletters]
    context = {
        "publication": publication,
        "newsletters": newsletters,
        "names": names,
        "name": subscriber.name,
        "confirm_url": tokens.confirm_url(rows[0].pk, rows[0].confirm_nonce),
        "days": subscriptions.newsletter_settings().confirm_days,
    }
    if len(names) == 1:
        subject = f"Please confirm your subscription to {names[0]}"
    else:
        subject = f"Please confirm your subscriptions to {publication}'s newsletters"
    message = mail.EmailMultiAlternatives(
        subject=header_text(subject),
        body=render_to_string("newsletters/signup_email/confirm.txt", context),
        from_email=_sender(newsletters[0], publication),
        to=[subscriber.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    if newsletters[0].reply_to:
        message.reply_to = [newsletters[0].reply_to]
    message.attach_alternative(
        render_to_string("newsletters/signup_email/confirm.html", context), "text/html"
    )
    return message


def send_confirmation(*, subscriber_id: int, nonce: str) -> bool:
    """Mail the confirmation of one request, if it still waits for one; True if sent."""
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or subscriber.status != SubscriberStatus.ACTIVE or not nonce:
        return False
    rows = list(
        ListSubscription.objects.filter(
            subscriber=subscriber, confirm_nonce=nonce, status=SubscriptionStatus.PENDING
        )
        .select_related("newsletter")
        .order_by("newsletter__sort_order", "newsletter__name")
    )
    if not rows:
        return False  # confirmed already, or replaced by a later request
    return mail.mailers.default.send_messages([confirmation_message(subscriber, rows)]) == 1
