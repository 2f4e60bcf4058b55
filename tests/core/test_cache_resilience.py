"""ResilientRedisCache: a Redis that is down is a cache that misses, cheaply, and what
was written during the outage is not read from before it once Redis is back."""

import pytest
import redis
from django.core.cache import caches

from masthead.core import memo
from masthead.core.cache import CacheUnavailable, ResilientRedisCache
from masthead.core.pagecache.generation import GENERATION_KEY, CacheGeneration, is_known
from tests.scale.harness import RedisServer, free_port, require_services, wait_until


class CountingConnection(redis.Connection):
    """Counts the sockets the client tries to open (the cost a breaker saves)."""

    attempts = 0

    def _connect(self):
        type(self).attempts += 1
        return super()._connect()


def closed_port_cache(*, retry_after: float = 60.0) -> ResilientRedisCache:
    CountingConnection.attempts = 0
    # A new port each time: breakers are per location and per process.
    return ResilientRedisCache(
        f"redis://127.0.0.1:{free_port()}/0",
        {"OPTIONS": {"connection_class": CountingConnection, "RETRY_AFTER": retry_after}},
    )


def test_a_closed_port_answers_as_an_empty_cache():
    cache = closed_port_cache()
    assert cache.get("k") is None
    assert cache.get("k", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("k") is False
    assert cache.add("k", 1) is False  # nothing was added: locks and gates skip their work
    assert cache.set("k", 1) is False
    assert cache.touch("k") is False
    assert cache.delete("k") is False
    assert cache.delete_many(["a", "b"]) is None
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]  # Django's "keys that failed"
    with pytest.raises(ValueError):  # as for a missing key (django-ratelimit expects it)
        cache.incr("k")
    with pytest.raises(ValueError):
        cache.decr("k")
    assert cache.get_or_set("k", 5) == 5
    assert cache.clear() is False
    with pytest.raises(CacheUnavailable):
        cache.strict_get("k")
    with pytest.raises(CacheUnavailable):
        cache.ping()
    assert cache.available is False


def test_the_breaker_skips_connecting_after_a_failure():
    cache = closed_port_cache(retry_after=60)
    assert cache.get("k") is None
    assert CountingConnection.attempts == 1
    for i in range(50):
        cache.get(f"k{i}")
        cache.set(f"k{i}", i)
        cache.add(f"k{i}", i)
        cache.get_many([f"k{i}"])
    assert CountingConnection.attempts == 1
    # Other threads' cache objects (Django makes one per thread) share the breaker.
    other = ResilientRedisCache(cache._servers[0], {"OPTIONS": {"RETRY_AFTER": 60}})
    assert other.get("k") is None
    assert other.breaker is cache.breaker
    # A readiness check asks Redis itself, whatever the breaker says.
    with pytest.raises(CacheUnavailable):
        cache.ping()
    assert CountingConnection.attempts == 2


def test_the_breaker_tries_again_after_its_pause():
    cache = closed_port_cache(retry_after=0.05)
    cache.get("k")
    assert CountingConnection.attempts == 1
    wait_until(lambda: cache.breaker.allows_probe(), what="the breaker's pause", timeout=5)
    cache.get("k")
    assert CountingConnection.attempts == 2


@pytest.fixture
def redis_server():
    require_services()
    server = RedisServer()
    server.start()
    yield server
    server.cleanup()


def pause_redis(server: RedisServer, ms: int) -> None:
    """Make Redis stop answering for `ms` while keeping its data: unreachable, not restarted."""
    redis.Redis(port=server.port).client_pause(ms, all=True)


def test_writes_that_failed_during_an_outage_are_not_read_from_before_it(redis_server):
    cache = ResilientRedisCache(redis_server.url, {"OPTIONS": {"RETRY_AFTER": 0.05}})
    cache.set("session", "signed in")
    cache.set("other", "kept")
    assert cache.get("session") == "signed in"

    pause_redis(redis_server, 800)
    cache.delete("session")  # a sign-out during the outage
    assert cache.available is False

    wait_until(lambda: cache.get("other") == "kept", what="Redis to answer again", timeout=10)
    assert cache.available is True
    assert cache.get("session") is None  # not "signed in" from before the outage
    assert cache.get("other") == "kept"


@pytest.fixture
def redis_cache_settings(settings, redis_server):
    settings.CACHES = {
        **settings.CACHES,
        "resilient": {
            "BACKEND": "masthead.core.cache.ResilientRedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"RETRY_AFTER": 0.05},
        },
    }
    yield caches["resilient"]
    caches["resilient"].close()


def known_generation(generation: CacheGeneration):
    value = generation.current()
    return value if is_known(value) else None


def test_generation_is_unknown_during_an_outage_and_new_after_it(
    redis_server, redis_cache_settings
):
    cache = redis_cache_settings
    generation = CacheGeneration("resilient")
    before = generation.current()
    assert is_known(before)
    assert generation.current() == before

    pause_redis(redis_server, 800)
    during = generation.current()
    assert not is_known(during)
    assert during != during  # matches nothing, itself included
    assert str(during) != str(during)  # a fragment key built from it never repeats
    with pytest.raises(CacheUnavailable):
        generation.bump()  # an edit's bump is lost ...

    after = wait_until(
        lambda: known_generation(generation), what="the generation to be known again", timeout=10
    )
    # ... but the process that saw the outage renewed the generation (Redis kept the old one).
    assert after != before
    assert cache.get(GENERATION_KEY) == after


def test_generation_starts_from_the_clock_when_redis_lost_it(redis_server, redis_cache_settings):
    generation = CacheGeneration("resilient")
    before = generation.current()
    redis_server.stop()  # no persistence: Redis comes back empty
    assert not is_known(generation.current())
    redis_server.start()
    after = wait_until(
        lambda: known_generation(generation), what="the generation to be known again", timeout=10
    )
    assert after > before


def test_memos_are_computed_every_time_while_the_generation_is_unknown(
    settings, redis_server, redis_cache_settings
):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    settings.PAGE_CACHE_ALIAS = "resilient"
    settings.PAGE_CACHE_GENERATION_STORE = "cache"
    memo.clear()
    assert memo.per_generation("key", compute) == 1
    assert memo.per_generation("key", compute) == 1  # memoised

    pause_redis(redis_server, 800)
    assert memo.per_generation("key", compute) == 2
    assert memo.per_generation("key", compute) == 3  # computed again: nothing memoised

    wait_until(lambda: redis_cache_settings.ping() is None, what="Redis again", timeout=10)
    fresh = memo.per_generation("key", compute)
    assert fresh == 4  # not the value memoised before the outage
    assert memo.per_generation("key", compute) == 4


def test_integers_are_read_raw_and_an_outage_raises(redis_server):
    """The generation's fast read (one GET on a kept client) agrees with Django's get
    for what incr and add stored, says None when missing, and raises rather than
    missing while Redis is down."""
    cache = ResilientRedisCache(redis_server.url, {"OPTIONS": {"RETRY_AFTER": 60}})
    assert cache.strict_get_int("counter") is None
    cache.add("counter", 1_795_745_753_262_565, timeout=None)
    cache.incr("counter")
    assert cache.strict_get_int("counter") == cache.get("counter") == 1_795_745_753_262_566
    redis_server.stop()
    with pytest.raises(CacheUnavailable):
        cache.strict_get_int("counter")
