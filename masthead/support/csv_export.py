"""Donations and support totals as CSV: streamed row by row, safe to open in a spreadsheet.

Amounts appear twice: as a decimal string in the currency's main unit ("12.50", "1500"
for yen) next to the currency, and as the stored integer in minor units, so a sheet can
check one against the other and nobody has to guess a currency's decimals.
"""

from collections.abc import Iterator

from django.db.models import QuerySet

from masthead.core.spreadsheet import safe_cell

from . import money, reports

DONATION_HEADER = [
    "public_id",
    "created_at",
    "completed_at",
    "refunded_at",
    "status",
    "provider",
    "frequency",
    "currency",
    "amount",
    "amount_minor",
    "refunded_amount",
    "refunded_amount_minor",
    "email",
    "public_name",
    "show_publicly",
    "message",
    "membership",
    "provider_reference",
    "provider_payment_id",
    "failure_reason",
    "source_path",
]

TOTALS_HEADER = [
    "period",
    "currency",
    "donations",
    "gross",
    "refunded",
    "net",
    "net_minor",
    "one_time_net",
    "monthly_net",
]


def _major(minor: int, currency: str) -> str:
    try:
        return str(money.to_major(minor, currency))
    except money.MoneyError:  # a currency no longer offered: the minor column still holds
        return ""


def donation_rows(donations: QuerySet) -> Iterator[list[str]]:
    yield DONATION_HEADER
    rows = donations.order_by("-created_at", "-pk").values_list(
        "public_id",
        "created_at",
        "completed_at",
        "refunded_at",
        "status",
        "provider",
        "frequency",
        "currency",
        "amount",
        "refunded_amount",
        "email",
        "public_name",
        "show_publicly",
        "message",
        "membership__public_id",
        "provider_reference",
        "provider_payment_id",
        "failure_reason",
        "source_path",
    )
    for row in rows.iterator(chunk_size=2000):
        (public_id, created, completed, refunded_at, status, provider, frequency, currency,
         amount, refunded, *rest) = row  # fmt: skip
        values = [
            public_id,
            created,
            completed,
            refunded_at,
            status,
            provider,
            frequency,
            currency,
            _major(amount, currency),
            amount,
            _major(refunded, currency),
            refunded,
            *rest,
        ]
        yield [safe_cell(v) for v in values]


def totals_rows(rows: list[reports.Row], period: str) -> Iterator[list[str]]:
    yield TOTALS_HEADER
    for row in rows:
        yield [
            safe_cell(v)
            for v in (
                row.period.isoformat() if row.period else "total",
                row.currency,
                row.count,
                _major(row.gross, row.currency),
                _major(row.refunded, row.currency),
                _major(row.net, row.currency),
                row.net,
                _major(row.one_time, row.currency),
                _major(row.monthly, row.currency),
            )
        ]
