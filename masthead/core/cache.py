"""The cache backends: diskcache on one machine, Redis (surviving its outages) at scale."""

from __future__ import annotations

import logging
import threading
import time

from diskcache import DjangoCache
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)


class PersistentDiskCache(DjangoCache):
    """diskcache's Django backend, keeping its SQLite connections between requests.

    Django closes every cache at the end of each request; for diskcache that
    drops the per-thread SQLite connections, and reopening one replays a dozen
    PRAGMAs per shard, which cost more than the cache lookups they serve.
    Connections are per thread and safe to keep.
    """

    def close(self, **kwargs):
        pass


class CacheUnavailable(Exception):
    """The cache could not be asked (it is down, or was a moment ago)."""


class CircuitBreaker:
    """After a failure, callers skip the service for `pause` seconds instead of each
    paying a connect attempt; then one caller probes it, and the others keep skipping
    until the probe and the recovery steps have run.

    Recovery steps (on_recovery) run before any caller uses the service again: the
    page cache renews its generation there, so no read after an outage can return a
    page stored before it.

    One per service per process, shared by every thread (Django gives each thread
    its own cache object, so the state cannot live on the backend instance).
    Warnings are logged at most once per `log_every` seconds, so an outage under
    load writes a few lines, not one per request.
    """

    def __init__(self, name: str, *, pause: float = 1.0, log_every: float = 30.0):
        self.name = name
        self.pause = pause
        self.log_every = log_every
        self._lock = threading.Lock()
        self._recovering = threading.Lock()
        self._local = threading.local()
        self._open_until = 0.0
        self._logged_at = float("-inf")
        self._down_since: float | None = None
        self._recovery_hooks: list = []

    @property
    def down(self) -> bool:
        """Whether the service is taken to be down (the last attempt failed)."""
        return self._down_since is not None

    def allows_probe(self) -> bool:
        """Whether the pause after the last failure is over."""
        return time.monotonic() >= self._open_until

    def check(self, probe, *, wait_out_pause: bool = True) -> None:
        """Return if the service may be used now; raise CacheUnavailable if not.

        Costs one attribute read while the service is up.  While it is down, the
        first caller after the pause runs `probe` and the recovery steps."""
        if self._down_since is None or getattr(self._local, "recovering", False):
            return
        if wait_out_pause and time.monotonic() < self._open_until:
            raise CacheUnavailable("skipped: the cache failed a moment ago")
        if not self._recovering.acquire(blocking=False):
            raise CacheUnavailable("skipped: another thread is probing the cache")
        try:
            if self._down_since is None:
                return
            self._open_until = time.monotonic() + self.pause  # the others keep skipping
            self._local.recovering = True
            try:
                probe()
                for hook in list(self._recovery_hooks):
                    hook()
            except Exception as error:
                self.failed(error)
                raise CacheUnavailable(str(error)) from error
            finally:
                self._local.recovering = False
            self._recovered()
        finally:
            self._recovering.release()

    def failed(self, error: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            self._open_until = now + self.pause
            if self._down_since is None:
                self._down_since = now
            log = now - self._logged_at >= self.log_every
            if log:
                self._logged_at = now
        if log:
            logger.warning(
                "%s unavailable (%s: %s); carrying on without it, retrying every %g s",
                self.name,
                type(error).__name__,
                error,
                self.pause,
            )

    def _recovered(self) -> None:
        with self._lock:
            outage = time.monotonic() - (self._down_since or time.monotonic())
            self._down_since = None
            self._open_until = 0.0
            self._logged_at = float("-inf")
        logger.warning("%s available again after %.1f s", self.name, outage)

    def on_recovery(self, hook) -> None:
        """Run `hook` (no arguments) when the service is back, before anyone uses it.

        A hook that raises keeps the service marked down, to be retried after the
        pause: recovery steps must be safe to repeat."""
        if hook in self._recovery_hooks:
            return
        with self._lock:
            if hook not in self._recovery_hooks:
                self._recovery_hooks.append(hook)


_breakers: dict[str, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(name: str, *, pause: float = 1.0) -> CircuitBreaker:
    with _breakers_lock:
        if name not in _breakers:
            _breakers[name] = CircuitBreaker(name, pause=pause)
        return _breakers[name]


# Keys whose write failed during an outage, per location: Redis may still hold an
# older value for them (it was partitioned, not restarted), which must not be read
# once it is back - a session logged out or changed during the outage, a count.
# Deleted on recovery; bounded, since an outage under load fails many writes.
_STALE_LIMIT = 10_000


class ResilientRedisCache(RedisCache):
    """Django's RedisCache, for which a Redis that is down is a cache that misses.

    On a connection error or timeout (or while the circuit breaker is open after
    one), the operations answer as an empty cache would, per Django's contract:

    - get → default; get_many → {}; has_key → False;
    - add → False (nothing was added: callers using add() as a lock or a
      once-per-period gate skip their work, the safe side for each of them);
    - set, set_many (→ every key as failed), delete → False, delete_many, touch → False:
      the write is lost, and the key is deleted once Redis is back, so a value
      from before the outage is never read after it;
    - incr/decr → ValueError, as for a missing key (django-ratelimit reads that as
      "could not count" and applies RATELIMIT_FAIL_OPEN; newsletters' send rate
      starts a fresh count);
    - clear → False.

    OPTIONS (besides Django's): SOCKET_TIMEOUT / CONNECT_TIMEOUT in seconds, so a
    Redis that stops answering costs that much, not redis-py's default 5 s;
    RETRY_AFTER: seconds the breaker skips Redis after a failure.
    """

    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS", {}))
        socket_timeout = float(options.pop("SOCKET_TIMEOUT", 0.25))
        connect_timeout = float(options.pop("CONNECT_TIMEOUT", 0.25))
        pause = float(options.pop("RETRY_AFTER", 1.0))
        options.setdefault("socket_timeout", socket_timeout)
        options.setdefault("socket_connect_timeout", connect_timeout)
        params["OPTIONS"] = options
        super().__init__(server, params)
        import redis

        self._errors = (redis.ConnectionError, redis.TimeoutError, OSError)
        name = ",".join(self._servers)
        self.breaker = breaker_for(f"cache {_redacted(name)}", pause=pause)
        self._stale = _StaleKeys.for_location(name)
        self._stale.use(self._cache)
        self.breaker.on_recovery(self._stale.delete_all)

    # --- the guard -------------------------------------------------------------------

    def _call(self, operation, *args):
        """Run one RedisCacheClient operation; CacheUnavailable when Redis is down."""
        self.breaker.check(self._probe)
        try:
            return operation(*args)
        except self._errors as error:
            self.breaker.failed(error)
            raise CacheUnavailable(str(error)) from error

    def _probe(self) -> None:
        self._cache.get_client(None, write=True).ping()

    @property
    def available(self) -> bool:
        return not self.breaker.down

    def strict_get(self, key, default=None, version=None):
        """get(), but CacheUnavailable rather than `default` when Redis is down: for
        callers that must tell "missing" from "unknown" (the page cache's generation)."""
        key = self.make_and_validate_key(key, version=version)
        return self._call(self._cache.get, key, default)

    def strict_get_int(self, key, version=None):
        """An integer kept by incr()/add(), read with one GET on a client made once.

        The page cache reads its generation on every hit; Django's get() builds a
        Redis client object per call and costs three times the round trip.  Integers
        are stored unpickled by Django's Redis serializer, so the raw value parses."""
        key = self.make_and_validate_key(key, version=version)
        self.breaker.check(self._probe)
        reader = self.__dict__.get("_int_reader")
        if reader is None:
            pool = self._cache._get_connection_pool(write=False)
            reader = self._int_reader = self._cache._lib.Redis(connection_pool=pool)
        try:
            raw = reader.get(key)
        except self._errors as error:
            self.breaker.failed(error)
            raise CacheUnavailable(str(error)) from error
        return None if raw is None else int(raw)

    def strict_incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._call(self._cache.incr, key, delta)

    def strict_add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._call(self._cache.add, key, value, self.get_backend_timeout(timeout))

    def ping(self) -> None:
        """Raise CacheUnavailable unless Redis answers now (readiness checks); does not
        wait out the breaker's pause, so a check always reports the present state."""
        if self.breaker.down:
            self.breaker.check(self._probe, wait_out_pause=False)
            if self.breaker.down:  # another thread is probing it right now
                raise CacheUnavailable("the cache is being probed after an outage")
            return
        try:
            self._probe()
        except self._errors as error:
            self.breaker.failed(error)
            raise CacheUnavailable(str(error)) from error

    # --- Django's API ------------------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return self.strict_add(key, value, timeout, version)
        except CacheUnavailable:
            return False

    def get(self, key, default=None, version=None):
        try:
            return self.strict_get(key, default, version)
        except CacheUnavailable:
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        try:
            self._call(self._cache.set, key, value, self.get_backend_timeout(timeout))
        except CacheUnavailable:
            self._stale.add([key])
            return False
        return True

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        try:
            return self._call(self._cache.touch, key, self.get_backend_timeout(timeout))
        except CacheUnavailable:
            return False

    def delete(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        try:
            return self._call(self._cache.delete, key)
        except CacheUnavailable:
            self._stale.add([key])
            return False

    def get_many(self, keys, version=None):
        key_map = {self.make_and_validate_key(key, version=version): key for key in keys}
        if not key_map:
            return {}
        try:
            found = self._call(self._cache.get_many, list(key_map))
        except CacheUnavailable:
            return {}
        return {key_map[k]: v for k, v in found.items()}

    def has_key(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        try:
            return self._call(self._cache.has_key, key)
        except CacheUnavailable:
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return self.strict_incr(key, delta, version)
        except CacheUnavailable as error:
            # Not marked stale: a counter that missed increments is low already, and
            # deleting it on recovery would lower it further (rate limits reopen).
            raise ValueError(f"Key '{key}' not found (the cache is unavailable).") from error

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        if not data:
            return []
        safe = {self.make_and_validate_key(k, version=version): v for k, v in data.items()}
        try:
            self._call(self._cache.set_many, safe, self.get_backend_timeout(timeout))
        except CacheUnavailable:
            self._stale.add(list(safe))
            return list(data)
        return []

    def delete_many(self, keys, version=None):
        safe = [self.make_and_validate_key(key, version=version) for key in keys]
        if not safe:
            return
        try:
            self._call(self._cache.delete_many, safe)
        except CacheUnavailable:
            self._stale.add(safe)

    def clear(self):
        try:
            return self._call(self._cache.clear)
        except CacheUnavailable:
            return False


class _StaleKeys:
    """Keys (already prefixed and versioned) to delete when a location's Redis is back."""

    _by_location: dict[str, _StaleKeys] = {}
    _registry_lock = threading.Lock()

    def __init__(self, location: str):
        self.location = location
        self._lock = threading.Lock()
        self._keys: set[str] = set()
        self._overflowed = False
        self._client = None

    @classmethod
    def for_location(cls, location: str) -> _StaleKeys:
        with cls._registry_lock:
            if location not in cls._by_location:
                cls._by_location[location] = cls(location)
            return cls._by_location[location]

    def use(self, client) -> None:
        """The RedisCacheClient to delete with (any thread's: they share the location)."""
        if self._client is None:
            self._client = client

    def add(self, keys: list[str]) -> None:
        with self._lock:
            if len(self._keys) + len(keys) > _STALE_LIMIT:
                self._overflowed = True
                return
            self._keys.update(keys)

    def __len__(self) -> int:
        return len(self._keys)

    def delete_all(self) -> None:
        with self._lock:
            keys, self._keys = sorted(self._keys), set()
            overflowed, self._overflowed = self._overflowed, False
        if overflowed:
            logger.warning(
                "more than %d cache writes failed during the outage; values written "
                "before it may be read until they expire",
                _STALE_LIMIT,
            )
        try:
            for start in range(0, len(keys), 500):
                self._client.delete_many(keys[start : start + 500])
        except Exception:
            self.add(keys)  # Redis went again: the next recovery deletes them
            raise


def _redacted(location: str) -> str:
    """The location without a password, for logs."""
    if "@" not in location:
        return location
    scheme, _, rest = location.partition("://")
    return f"{scheme}://***@{rest.rpartition('@')[2]}"
