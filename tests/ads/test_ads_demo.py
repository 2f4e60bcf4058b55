"""The ads demo: placements for every slot the theme renders, house and paying
campaigns with drawn banners, thirty days of counts; once only."""

import datetime as dt

import pytest
from PIL import Image as PILImage

from masthead.ads import demo, reports
from masthead.ads.models import AdsSettings, Campaign, Creative, CreativeDailyStats, Placement
from masthead.ads.sanitise import clean_html

pytestmark = pytest.mark.django_db


def test_demo_builds_placements_campaigns_creatives_and_history(ads_settings):
    made = demo.load_demo()
    assert made == Creative.objects.count() == 6

    sizes = dict(Placement.objects.values_list("key", "size"))
    assert sizes == {
        "header": "728x90",
        "sidebar-top": "300x250",
        "sidebar-lower": "300x250",
        "in-article": "300x250",
        "between-articles": "728x90",
        "footer": "728x90",
        "newsletter": "600x200",
    }
    assert set(Placement.objects.values_list("kind", flat=True)) == set(Placement.Kind.values)
    assert Placement.objects.get(key="in-article").paragraph == 3

    house = Campaign.objects.get(is_house=True)
    assert sorted(house.creatives.values_list("house_target", flat=True)) == [
        "donate",
        "newsletter",
    ]
    ferries = Campaign.objects.get(name="Harbour Ferries")
    assert ferries.advertiser == "Harbour Ferries Ltd" and ferries.is_running()

    images = ferries.creatives.filter(kind=Creative.Kind.IMAGE)
    assert images.count() == 3
    for creative in images:
        assert creative.link_url == "https://example.com/ferries" and creative.alt_text
        for placement in creative.placements.all():
            # Drawn at twice the slot's size, so it fills it on high-density screens.
            assert (creative.image.width, creative.image.height) == (
                2 * placement.width,
                2 * placement.height,
            )
        with creative.image.file.open() as handle:
            assert PILImage.open(handle).size == (creative.image.width, creative.image.height)
    html = ferries.creatives.get(kind=Creative.Kind.HTML)
    assert html.html == clean_html(html.html) and "<h3>" in html.html
    assert not Creative.objects.filter(kind=Creative.Kind.TAG).exists()
    assert Creative.objects.filter(placements=None).count() == 0

    ads_settings.refresh_from_db()
    assert not AdsSettings.objects.get(pk=ads_settings.pk).allow_third_party_tags


def test_history_covers_thirty_days_with_plausible_click_through(db):
    demo.load_demo()
    today = reports.today_utc()
    rows = reports.daily(today - dt.timedelta(days=29), today)
    assert all(row.impressions > 0 for row in rows[:-1])
    total = reports.total(rows)
    assert 0.001 <= total.clicks / total.impressions <= 0.005
    assert not CreativeDailyStats.objects.filter(day__lt=reports.day_number(today) - 29).exists()
    campaign = Campaign.objects.get(name="Harbour Ferries")
    shown = {r.label: r.impressions for r in reports.per_creative(rows[0].day, today, campaign)}
    # E-mail impressions are not counted, so the newsletter-only banner has none.
    assert shown.pop("Cross the bay (600x200)") == 0
    assert all(impressions > 0 for impressions in shown.values())


def test_demo_runs_once(db):
    assert demo.load_demo() == 6
    counts = (
        Placement.objects.count(),
        Creative.objects.count(),
        CreativeDailyStats.objects.count(),
    )
    assert demo.load_demo() == 0
    assert (
        Placement.objects.count(),
        Creative.objects.count(),
        CreativeDailyStats.objects.count(),
    ) == counts


def test_demo_leaves_a_site_with_its_own_ads_alone(db):
    Placement.objects.create(name="Mine", key="mine", kind=Placement.Kind.SIDEBAR)
    assert demo.load_demo() == 0
    assert list(Placement.objects.values_list("key", flat=True)) == ["mine"]
    assert not Campaign.objects.exists()
