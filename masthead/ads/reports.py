"""Ad reports: impressions, clicks and click-through rate per UTC day, for one creative,
one campaign or every ad, with totals and a per-creative breakdown.

The counts are CreativeDailyStats rows (days since the epoch, UTC), summed in the
database with one grouped query per table; days without a row show as zeros so a
chart and a spreadsheet have every day of the range.
"""

import dataclasses
import datetime as dt

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from masthead.core.spreadsheet import safe_cell

from .models import Campaign, Creative, CreativeDailyStats

EPOCH = dt.date(1970, 1, 1)
DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def day_date(number: int) -> dt.date:
    return EPOCH + dt.timedelta(days=number)


def today_utc() -> dt.date:
    return timezone.now().astimezone(dt.UTC).date()


def default_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last thirty days, today included."""
    today = today or today_utc()
    return today - dt.timedelta(days=DEFAULT_DAYS - 1), today


def ctr_display(impressions: int, clicks: int) -> str:
    """Clicks per impression as a percentage; a dash when nothing was shown (not 0%,
    which would claim the ad was seen and ignored)."""
    if not impressions:
        return "—"
    return f"{100 * clicks / impressions:.2f}%"


@dataclasses.dataclass(frozen=True)
class Counts:
    label: str
    impressions: int
    clicks: int

    @property
    def ctr(self) -> str:
        return ctr_display(self.impressions, self.clicks)


@dataclasses.dataclass(frozen=True)
class DayRow(Counts):
    day: dt.date


def _stats(campaign: Campaign | None = None, creative: Creative | None = None):
    stats = CreativeDailyStats.objects.all()
    if creative is not None:
        stats = stats.filter(creative=creative)
    elif campaign is not None:
        stats = stats.filter(creative__campaign=campaign)
    return stats


def _sums():
    return {
        "total_impressions": Coalesce(Sum("impressions"), 0),
        "total_clicks": Coalesce(Sum("clicks"), 0),
    }


def daily(
    start: dt.date,
    end: dt.date,
    *,
    campaign: Campaign | None = None,
    creative: Creative | None = None,
) -> list[DayRow]:
    """One row per day from `start` to `end` (inclusive, UTC days)."""
    first, last = day_number(start), day_number(end)
    counted = {
        row["day"]: row
        for row in _stats(campaign, creative)
        .filter(day__gte=first, day__lte=last)
        .values("day")
        .annotate(**_sums())
    }
    rows = []
    for number in range(first, last + 1):
        row = counted.get(number, {})
        day = day_date(number)
        rows.append(
            DayRow(
                label=day.isoformat(),
                day=day,
                impressions=row.get("total_impressions", 0),
                clicks=row.get("total_clicks", 0),
            )
        )
    return rows


def total(rows: list[Counts], label: str = "Total") -> Counts:
    return Counts(
        label=label,
        impressions=sum(r.impressions for r in rows),
        clicks=sum(r.clicks for r in rows),
    )


def per_creative(start: dt.date, end: dt.date, campaign: Campaign) -> list[Counts]:
    """Each of the campaign's creatives over the range, those without counts included."""
    in_range = Q(daily_stats__day__gte=day_number(start), daily_stats__day__lte=day_number(end))
    creatives = (
        campaign.creatives.order_by("name", "pk")
        .annotate(
            total_impressions=Coalesce(Sum("daily_stats__impressions", filter=in_range), 0),
            total_clicks=Coalesce(Sum("daily_stats__clicks", filter=in_range), 0),
        )
        .values_list("name", "total_impressions", "total_clicks")
    )
    return [Counts(label=name, impressions=i, clicks=c) for name, i, c in creatives]


def impressions_on(day: dt.date):
    """An annotation for campaign listings: the campaign's impressions on `day`."""
    return Coalesce(
        Sum(
            "creatives__daily_stats__impressions",
            filter=Q(creatives__daily_stats__day=day_number(day)),
        ),
        0,
    )


def csv_rows(rows: list[DayRow], totals: Counts, subject: str):
    """The report table as spreadsheet rows: a header, one row per day, the total."""
    yield ["Day (UTC)", "Subject", "Impressions", "Clicks", "CTR"]
    for row in [*rows, totals]:
        yield [
            safe_cell(value) for value in (row.label, subject, row.impressions, row.clicks, row.ctr)
        ]


# --- campaign status, as the campaign listing shows and filters it ---------------------

STATUS_CHOICES = [
    ("running", "Running"),
    ("scheduled", "Scheduled"),
    ("ended", "Ended"),
    ("paused", "Paused"),
]


def status_of(campaign: Campaign, at: dt.datetime | None = None) -> str:
    """Paused wins over the schedule: a paused campaign shows nothing whatever its dates."""
    at = at or timezone.now()
    if not campaign.active:
        return "paused"
    if campaign.starts_at > at:
        return "scheduled"
    if campaign.ends_at is not None and campaign.ends_at <= at:
        return "ended"
    return "running"


def with_status(queryset, status: str, at: dt.datetime | None = None):
    at = at or timezone.now()
    live = Q(active=True)
    if status == "paused":
        return queryset.filter(active=False)
    if status == "scheduled":
        return queryset.filter(live, starts_at__gt=at)
    if status == "ended":
        return queryset.filter(live, starts_at__lte=at, ends_at__lte=at)
    if status == "running":
        return queryset.filter(live, Q(ends_at__isnull=True) | Q(ends_at__gt=at), starts_at__lte=at)
    return queryset
