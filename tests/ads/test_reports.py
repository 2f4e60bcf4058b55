"""The ads report: per-day impressions, clicks and CTR for all ads, a campaign or a
creative, totals, the per-creative breakdown, CSV export and bad input."""

import csv
import datetime as dt
import io

import pytest

from masthead.ads import reports
from masthead.ads.models import Creative, CreativeDailyStats
from tests.ads.conftest import make_campaign, make_creative
from tests.ads.test_admin import editor_client

pytestmark = pytest.mark.django_db

REPORT = "/admin/ads/reports/"
EXPORT = "/admin/ads/reports/export/"
D1 = dt.date(2026, 3, 1)


def stats(creative, day: dt.date, impressions: int, clicks: int):
    CreativeDailyStats.objects.create(
        creative=creative, day=reports.day_number(day), impressions=impressions, clicks=clicks
    )


@pytest.fixture
def counted(db):
    ferries = make_campaign("Ferries", advertiser="Harbour Ferries Ltd")
    boats = make_campaign("Boats")
    banner = make_creative(ferries, kind=Creative.Kind.HTML, name="Banner")
    square = make_creative(ferries, kind=Creative.Kind.HTML, name="Square")
    make_creative(ferries, kind=Creative.Kind.HTML, name="Unseen")
    other = make_creative(boats, kind=Creative.Kind.HTML, name="Boat ad")
    stats(banner, D1, 1000, 3)
    stats(banner, D1 + dt.timedelta(days=2), 400, 2)
    stats(square, D1, 500, 1)
    stats(other, D1, 7000, 70)
    stats(banner, D1 - dt.timedelta(days=1), 999, 99)  # outside the range
    return {"ferries": ferries, "banner": banner, "square": square}


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("boss", "b@example.org", "x"))
    return client


def test_daily_rows_fill_every_day_and_total(counted):
    rows = reports.daily(D1, D1 + dt.timedelta(days=3), campaign=counted["ferries"])
    assert [(r.day, r.impressions, r.clicks) for r in rows] == [
        (D1, 1500, 4),
        (D1 + dt.timedelta(days=1), 0, 0),
        (D1 + dt.timedelta(days=2), 400, 2),
        (D1 + dt.timedelta(days=3), 0, 0),
    ]
    assert [r.ctr for r in rows] == ["0.27%", "—", "0.50%", "—"]
    total = reports.total(rows)
    assert (total.impressions, total.clicks, total.ctr) == (1900, 6, "0.32%")


def test_one_creative_or_everything(counted):
    end = D1 + dt.timedelta(days=2)
    square = reports.total(reports.daily(D1, end, creative=counted["square"]))
    assert (square.impressions, square.clicks) == (500, 1)
    everything = reports.total(reports.daily(D1, end))
    assert (everything.impressions, everything.clicks) == (8900, 76)


def test_per_creative_breakdown_includes_creatives_without_counts(counted):
    rows = reports.per_creative(D1, D1 + dt.timedelta(days=2), counted["ferries"])
    assert [(r.label, r.impressions, r.clicks, r.ctr) for r in rows] == [
        ("Banner", 1400, 5, "0.36%"),
        ("Square", 500, 1, "0.20%"),
        ("Unseen", 0, 0, "—"),
    ]


def test_report_page_for_a_campaign(admin_client, counted):
    response = admin_client.get(
        REPORT,
        {"campaign": counted["ferries"].pk, "start": "2026-03-01", "end": "2026-03-03"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Per creative" in page and "Unseen" in page
    assert "1,900" in page and "0.32%" in page and "—" in page
    assert "<svg" in page and "Impressions" in page
    assert "start=2026-03-01" in page and EXPORT in page  # the export link keeps the choice


def test_report_defaults_to_the_last_thirty_days(admin_client, counted):
    today = reports.today_utc()
    CreativeDailyStats.objects.create(
        creative=counted["banner"], day=reports.day_number(today), impressions=123456, clicks=12
    )
    response = admin_client.get(REPORT)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert (
        len(rows) == 30 and rows[-1].day == today and rows[0].day == today - dt.timedelta(days=29)
    )
    assert "123,456" in response.content.decode()
    assert response.context["breakdown"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2026-13-01"}, "start"),
        ({"start": "yesterday"}, "start"),
        ({"start": "2026-03-05", "end": "2026-03-01"}, "end"),
        ({"start": "2010-01-01", "end": "2026-01-01"}, "start"),
        ({"campaign": "999999"}, "campaign"),
        ({"creative": "abc"}, "creative"),
    ],
)
def test_bad_input_shows_form_errors(admin_client, counted, query, field):
    for url in (REPORT, EXPORT):
        response = admin_client.get(url, query)
        assert response.status_code == 400, url
        assert field in response.context["form"].errors


def test_a_creative_from_another_campaign_is_refused(admin_client, counted):
    boats = make_campaign("Boats 2")
    response = admin_client.get(REPORT, {"campaign": boats.pk, "creative": counted["banner"].pk})
    assert response.status_code == 400
    assert "creative" in response.context["form"].errors


def test_csv_export(admin_client, counted):
    counted["ferries"].name = "=HYPERLINK(1)"
    counted["ferries"].save()
    response = admin_client.get(
        EXPORT,
        {"campaign": counted["ferries"].pk, "start": "2026-03-01", "end": "2026-03-03"},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert (
        f'filename="ads-campaign-{counted["ferries"].pk}-2026-03-01-2026-03-03.csv"'
        in response["Content-Disposition"]
    )
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["Day (UTC)", "Subject", "Impressions", "Clicks", "CTR"]
    assert rows[1][0] == "2026-03-01" and rows[1][2:] == ["1500", "4", "0.27%"]
    assert rows[2][2:] == ["0", "0", "—"]
    assert rows[-1][0] == "Total" and rows[-1][2:] == ["1900", "6", "0.32%"]
    assert all(row[1].startswith("'=") for row in rows[1:])  # formula-safe
    assert len(rows) == 5


def test_the_report_needs_view_campaign(django_user_model, counted):
    without = editor_client(django_user_model, "view_creative", username="nope")
    assert without.get(REPORT).status_code in (302, 403)
    assert without.get(EXPORT).status_code in (302, 403)
    with_perm = editor_client(django_user_model, "view_campaign", username="yes")
    assert with_perm.get(REPORT).status_code == 200
    assert with_perm.get(EXPORT).status_code == 200
