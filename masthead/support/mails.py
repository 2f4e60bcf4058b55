"""Mail to supporters: the receipt of each completed payment, and membership links.

A receipt goes out once per donation: the receipt_sent_at stamp is taken
before sending, so a replayed task sends nothing.  The reader's own name and
message never reach a header; the address was normalised (no line breaks)
before it was stored.
"""

from django.conf import settings
from django.core import mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from masthead.core.mail import header_text

from . import tokens
from .models import Donation, DonationStatus, Frequency, Membership, MembershipStatus

PROVIDER_NAMES = {"stripe": "Card (Stripe)", "paypal": "PayPal", "offline": "Test payment"}


def publication_name() -> str:
    from wagtail.models import Site

    from masthead.newsroom.models import PublicationSettings

    site = Site.objects.filter(is_default_site=True).first()
    name = PublicationSettings.for_site(site).name if site is not None else ""
    return header_text(name or settings.SITE_URL, limit=120)


def _message(subject, template, context, to) -> mail.EmailMultiAlternatives:
    message = mail.EmailMultiAlternatives(
        subject=header_text(subject),
        body=render_to_string(f"support/email/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(
        render_to_string(f"support/email/{template}.html", context), "text/html"
    )
    return message


def receipt_message(donation: Donation) -> mail.EmailMultiAlternatives:
    publication = publication_name()
    membership = donation.membership
    signed_in = donation.user_id is not None
    context = {
        "publication": publication,
        "donation": donation,
        "amount": donation.display_amount,
        "monthly": donation.frequency == Frequency.MONTHLY,
        "provider": PROVIDER_NAMES.get(donation.provider, donation.provider),
        "reference": donation.provider_payment_id or str(donation.public_id),
        "membership": membership,
        "manage_url": tokens.membership_url(membership)
        if membership is not None and not signed_in
        else "",
        "reader_url": settings.SITE_URL + "/reader/" if signed_in else "",
    }
    return _message(
        f"Your receipt: {donation.display_amount} to {publication}",
        "receipt",
        context,
        donation.email,
    )


def send_receipt(*, donation_id: int) -> bool:
    """Mail the receipt of a completed donation, once; True if sent."""
    claimed = Donation.objects.filter(
        pk=donation_id, status=DonationStatus.COMPLETED, receipt_sent_at__isnull=True
    ).exclude(email="")
    if not claimed.update(receipt_sent_at=timezone.now()):
        return False
    donation = Donation.objects.select_related("membership").get(pk=donation_id)
    try:
        sent = mail.mailers.default.send_messages([receipt_message(donation)]) == 1
    except Exception:
        Donation.objects.filter(pk=donation_id).update(receipt_sent_at=None)
        raise
    if not sent:
        Donation.objects.filter(pk=donation_id).update(receipt_sent_at=None)
    return sent


def send_membership_links(*, email: str) -> bool:
    """Mail the management links of an address's running memberships; False if it has none."""
    rows = list(
        Membership.objects.filter(Q(email=email))
        .exclude(status=MembershipStatus.CANCELED)
        .order_by("created_at")
    )
    if not rows:
        return False
    publication = publication_name()
    context = {
        "publication": publication,
        "links": [(m, tokens.membership_url(m)) for m in rows],
    }
    message = _message(
        f"Manage your monthly support of {publication}", "membership_links", context, email
    )
    return mail.mailers.default.send_messages([message]) == 1
