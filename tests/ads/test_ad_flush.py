"""Flushing buffered impressions and clicks: replays, per-visitor caps, deleted creatives,
pruning, the shared flusher, and the Redis buffer."""

import os
import threading
import time
import uuid

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from masthead.ads import counting
from masthead.ads.counting import (
    AdEvent,
    apply_ad_events,
    flush_ads,
    record_click,
    record_impression,
)
from masthead.ads.models import AdClaim, CreativeDailyStats, VisitorCapCount
from masthead.metrics.services import flush_all, reset_process_state
from tests.ads.conftest import BROWSER_UA, make_campaign, make_creative, make_placement

DAY = 86400
# Noon, so a run of impressions a few minutes apart stays on one day.
START = (int(time.time()) // DAY) * DAY + DAY // 2


def totals(creative=None) -> tuple[int, int]:
    rows = CreativeDailyStats.objects.all()
    if creative is not None:
        rows = rows.filter(creative=creative)
    sums = rows.aggregate(i=Sum("impressions"), c=Sum("clicks"))
    return sums["i"] or 0, sums["c"] or 0


def show(creative, placement, *, at, ip="203.0.113.7", ua=BROWSER_UA, record=record_impression):
    return record(
        creative_id=creative.pk,
        campaign_id=creative.campaign_id,
        placement_id=placement.pk,
        ip=ip,
        user_agent=ua,
        at=at,
    )


@pytest.fixture
def placement(db):
    return make_placement()


def test_replaying_a_batch_counts_nothing_more(placement):
    creative = make_creative(make_campaign(), [placement])
    events = [
        AdEvent(
            "i",
            f"{n:032x}",
            f"{n:032x}",
            creative.pk,
            creative.campaign_id,
            placement.pk,
            START + n,
        )
        for n in range(20)
    ] + [
        AdEvent("c", f"{n + 100:032x}", "", creative.pk, creative.campaign_id, placement.pk, START)
        for n in range(3)
    ]
    assert apply_ad_events(events) == 23
    assert apply_ad_events(events) == 0
    assert apply_ad_events(list(reversed(events))) == 0
    assert totals() == (20, 3)


def test_events_survive_packing():
    event = AdEvent("c", "a" * 32, "b" * 32, 12, 34, 56, 1_800_000_000)
    assert AdEvent.unpack(event.pack()) == event
    assert AdEvent.unpack(event.pack().encode()) == event
    assert event.key == 12


def test_a_visitor_cap_holds_across_creatives_while_others_still_count(placement, settings):
    settings.MASTHEAD_AD_DEDUPE_SECONDS = 60
    campaign = make_campaign(visitor_daily_cap=2)
    first = make_creative(campaign, [placement], name="First")
    second = make_creative(campaign, [placement], name="Second")
    for n in range(5):
        show(first if n % 2 == 0 else second, placement, at=START + 120 * n)
    show(second, placement, at=START, ip="198.51.100.20")
    assert flush_ads() == 3
    assert totals() == (3, 0)
    # The earliest two of the capped visitor's impressions are the ones counted.
    assert (totals(first)[0], totals(second)[0]) == (1, 2)  # second: one each visitor


def test_a_visitor_cap_holds_over_several_flushes(placement):
    campaign = make_campaign(visitor_daily_cap=2)
    creative = make_creative(campaign, [placement])
    show(creative, placement, at=START)
    assert flush_ads() == 1
    for n in range(1, 5):
        show(creative, placement, at=START + 120 * n)
    assert flush_ads() == 1
    show(creative, placement, at=START + 1200)
    assert flush_ads() == 0
    assert totals() == (2, 0)


def test_the_cap_is_per_day(placement):
    campaign = make_campaign(visitor_daily_cap=1)
    creative = make_creative(campaign, [placement])
    yesterday = START - DAY
    show(creative, placement, at=yesterday)
    show(creative, placement, at=yesterday + 120)
    show(creative, placement, at=START)
    assert flush_ads() == 2


def test_without_a_cap_every_spaced_impression_counts_and_clicks_are_never_capped(placement):
    capped = make_creative(make_campaign("Capped", visitor_daily_cap=1), [placement])
    free = make_creative(make_campaign("Free"), [placement])
    for n in range(4):
        show(free, placement, at=START + 120 * n)
        show(capped, placement, at=START + 120 * n, record=record_click)
    flush_ads()
    assert totals(free) == (4, 0)
    assert totals(capped) == (0, 4)
    assert not VisitorCapCount.objects.exists()  # no cap, no cap rows


def test_events_of_a_deleted_creative_are_dropped_and_the_rest_counted(placement):
    campaign = make_campaign()
    kept = make_creative(campaign, [placement], name="Kept")
    gone = make_creative(campaign, [placement], name="Gone")
    show(kept, placement, at=START)
    show(gone, placement, at=START)
    show(gone, placement, at=START, record=record_click)
    gone.delete()
    assert flush_ads() == 1
    assert totals() == (1, 0)
    assert counting.ad_buffer().pending_count(gone.pk) == 0


def test_old_claims_and_cap_rows_are_pruned_by_a_flush(placement, settings):
    creative = make_creative(make_campaign(visitor_daily_cap=3), [placement])
    now = int(time.time())
    retention = settings.MASTHEAD_AD_CLAIM_RETENTION_SECONDS
    AdClaim.objects.create(visitor="old".ljust(32, "0"), expires=now - retention - 10)
    AdClaim.objects.create(visitor="recent".ljust(32, "0"), expires=now - retention + 600)
    today = now // DAY
    VisitorCapCount.objects.create(visitor="two days".ljust(32, "0"), day=today - 2, impressions=1)
    VisitorCapCount.objects.create(visitor="yesterday".ljust(32, "0"), day=today - 1, impressions=1)
    show(creative, placement, at=now)
    flush_ads()
    claims = set(AdClaim.objects.values_list("visitor", flat=True))
    assert "old".ljust(32, "0") not in claims
    assert "recent".ljust(32, "0") in claims
    caps = set(VisitorCapCount.objects.values_list("visitor", flat=True))
    assert "two days".ljust(32, "0") not in caps
    assert "yesterday".ljust(32, "0") in caps
    assert len(caps) == 2  # yesterday's and today's visitor


def test_the_shared_flusher_flushes_ads_too(placement):
    creative = make_creative(make_campaign(), [placement])
    show(creative, placement, at=START)
    flush_all()
    assert totals() == (1, 0)


@pytest.fixture
def redis_ads(settings):
    """The Redis variant on a prefix of its own; fails under CI if Redis is unreachable."""
    import redis

    url = os.environ.get("MASTHEAD_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {url} is unreachable under CI: {error}")
        pytest.skip(f"Redis at {url} is unreachable")
    settings.MASTHEAD_VIEW_BUFFER = url
    settings.MASTHEAD_AD_REDIS_PREFIX = f"masthead-test:{uuid.uuid4().hex}"
    reset_process_state()
    yield counting.ad_buffer()
    counting.ad_buffer().reset()
    reset_process_state()


def test_the_redis_buffer_carries_impressions_and_clicks(redis_ads, placement, settings):
    from masthead.metrics.buffer import RedisBuffer

    assert isinstance(redis_ads, RedisBuffer)
    assert redis_ads.prefix == settings.MASTHEAD_AD_REDIS_PREFIX
    creative = make_creative(make_campaign(visitor_daily_cap=1), [placement])
    show(creative, placement, at=START)
    show(creative, placement, at=START + 120)  # over the visitor's cap
    show(creative, placement, at=START, record=record_click)
    assert redis_ads.pending_count(creative.pk) == 3
    assert flush_ads() == 2
    assert redis_ads.pending_count(creative.pk) == 0
    assert totals() == (1, 1)


@pytest.mark.django_db(transaction=True)
def test_concurrent_flushes_never_count_past_the_cap(placement):
    """Two flushes holding impressions of one capped visitor, the second running while the
    first has not committed: the cap row's atomic increment keeps them within the cap."""
    if connection.vendor != "postgresql":
        pytest.skip("needs row-level locking: run with DATABASE_URL=postgres://...")
    creative = make_creative(make_campaign(visitor_daily_cap=2), [placement])

    def batch(offset: int) -> list[AdEvent]:
        return [
            AdEvent(
                "i",
                f"{offset + n:032x}",
                "c" * 32,
                creative.pk,
                creative.campaign_id,
                placement.pk,
                START + n,
            )
            for n in range(3)
        ]

    counted: dict[str, int] = {}

    def second_flush() -> None:
        try:
            counted["second"] = apply_ad_events(batch(10))
        finally:
            connection.close()

    thread = threading.Thread(target=second_flush)
    with transaction.atomic():
        counted["first"] = apply_ad_events(batch(0))
        thread.start()
        # Commit only once the second flush is waiting for the cap row this one holds.
        with connection.cursor() as cursor:
            for _ in range(200):
                # Activity is read once per transaction unless the snapshot is dropped.
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.05)
            else:
                pytest.fail("the second flush never waited for the first")
    thread.join()
    assert counted == {"first": 2, "second": 0}
    assert totals() == (2, 0)
