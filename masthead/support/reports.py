"""Support totals for editors: money received per period and per currency, counted in the
database (one grouped query each), never summed across currencies.

Received means completed: a donation that was completed and later refunded counts with
its refund subtracted; created, pending and failed donations count for nothing.  A
donation belongs to the period in which it was completed.
"""

import dataclasses
import datetime as dt

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from . import money
from .models import Donation, DonationStatus, Frequency, Membership, MembershipStatus

PERIODS = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
PERIOD_CHOICES = [("month", "Month"), ("week", "Week"), ("day", "Day")]
# A refunded donation keeps its completed_at: it was received, then paid back.
RECEIVED_STATUSES = (DonationStatus.COMPLETED, DonationStatus.REFUNDED)


@dataclasses.dataclass(frozen=True)
class Row:
    """The totals of one currency in one period (or over the whole range), minor units."""

    period: dt.date | None
    currency: str
    count: int
    gross: int
    refunded: int
    one_time: int  # net
    monthly: int  # net

    @property
    def net(self) -> int:
        return self.gross - self.refunded

    def show(self, minor: int) -> str:
        return money.format_amount(minor, self.currency)

    @property
    def gross_display(self) -> str:
        return self.show(self.gross)

    @property
    def refunded_display(self) -> str:
        return self.show(self.refunded)

    @property
    def net_display(self) -> str:
        return self.show(self.net)

    @property
    def one_time_display(self) -> str:
        return self.show(self.one_time)

    @property
    def monthly_display(self) -> str:
        return self.show(self.monthly)


@dataclasses.dataclass(frozen=True)
class Recurring:
    """Active memberships in one currency and what they bring in each month."""

    currency: str
    count: int
    monthly_amount: int

    @property
    def monthly_display(self) -> str:
        return money.format_amount(self.monthly_amount, self.currency)


def default_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last twelve months, this one included: from the first of the month eleven
    months ago to today."""
    today = today or timezone.localdate()
    month = today.month - 11
    year = today.year
    if month < 1:
        month += 12
        year -= 1
    return dt.date(year, month, 1), today


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start of `start`, start of the day after `end`) in the site's time zone."""
    zone = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
    )


def received(start: dt.date, end: dt.date):
    """Donations completed between `start` and `end` (inclusive dates)."""
    after, before = _bounds(start, end)
    return Donation.objects.filter(
        status__in=RECEIVED_STATUSES,
        completed_at__gte=after,
        completed_at__lt=before,
    )


def _sums():
    net = F("amount") - F("refunded_amount")
    return {
        "count": Count("pk"),
        "gross": Coalesce(Sum("amount"), 0),
        "refunded": Coalesce(Sum("refunded_amount"), 0),
        "one_time": Coalesce(Sum(net, filter=Q(frequency=Frequency.ONE_TIME)), 0),
        "monthly": Coalesce(Sum(net, filter=Q(frequency=Frequency.MONTHLY)), 0),
    }


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def per_period(start: dt.date, end: dt.date, period: str = "month") -> list[Row]:
    """One row per (period, currency) that had any received donation, oldest first."""
    trunc = PERIODS[period]
    rows = (
        received(start, end)
        .annotate(bucket=trunc("completed_at", tzinfo=timezone.get_current_timezone()))
        .values("bucket", "currency")
        .annotate(**_sums())
        .order_by("bucket", "currency")
    )
    return [
        Row(
            period=_as_date(r["bucket"]),
            currency=r["currency"],
            count=r["count"],
            gross=r["gross"],
            refunded=r["refunded"],
            one_time=r["one_time"],
            monthly=r["monthly"],
        )
        for r in rows
    ]


def per_currency(start: dt.date, end: dt.date) -> list[Row]:
    """The whole range's totals, one row per currency."""
    rows = received(start, end).values("currency").annotate(**_sums()).order_by("currency")
    return [
        Row(
            period=None,
            currency=r["currency"],
            count=r["count"],
            gross=r["gross"],
            refunded=r["refunded"],
            one_time=r["one_time"],
            monthly=r["monthly"],
        )
        for r in rows
    ]


def recurring() -> list[Recurring]:
    """Active memberships now (past-due ones are not counted: their payment failed)."""
    rows = (
        Membership.objects.filter(status=MembershipStatus.ACTIVE)
        .values("currency")
        .annotate(count=Count("pk"), total=Coalesce(Sum("amount"), 0))
        .order_by("currency")
    )
    return [
        Recurring(currency=r["currency"], count=r["count"], monthly_amount=r["total"]) for r in rows
    ]


def period_label(day: dt.date | None, period: str) -> str:
    if day is None:
        return "Total"
    if period == "month":
        return day.strftime("%B %Y")
    if period == "week":
        return f"Week of {day.isoformat()}"
    return day.isoformat()
