"""Support totals: completed donations minus refunds per period and per currency (never
added across currencies), pending and failed left out, the one-time / monthly split,
active memberships' monthly amount, and the CSV of the table."""

import datetime as dt

import pytest
from django.utils import timezone

from masthead.support import reports
from masthead.support.models import DonationStatus, Frequency, MembershipStatus
from tests.support.conftest import make_donation, make_membership
from tests.support.test_admin import at, rows_of, staff_client

pytestmark = pytest.mark.django_db

TOTALS = "/admin/support/totals/"
RANGE = {"start": "2026-01-01", "end": "2026-03-31"}


@pytest.fixture
def viewer_client(django_user_model):
    return staff_client(django_user_model, "viewer", "view_donation")


@pytest.fixture
def money_in():
    """January: USD 25 one-time + USD 10 monthly, EUR 30; February: USD 50 fully refunded,
    USD 20 with 5 refunded, and JPY 1,500; never counted: pending, failed, a refund before
    any completion, and a donation outside the range."""
    done = DonationStatus.COMPLETED
    make_donation(amount=2500, status=done, completed_at=at("2026-01-05"))
    make_donation(
        amount=1000, status=done, frequency=Frequency.MONTHLY, completed_at=at("2026-01-20")
    )
    make_donation(amount=3000, currency="EUR", status=done, completed_at=at("2026-01-07"))
    make_donation(
        amount=5000,
        status=DonationStatus.REFUNDED,
        refunded_amount=5000,
        completed_at=at("2026-02-03"),
        refunded_at=at("2026-02-04"),
    )
    make_donation(
        amount=2000,
        status=DonationStatus.REFUNDED,
        refunded_amount=500,
        completed_at=at("2026-02-11"),
    )
    make_donation(amount=1500, currency="JPY", status=done, completed_at=at("2026-02-14"))
    make_donation(amount=99_900, status=DonationStatus.PENDING, created_at=at("2026-01-10"))
    make_donation(
        amount=88_800, status=DonationStatus.FAILED, failed_at=at("2026-01-11"), completed_at=None
    )
    make_donation(amount=77_700, status=DonationStatus.REFUNDED, refunded_amount=77_700)
    make_donation(amount=66_600, status=done, completed_at=at("2025-12-31"))


def test_per_month_and_currency(money_in):
    rows = reports.per_period(dt.date(2026, 1, 1), dt.date(2026, 3, 31), "month")
    got = {(r.period, r.currency): (r.count, r.gross, r.refunded, r.net) for r in rows}
    assert got == {
        (dt.date(2026, 1, 1), "EUR"): (1, 3000, 0, 3000),
        (dt.date(2026, 1, 1), "USD"): (2, 3500, 0, 3500),
        (dt.date(2026, 2, 1), "JPY"): (1, 1500, 0, 1500),
        (dt.date(2026, 2, 1), "USD"): (2, 7000, 5500, 1500),
    }
    january_usd = next(r for r in rows if r.currency == "USD" and r.period.month == 1)
    assert (january_usd.one_time, january_usd.monthly) == (2500, 1000)


def test_per_week_and_day(money_in):
    weeks = reports.per_period(dt.date(2026, 1, 1), dt.date(2026, 1, 31), "week")
    assert {(r.period, r.currency, r.net) for r in weeks} == {
        (dt.date(2026, 1, 5), "USD", 2500),  # Monday 5 January
        (dt.date(2026, 1, 5), "EUR", 3000),
        (dt.date(2026, 1, 19), "USD", 1000),
    }
    days = reports.per_period(dt.date(2026, 2, 1), dt.date(2026, 2, 28), "day")
    assert [(r.period.day, r.currency, r.net) for r in days] == [
        (3, "USD", 0),
        (11, "USD", 1500),
        (14, "JPY", 1500),
    ]


def test_whole_range_never_adds_currencies(money_in):
    summary = {r.currency: (r.count, r.net) for r in reports.per_currency(**_dates())}
    assert summary == {"EUR": (1, 3000), "JPY": (1, 1500), "USD": (4, 5000)}


def _dates():
    return {"start": dt.date(2026, 1, 1), "end": dt.date(2026, 3, 31)}


def test_active_memberships_monthly_amount_per_currency(db):
    make_membership(amount=1000)
    make_membership(amount=500)
    make_membership(amount=800, currency="EUR")
    make_membership(amount=9_900, status=MembershipStatus.CANCELED)
    make_membership(amount=7_700, status=MembershipStatus.PAST_DUE)
    got = {(r.currency, r.count, r.monthly_amount) for r in reports.recurring()}
    assert got == {("USD", 2, 1500), ("EUR", 1, 800)}


def test_totals_page(viewer_client, money_in):
    make_membership(amount=1000)
    response = viewer_client.get(TOTALS, RANGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "January 2026" in page and "February 2026" in page
    assert "$35" in page and "€30" in page and "¥1,500" in page
    assert "$55" in page  # February's refunds
    assert "$50" in page  # USD net over the range
    assert "$65" not in page  # 35 USD + 30 EUR would be nonsense
    assert "$999" not in page and "$888" not in page and "$777" not in page
    assert "$666" not in page
    assert "$10" in page  # active memberships per month


def test_totals_page_defaults_to_the_last_twelve_months_by_month(viewer_client, db):
    make_donation(amount=1234, status=DonationStatus.COMPLETED, completed_at=timezone.now())
    make_donation(
        amount=4321,
        status=DonationStatus.COMPLETED,
        completed_at=timezone.now() - dt.timedelta(days=400),
    )
    page = viewer_client.get(TOTALS).content.decode()
    assert timezone.localdate().strftime("%B %Y") in page
    assert "$12.34" in page
    assert "$43.21" not in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-03-31", "end": "2026-01-01"}, "The end comes after the start."),
        ({"start": "yesterday", "end": "2026-01-01"}, "Enter a valid date."),
        ({"period": "fortnight"}, "Select a valid choice."),
        (
            {"period": "day", "start": "2020-01-01", "end": "2026-01-01"},
            "Per day, choose at most a year.",
        ),
    ],
)
def test_a_bad_range_shows_the_error_and_the_default_report(viewer_client, db, query, message):
    make_donation(amount=1234, status=DonationStatus.COMPLETED, completed_at=timezone.now())
    response = viewer_client.get(TOTALS, query)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert timezone.localdate().strftime("%B %Y") in page  # the default report instead
    assert "$12.34" in page


def test_totals_csv(viewer_client, money_in):
    response = viewer_client.get(f"{TOTALS}export/", {**RANGE, "period": "month"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = [
        (r["period"], r["currency"], r["donations"], r["gross"], r["refunded"], r["net"],
         r["net_minor"], r["one_time_net"], r["monthly_net"])
        for r in rows_of(response)
    ]  # fmt: skip
    assert rows == [
        ("2026-01-01", "EUR", "1", "30.00", "0.00", "30.00", "3000", "30.00", "0.00"),
        ("2026-01-01", "USD", "2", "35.00", "0.00", "35.00", "3500", "25.00", "10.00"),
        ("2026-02-01", "JPY", "1", "1500", "0", "1500", "1500", "1500", "0"),
        ("2026-02-01", "USD", "2", "70.00", "55.00", "15.00", "1500", "15.00", "0.00"),
        ("total", "EUR", "1", "30.00", "0.00", "30.00", "3000", "30.00", "0.00"),
        ("total", "JPY", "1", "1500", "0", "1500", "1500", "1500", "0"),
        ("total", "USD", "4", "105.00", "55.00", "50.00", "5000", "40.00", "10.00"),
    ]
