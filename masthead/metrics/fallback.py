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

from .buffer import Apply, BufferedEvent, InProcessBuffer, RedisBuffer, ViewEvent

logger = logging.getLogger(__name__)


class FallbackRedisBuffer(RedisBuffer):
    """RedisBuffer, with this process's memory taking what Redis cannot."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "masthead:views",
        event_type=ViewEvent,
        pause: float = 1.0,
    ) -> None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        super().__init__(url, prefix=prefix, event_type=event_type)
        # redis-py's client retries a failed connection with backoff by default; here
        # a failure has somewhere else to go at once.
        self._redis.set_retry(Retry(NoBackoff(), 0))
        self._errors = (redis.RedisError, OSError)
        self.memory = InProcessBuffer()
        # Shared by the process's threads: after a failure, events skip Redis for
        # `pause` seconds instead of each paying a connect attempt.
        self.breaker = breaker_for(f"event buffer {prefix}", pause=pause)

    def _redis_usable(self) -> bool:
        try:
            self.breaker.check(self._redis.ping)
        except CacheUnavailable:
            return False
        return True

    def add(self, event: BufferedEvent) -> None:
        if self._redis_usable():
            try:
                super().add(event)
                return
            except self._errors as error:
                self.breaker.failed(error)
        self.memory.add(event)

    def pending_count(self, key: int) -> int:
        local = self.memory.pending_count(key)
        if self.breaker.down:
            return local
        return super().pending_count(key) + local

    def pending_total(self) -> int:
        """Every event waiting in Redis, plus this process's kept in memory."""
        total = len(self.memory._events)
        if self._redis_usable():
            try:
                total += int(self._redis.llen(self._pending))
            except self._errors as error:
                self.breaker.failed(error)
        return total

    def flush(self, apply: Apply) -> int:
        # Memory first: it holds only what Redis could not take, and needs no Redis.
        handed = self.memory.flush(apply)
        if self._redis_usable():
            try:
                handed += super().flush(apply)
            except self._errors as error:
                # What was taken stays under its flush key and is picked up once stale.
                self.breaker.failed(error)
        return handed

    def reset(self) -> None:
        self.memory.reset()
        try:
            super().reset()
        except self._errors as error:
            self.breaker.failed(error)
