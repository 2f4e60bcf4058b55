"""A Redis buffer that keeps events in this process's memory while Redis is down.

A beacon answered 204 must be counted.  When the shared Redis list cannot take an
event (Redis stopped, unreachable, timing out), the event goes to an
InProcessBuffer instead, which this process's flusher thread writes straight to the
database like on one machine.  Counting stays exact: whichever buffer a view passes
through, the flush counts it only if its visitor can take the claim in the database,
so a view that reached Redis *and* memory (a timeout after Redis took it) counts once.

What is lost: events in this process's memory when the process is killed (not
stopped: a graceful exit flushes), and events that were in Redis when a Redis without
persistence restarted - the same as without the fallback.
"""

from __future__ import annotations

import logging

from masthead.core.cache import CacheUnavailable, breaker_for

from .buffer import Apply, BufferedEvent, InProcessBuffer, RedisBuffer, ViewBuffer

logger = logging.getLogger(__name__)


class FallbackBuffer(ViewBuffer):
    def __init__(self, primary: RedisBuffer, *, pause: float = 1.0) -> None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self.primary = primary
        # redis-py's client retries a failed connection three times with backoff by
        # default; here a failure has somewhere else to go at once.
        primary._redis.set_retry(Retry(NoBackoff(), 0))
        self.fallback = InProcessBuffer()
        self._errors = (redis.RedisError, OSError)
        # A shared breaker per prefix: after a failure, events skip Redis for `pause`
        # seconds instead of each paying a connect attempt.
        self.breaker = breaker_for(f"event buffer {primary.prefix}", pause=pause)

    def add(self, event: BufferedEvent) -> None:
        try:
            self.breaker.check(self._probe)
            self.primary.add(event)
        except CacheUnavailable:
            self.fallback.add(event)
        except self._errors as error:
            self.breaker.failed(error)
            self.fallback.add(event)

    def _probe(self) -> None:
        self.primary._redis.ping()

    def pending_count(self, key: int) -> int:
        local = self.fallback.pending_count(key)
        if self.breaker.down:
            return local
        return self.primary.pending_count(key) + local

    def flush(self, apply: Apply) -> int:
        # Memory first: it holds only what Redis could not take, and needs no Redis.
        handed = self.fallback.flush(apply)
        try:
            self.breaker.check(self._probe)
            handed += self.primary.flush(apply)
        except CacheUnavailable:
            pass
        except self._errors as error:
            # What was taken stays under its flush key and is picked up once stale.
            self.breaker.failed(error)
        return handed

    def reset(self) -> None:
        self.fallback.reset()
        try:
            self.primary.reset()
        except self._errors as error:
            self.breaker.failed(error)
