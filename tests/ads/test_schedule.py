"""The schedule watcher: cached pages gain and lose slots as campaigns start, end and
reach their daily caps, with nobody saving anything."""

import datetime as dt
import re

import time_machine
from django.utils import timezone

from masthead.ads.models import CreativeDailyStats, Placement
from masthead.ads.schedule import watch_schedule
from masthead.ads.serving import unix_day
from masthead.core.pagecache import current_generation
from tests.ads.conftest import make_campaign, make_creative, make_placement


def _slots(client, article) -> list[str]:
    return re.findall(r'data-ad-slot="(\d+)"', client.get(article.url).content.decode())


def _watch(capture) -> bool:
    # The bump happens on commit, as it does in the worker (which runs outside a transaction).
    with capture(execute=True):
        return watch_schedule()


def test_a_campaign_starting_later_appears_after_the_watcher_runs(
    client, article, ads_settings, django_capture_on_commit_callbacks
):
    now = timezone.now()
    placement = make_placement(Placement.Kind.SIDEBAR)
    make_creative(make_campaign(starts_at=now + dt.timedelta(hours=1)), [placement])
    _watch(django_capture_on_commit_callbacks)
    assert _slots(client, article) == []
    with time_machine.travel(now + dt.timedelta(hours=1, minutes=1), tick=False):
        # Time alone changes nothing: the placements are memoised per generation.
        assert _slots(client, article) == []
        assert _watch(django_capture_on_commit_callbacks) is True
        assert _slots(client, article) == [str(placement.pk)]
        slots = client.get(f"/ads/slots.json?p={placement.pk}&s=").json()["slots"]
        assert len(slots[str(placement.pk)]) == 1


def test_an_ending_campaign_disappears(
    client, article, ads_settings, django_capture_on_commit_callbacks
):
    now = timezone.now()
    placement = make_placement(Placement.Kind.FOOTER, size="728x90")
    make_creative(make_campaign(ends_at=now + dt.timedelta(minutes=30)), [placement])
    _watch(django_capture_on_commit_callbacks)
    assert _slots(client, article) == [str(placement.pk)]
    with time_machine.travel(now + dt.timedelta(minutes=31), tick=False):
        assert _slots(client, article) == [str(placement.pk)]
        assert _watch(django_capture_on_commit_callbacks) is True
        assert _slots(client, article) == []


def test_a_campaign_at_its_daily_cap_leaves_the_cached_pages(
    client, article, ads_settings, django_capture_on_commit_callbacks
):
    placement = make_placement(Placement.Kind.HEADER, size="728x90")
    creative = make_creative(make_campaign(daily_impression_cap=50), [placement])
    assert _watch(django_capture_on_commit_callbacks) is True  # first run: no signature yet
    assert _slots(client, article) == [str(placement.pk)]
    stats = CreativeDailyStats.objects.create(
        creative=creative, day=unix_day(timezone.now()), impressions=49
    )
    assert _watch(django_capture_on_commit_callbacks) is False
    stats.impressions = 50
    stats.save()
    assert _watch(django_capture_on_commit_callbacks) is True
    # The cached slot list is gone with the generation too.
    slots = client.get(f"/ads/slots.json?p={placement.pk}&s=").json()["slots"]
    assert slots[str(placement.pk)] == []


def test_nothing_changed_means_no_bump(ads_settings, django_capture_on_commit_callbacks):
    make_creative(make_campaign(), [make_placement()])
    _watch(django_capture_on_commit_callbacks)
    before = current_generation()
    assert _watch(django_capture_on_commit_callbacks) is False
    assert _watch(django_capture_on_commit_callbacks) is False
    assert current_generation() == before


def test_the_watcher_is_a_couple_of_queries(
    ads_settings, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    for n in range(5):
        make_creative(make_campaign(f"C{n}", daily_impression_cap=10), [make_placement()])
    _watch(django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(2):
        watch_schedule()
