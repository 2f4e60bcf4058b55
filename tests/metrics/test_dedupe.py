"""One visitor counts once per article per 30 minutes; the salt behind that changes daily."""

import datetime as dt

import pytest
import time_machine

from masthead.metrics.models import ArticleViewTotal, DailySalt, ViewClaim
from masthead.metrics.services import flush_views, reset_process_state, salt_for, visitor_hash
from tests.metrics.conftest import beacon
from tests.newsroom.factories import make_article

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def total(article) -> int:
    row = ArticleViewTotal.objects.filter(article=article).first()
    return row.views if row else 0


def test_a_repeat_within_thirty_minutes_is_not_counted(client):
    article = make_article()
    with time_machine.travel(START, tick=False) as clock:
        beacon(client, article.pk)
        clock.shift(dt.timedelta(minutes=29, seconds=59))
        beacon(client, article.pk)
        flush_views()
        assert total(article) == 1
        clock.shift(dt.timedelta(seconds=1))  # 30 minutes after the counted view
        beacon(client, article.pk)
        flush_views()
        assert total(article) == 2


def test_the_window_holds_across_processes(client):
    """Another process (no memory of the visitor) buffers the repeat; the database claim
    taken at flush time still refuses it."""
    article = make_article()
    with time_machine.travel(START, tick=False) as clock:
        beacon(client, article.pk)
        flush_views()
        reset_process_state()  # as if the next beacon reached another worker
        clock.shift(dt.timedelta(minutes=10))
        assert beacon(client, article.pk).status_code == 204
        assert flush_views() == 0
        assert total(article) == 1
        reset_process_state()
        clock.shift(dt.timedelta(minutes=25))
        beacon(client, article.pk)
        assert flush_views() == 1
        assert total(article) == 2


def test_visitors_and_articles_are_told_apart(client):
    first, second = make_article(), make_article()
    with time_machine.travel(START, tick=False):
        beacon(client, first.pk, ip="192.0.2.1")
        beacon(client, first.pk, ip="192.0.2.2")
        beacon(client, first.pk, ip="192.0.2.1", ua="Mozilla/5.0 (iPhone) Safari/604.1")
        beacon(client, second.pk, ip="192.0.2.1")
        flush_views()
    assert total(first) == 3
    assert total(second) == 1


def test_the_salt_rotates_daily_and_old_salts_are_destroyed(client):
    article = make_article()
    with time_machine.travel(START, tick=False) as clock:
        beacon(client, article.pk)
        monday = DailySalt.objects.get()
        assert monday.day == START.date()
        monday_hash = visitor_hash(
            salt=monday.salt, ip="203.0.113.7", user_agent="ua", article_id=article.pk
        )
        clock.shift(dt.timedelta(days=1))
        beacon(client, article.pk)
        tuesday = DailySalt.objects.get()  # Monday's row is gone
        assert tuesday.day == START.date() + dt.timedelta(days=1)
        assert tuesday.salt != monday.salt
        assert salt_for(tuesday.day) == tuesday.salt
        tuesday_hash = visitor_hash(
            salt=tuesday.salt, ip="203.0.113.7", user_agent="ua", article_id=article.pk
        )
        assert tuesday_hash != monday_hash
        flush_views()
    # A day apart the same reader is a new visitor (and counted, being outside the window).
    assert total(article) == 2


def test_claims_store_no_address_and_expire(client):
    article = make_article()
    with time_machine.travel(START, tick=False) as clock:
        beacon(client, article.pk, ip="203.0.113.99")
        flush_views()
        claim = ViewClaim.objects.get()
        assert "203.0.113.99" not in claim.visitor
        assert len(claim.visitor) == 32
        clock.shift(dt.timedelta(hours=7))
        beacon(client, article.pk, ip="192.0.2.50")
        flush_views()
        # The first claim expired more than the retention period ago and was removed.
        assert ViewClaim.objects.count() == 1
        assert ViewClaim.objects.get().visitor != claim.visitor


def test_process_memory_of_visitors_is_bounded():
    """Past LocalClaims.MAX_VISITORS a process starts its memory over; repeats it no longer
    remembers are refused by the database claim instead (test_the_window_holds_across_processes)."""
    from masthead.metrics.buffer import LocalClaims

    claims = LocalClaims()
    claims.MAX_VISITORS = 3
    assert all(claims.take(f"v{n}", now=100, window=1800) for n in range(3))
    assert not claims.take("v0", now=100, window=1800)
    assert claims.take("v3", now=100, window=1800)  # the memory was full: it started over
    assert claims.take("v0", now=100, window=1800)  # so v0 is no longer remembered here
    assert len(claims._until) == 2
