"""Flushing while beacons keep arriving: every qualifying view is stored exactly once."""

import threading

import pytest
from django.test import Client

from masthead.metrics.models import ArticleHourlyViews, ArticleViewTotal
from masthead.metrics.services import flush_views, reset_process_state, view_buffer
from tests.metrics.conftest import beacon
from tests.newsroom.factories import make_article

SENDERS = 8
BEACONS_PER_SENDER = 60


def _reader(n: int, i: int, articles) -> tuple[str, int]:
    """Sender n's i-th beacon: ten readers each reading articles in turn; with five
    articles, the sixth round repeats the first, so some beacons are repeats."""
    return f"10.{n}.0.{i % 10}", articles[(i // 10) % len(articles)].pk


def _send_and_flush_concurrently(articles) -> int:
    """SENDERS threads send beacons (some of them repeats) while a thread flushes."""
    warm = Client()
    beacon(warm, articles[0].pk, ip="10.255.0.1")  # loads today's salt and the live ids
    expected = {("10.255.0.1", articles[0].pk)}
    done = threading.Event()
    errors: list[BaseException] = []

    def sender(n: int) -> None:
        client = Client()
        try:
            for i in range(BEACONS_PER_SENDER):
                ip, article_id = _reader(n, i, articles)
                response = beacon(client, article_id, ip=ip)
                assert response.status_code == 204
        except BaseException as error:  # surfaced in the main thread
            errors.append(error)

    for n in range(SENDERS):
        for i in range(BEACONS_PER_SENDER):
            expected.add(_reader(n, i, articles))

    def flusher() -> None:
        try:
            while not done.is_set():
                flush_views()
        except BaseException as error:
            errors.append(error)

    flush_thread = threading.Thread(target=flusher)
    flush_thread.start()
    senders = [threading.Thread(target=sender, args=(n,)) for n in range(SENDERS)]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join()
    done.set()
    flush_thread.join()
    flush_views()
    assert not errors, errors
    return len(expected)


def _stored() -> tuple[int, int]:
    hourly = sum(ArticleHourlyViews.objects.values_list("views", flat=True))
    totals = sum(ArticleViewTotal.objects.values_list("views", flat=True))
    return hourly, totals


@pytest.mark.django_db(transaction=True)
def test_in_process_buffer_flushed_during_beacons_loses_and_doubles_nothing():
    articles = [make_article(title=f"Story {n}") for n in range(5)]
    expected = _send_and_flush_concurrently(articles)
    assert expected < 1 + SENDERS * BEACONS_PER_SENDER  # the repeats really were repeats
    assert _stored() == (expected, expected)
    assert view_buffer().pending_count(articles[0].pk) == 0


@pytest.mark.django_db(transaction=True)
def test_flushing_the_same_views_twice_counts_them_once():
    """A batch replayed after a crash between writing and forgetting it adds nothing."""
    from masthead.metrics.buffer import ViewEvent
    from masthead.metrics.services import apply_views

    article = make_article()
    events = [ViewEvent(f"{n:032x}", article.pk, 1_800_000_000 + n, "") for n in range(20)]
    assert apply_views(events) == 20
    assert apply_views(events) == 0
    assert apply_views(list(reversed(events))) == 0
    assert _stored() == (20, 20)


@pytest.fixture
def redis_buffer(settings):
    """The Redis variant on a prefix of its own; fails under CI if Redis is unreachable."""
    import os
    import uuid

    import redis

    url = os.environ.get("MASTHEAD_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {url} is unreachable under CI: {error}")
        pytest.skip(f"Redis at {url} is unreachable")
    settings.MASTHEAD_VIEW_BUFFER = url
    settings.MASTHEAD_VIEW_REDIS_PREFIX = f"masthead-test:{uuid.uuid4().hex}"
    reset_process_state()
    yield view_buffer()
    reset_process_state()


@pytest.mark.scale
@pytest.mark.django_db(transaction=True)
def test_redis_buffer_flushed_by_several_threads_during_beacons(redis_buffer):
    from masthead.metrics.buffer import RedisBuffer

    assert isinstance(redis_buffer, RedisBuffer)
    articles = [make_article(title=f"Story {n}") for n in range(5)]
    expected = _send_and_flush_concurrently(articles)
    assert _stored() == (expected, expected)


@pytest.mark.scale
@pytest.mark.django_db(transaction=True)
def test_redis_flush_left_half_done_is_recovered_once(redis_buffer):
    """A flush that died after taking the views leaves its key; a later flush applies it."""
    from masthead.metrics.buffer import RedisBuffer, ViewEvent

    article = make_article()
    for n in range(5):
        redis_buffer.add(ViewEvent(f"{n:032x}", article.pk, 1_800_000_000 + n, ""))
    # Take the views as a flush does, then "crash" before applying them.
    stale = f"{redis_buffer.prefix}:flushing:{1_000}:dead"
    assert redis_buffer.take(stale)
    assert redis_buffer.pending_count(article.pk) == 0
    assert isinstance(redis_buffer, RedisBuffer)
    assert flush_views() == 5
    assert flush_views() == 0
    assert _stored() == (5, 5)


@pytest.mark.django_db
def test_flush_views_command():
    from io import StringIO

    from django.core.management import call_command
    from django.test import Client

    article = make_article()
    beacon(Client(), article.pk)
    out = StringIO()
    call_command("flush_views", stdout=out)
    assert out.getvalue().strip() == "1 view counted"
    assert _stored() == (1, 1)
