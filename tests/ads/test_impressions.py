"""The impression beacon: what it counts, what it ignores and what it refuses."""

import datetime as dt

import pytest
import time_machine
from django.db.models import Sum
from django.utils import timezone

from masthead.ads.counting import flush_ads, reset_ad_state
from masthead.ads.models import CreativeDailyStats
from tests.ads.conftest import BROWSER_UA, make_campaign, make_creative, make_placement

NOON = dt.datetime(2030, 3, 1, 12, 0, tzinfo=dt.UTC)


def send(client, creative, placement, *, ip="203.0.113.7", ua=BROWSER_UA, body=None, **headers):
    """POST the beacon as navigator.sendBeacon does, from the reader at `ip`."""
    return client.post(
        "/ads/i/",
        data=body if body is not None else f"c={creative.pk}&p={placement.pk}",
        content_type="application/x-www-form-urlencoded;charset=UTF-8",
        REMOTE_ADDR=ip,
        headers={"User-Agent": ua, "Sec-Fetch-Site": "same-origin", **headers},
    )


def impressions(creative=None) -> int:
    rows = CreativeDailyStats.objects.all()
    if creative is not None:
        rows = rows.filter(creative=creative)
    return rows.aggregate(n=Sum("impressions"))["n"] or 0


@pytest.fixture
def ad(db):
    placement = make_placement()
    creative = make_creative(make_campaign(), [placement])
    return creative, placement


def test_a_beacon_counts_once_after_the_flush(client, ad):
    creative, placement = ad
    response = send(client, creative, placement)
    assert response.status_code == 204
    assert response["Cache-Control"] == "no-store"
    assert impressions() == 0  # buffered, not yet written
    assert flush_ads() == 1
    row = CreativeDailyStats.objects.get(creative=creative)
    assert (row.impressions, row.clicks) == (1, 0)
    assert row.day == int(timezone.now().timestamp()) // 86400
    assert flush_ads() == 0
    assert impressions() == 1


def test_the_same_visitor_counts_once_within_the_window_and_again_after(client, ad, settings):
    creative, placement = ad
    settings.MASTHEAD_AD_DEDUPE_SECONDS = 60
    with time_machine.travel(NOON, tick=False):
        send(client, creative, placement)
        send(client, creative, placement)
        flush_ads()
        assert impressions() == 1
    with time_machine.travel(NOON + dt.timedelta(seconds=59), tick=False):
        send(client, creative, placement)
        flush_ads()
        assert impressions() == 1
    with time_machine.travel(NOON + dt.timedelta(seconds=61), tick=False):
        send(client, creative, placement)
        flush_ads()
        assert impressions() == 2


def test_a_repeat_another_process_buffered_counts_once(client, ad, settings):
    """The process's memory of visitors is a shortcut: the database claim decides."""
    creative, placement = ad
    settings.MASTHEAD_AD_DEDUPE_SECONDS = 60
    with time_machine.travel(NOON, tick=False):
        send(client, creative, placement)
        flush_ads()
    with time_machine.travel(NOON + dt.timedelta(seconds=30), tick=False):
        reset_ad_state()  # as if the repeat reached a process that never saw the first
        send(client, creative, placement)
        assert flush_ads() == 0
    assert impressions() == 1


def test_different_visitors_count_separately(client, ad):
    creative, placement = ad
    send(client, creative, placement, ip="203.0.113.7")
    send(client, creative, placement, ip="203.0.113.8")
    send(client, creative, placement, ip="203.0.113.7", ua=BROWSER_UA.replace("131", "130"))
    assert flush_ads() == 3
    assert impressions(creative) == 3


def test_each_creative_counts_on_its_own_for_one_visitor(client, db):
    placement = make_placement()
    campaign = make_campaign()
    first = make_creative(campaign, [placement], name="First")
    second = make_creative(campaign, [placement], name="Second")
    send(client, first, placement)
    send(client, second, placement)
    flush_ads()
    assert (impressions(first), impressions(second)) == (1, 1)


@pytest.mark.parametrize(
    ("ua", "headers"),
    [
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", {}),
        ("", {}),
        (BROWSER_UA, {"Sec-Purpose": "prefetch"}),
        (BROWSER_UA, {"Purpose": "prefetch"}),
    ],
    ids=["crawler", "empty user agent", "sec-purpose prefetch", "purpose prefetch"],
)
def test_non_readers_are_answered_but_not_counted(client, ad, ua, headers):
    creative, placement = ad
    assert send(client, creative, placement, ua=ua, **headers).status_code == 204
    flush_ads()
    assert impressions() == 0
    send(client, creative, placement)  # the same beacon from a reader does count
    flush_ads()
    assert impressions() == 1


def test_other_methods_are_refused_and_not_counted(client, ad):
    creative, placement = ad
    for method in (client.get, client.head, client.put):
        response = method(
            f"/ads/i/?c={creative.pk}&p={placement.pk}", headers={"User-Agent": BROWSER_UA}
        )
        assert response.status_code == 405
        assert response["Allow"] == "POST"
    flush_ads()
    assert impressions() == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},
    ],
    ids=["cross-site", "same-site", "foreign origin"],
)
def test_beacons_from_other_sites_are_forbidden(client, ad, headers):
    creative, placement = ad
    assert send(client, creative, placement, **headers).status_code == 403
    flush_ads()
    assert impressions() == 0


@pytest.mark.parametrize(
    "body",
    [
        "",
        "c=1",
        "p=1&c=1",
        "c=1&p=1&x=2",
        "c=1&p=",
        "c=-1&p=1",
        "c=a&p=1",
        "c=1234567890123456789&p=1",
        "c=1&p=1\n",
        "c=1;p=1",
    ],
)
def test_malformed_bodies_are_bad_requests(client, ad, body):
    creative, placement = ad
    response = send(client, creative, placement, body=body)
    assert response.status_code == 400
    assert response["Cache-Control"] == "no-store"


def test_an_oversized_body_is_refused(client, ad):
    creative, placement = ad
    body = f"c={creative.pk}&p={placement.pk}" + "0" * 300
    assert send(client, creative, placement, body=body).status_code == 413
    flush_ads()
    assert impressions() == 0


def test_a_wrong_placement_or_unknown_creative_is_not_found(client, ad):
    creative, placement = ad
    elsewhere = make_placement(key="elsewhere")
    assert send(client, creative, elsewhere).status_code == 404
    body = f"c={creative.pk + 1000}&p={placement.pk}"
    assert send(client, creative, placement, body=body).status_code == 404
    flush_ads()
    assert impressions() == 0


def test_an_ad_of_a_campaign_that_just_ended_still_counts(client, db):
    """A cached page can show an ad a moment after its campaign ended: it was shown."""
    placement = make_placement()
    campaign = make_campaign(
        starts_at=timezone.now() - dt.timedelta(days=3),
        ends_at=timezone.now() - dt.timedelta(minutes=1),
    )
    creative = make_creative(campaign, [placement])
    assert send(client, creative, placement).status_code == 204
    flush_ads()
    assert impressions(creative) == 1


def test_a_creative_assigned_after_the_first_beacon_is_known(client, ad):
    """The memo of creatives follows edits (they bump the content generation)."""
    creative, placement = ad
    later = make_placement(key="later")
    assert send(client, creative, later).status_code == 404
    creative.placements.add(later)
    assert send(client, creative, later).status_code == 204
