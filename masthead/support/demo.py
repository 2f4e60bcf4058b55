"""Demo support: a campaign goal for this month and a dozen completed test donations,
some from public supporters.  Safe to run again: it adds nothing the second time."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from wagtail.models import Site

from .models import Donation, DonationStatus, Frequency, SupportSettings

DEMO_REFERENCE = "demo-donation-"
SUPPORTERS = [
    (5000, "Ada from Harbourside", "Thank you for covering the council meetings nobody else does."),
    (2500, "Bea Kowalski", ""),
    (1000, "", ""),
    (10000, "The Riverside Book Club", "Local news matters. Keep going!"),
    (2500, "", ""),
    (500, "Sam", "Small but monthly-ish."),
    (5000, "", ""),
    (2500, "Marta & Jonas", "For the ferry investigation."),
    (1000, "", ""),
    (25000, "A grateful reader", ""),
    (1000, "Chris", ""),
    (5000, "", ""),
]


def load_demo() -> int:
    """Turn on this month's goal (5,000 USD) and add the demo donations once; returns how many."""
    site = Site.objects.get(is_default_site=True)
    rules = SupportSettings.for_site(site)
    today = timezone.localdate()
    start = today.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    rules.enabled = True
    rules.goal_enabled = True
    rules.goal_label = "Our winter appeal"
    rules.goal_amount = 5000
    rules.goal_currency = "USD"
    rules.goal_starts = start
    rules.goal_ends = end
    rules.save()
    if Donation.objects.filter(provider_reference__startswith=DEMO_REFERENCE).exists():
        return 0
    now = timezone.now()
    month_start = dt.datetime.combine(start, dt.time(0, 5), tzinfo=timezone.get_current_timezone())
    with transaction.atomic():
        for n, (amount, name, message) in enumerate(SUPPORTERS):
            # Within this month, so they count towards the goal.
            when = max(now - dt.timedelta(hours=7 * (n + 1)), month_start)
            Donation.objects.create(
                provider="offline",
                frequency=Frequency.ONE_TIME,
                amount=amount,
                currency="USD",
                status=DonationStatus.COMPLETED,
                email=f"demo-supporter-{n}@example.com",
                public_name=name,
                message=message,
                show_publicly=bool(name or message),
                provider_reference=f"{DEMO_REFERENCE}{n}",
                provider_payment_id=f"offline-pay-demo-{n}",
                created_at=when,
                completed_at=when,
                receipt_sent_at=when,
            )
    return len(SUPPORTERS)
