"""Where counted views wait before a flush writes them: one small interface, two variants.

- InProcessBuffer: a list swapped under a lock; right for one machine, where the
  server's own processes flush it (a daemon thread, and once more at exit).
- RedisBuffer: a Redis list shared by every app server; a flush atomically
  renames it to a key of its own, so views sent during the flush land in a
  fresh list and two processes flushing at once never take the same views.
  A flush that dies after the rename leaves its key behind; the next flush
  anywhere picks it up once it is older than STALE_SECONDS.

Replaying a batch is harmless: the flush counts a view only if it can take the
visitor's claim in the database (see models.ViewClaim), so nothing counts twice.

The buffers hold any event type with pack(), unpack() and a `key` (what
pending_count() counts by): article views here, ad impressions and clicks in
masthead.ads.
"""

import abc
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ViewEvent:
    visitor: str  # salted hash of (salt, IP, user agent, article)
    article_id: int
    at: int  # Unix seconds
    referrer: str = ""  # another site's domain name, or ""

    @property
    def key(self) -> int:
        return self.article_id

    def pack(self) -> str:
        return f"{self.visitor}|{self.article_id}|{self.at}|{self.referrer}"

    @classmethod
    def unpack(cls, raw: bytes | str) -> "ViewEvent":
        text = raw.decode() if isinstance(raw, bytes) else raw
        visitor, article_id, at, referrer = text.split("|", 3)
        return cls(visitor, int(article_id), int(at), referrer)


class BufferedEvent(Protocol):
    @property
    def key(self) -> int: ...

    def pack(self) -> str: ...


Apply = Callable[[list], object]


class ViewBuffer(abc.ABC):
    @abc.abstractmethod
    def add(self, event: BufferedEvent) -> None:
        """Keep one event until the next flush."""

    @abc.abstractmethod
    def pending_count(self, key: int) -> int:
        """Events with this key (an article's views) waiting to be flushed, as far as
        this process can see."""

    @abc.abstractmethod
    def flush(self, apply: Apply) -> int:
        """Hand the waiting views to `apply` (which writes them in one transaction);
        returns how many were handed over.  If `apply` raises, the views stay buffered."""

    @abc.abstractmethod
    def reset(self) -> None:
        """Forget every waiting view (tests, and a process that inherited another's state)."""


class InProcessBuffer(ViewBuffer):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()  # one flush at a time keeps views in order
        self._events: list = []
        self._counts: Counter[int] = Counter()  # waiting and in-flight, per key

    def add(self, event: BufferedEvent) -> None:
        with self._lock:
            self._events.append(event)
            self._counts[event.key] += 1

    def pending_count(self, key: int) -> int:
        return self._counts.get(key, 0)

    def flush(self, apply: Apply) -> int:
        with self._flush_lock:
            with self._lock:
                batch, self._events = self._events, []
            if not batch:
                return 0
            try:
                apply(batch)
            except BaseException:
                # Put the views back in front of any that arrived meanwhile.
                with self._lock:
                    self._events[:0] = batch
                raise
            with self._lock:
                self._counts.subtract(event.key for event in batch)
                self._counts = +self._counts  # drop zeros
            return len(batch)

    def reset(self) -> None:
        with self._lock:
            self._events = []
            self._counts = Counter()


# Atomically move the waiting list (and its per-article counts) to a flush's own key,
# and note that key in the set of flushes in progress.
_TAKE_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RENAME', KEYS[1], KEYS[3])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('RENAME', KEYS[2], KEYS[4]) end
redis.call('SADD', KEYS[5], KEYS[3])
return 1
"""


class RedisBuffer(ViewBuffer):
    STALE_SECONDS = 60

    def __init__(self, url: str, *, prefix: str = "masthead:views", event_type=ViewEvent) -> None:
        import redis

        self._event_type = event_type
        self._redis = redis.Redis.from_url(url)
        self._errors = (redis.RedisError,)
        self.prefix = prefix
        self._pending = f"{prefix}:pending"
        self._counts = f"{prefix}:pending-counts"
        self._in_progress = f"{prefix}:flushes"  # keys taken by flushes not yet finished
        self._take = self._redis.register_script(_TAKE_SCRIPT)

    def add(self, event: BufferedEvent) -> None:
        pipe = self._redis.pipeline(transaction=True)
        pipe.rpush(self._pending, event.pack())
        pipe.hincrby(self._counts, str(event.key), 1)
        pipe.execute()

    def pending_count(self, key: int) -> int:
        try:
            value = self._redis.hget(self._counts, str(key))
        except self._errors:
            return 0  # a count shown a little low beats a page that fails
        return int(value or 0)

    def take(self, token: str) -> bool:
        """Move the waiting views to `token`, as a flush does first; False if none wait."""
        keys = [self._pending, self._counts, token, f"{token}:counts", self._in_progress]
        return bool(self._take(keys=keys))

    def _taken_keys(self) -> list[str]:
        return sorted(raw.decode() for raw in self._redis.smembers(self._in_progress))

    def flush(self, apply: Apply) -> int:
        now = int(time.time())
        token = f"{self.prefix}:flushing:{now}:{uuid.uuid4().hex}"
        self.take(token)
        handed = 0
        for key in self._taken_keys():
            started = int(key.split(":")[-2])
            if key != token and now - started < self.STALE_SECONDS:
                continue  # another process's flush, still in progress
            raw = self._redis.lrange(key, 0, -1)
            if raw:
                apply([self._event_type.unpack(item) for item in raw])
                handed += len(raw)
            pipe = self._redis.pipeline(transaction=True)
            pipe.delete(key, f"{key}:counts")
            pipe.srem(self._in_progress, key)
            pipe.execute()
        return handed

    def reset(self) -> None:
        keys = [self._pending, self._counts, self._in_progress]
        for key in self._taken_keys():
            keys += [key, f"{key}:counts"]
        self._redis.delete(*keys)


class LocalClaims:
    """This process's memory of recent views, to drop repeats before they reach a buffer.

    Only a shortcut: the database claim at flush time is what decides.
    """

    PRUNE_EVERY = 60
    # Past this many visitors, forget them all rather than grow: a busy half hour can see
    # millions, and the database claims dedupe without this memory anyway.
    MAX_VISITORS = 20_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until: dict[str, int] = {}
        self._pruned = 0

    def take(self, visitor: str, *, now: int, window: int) -> bool:
        with self._lock:
            if now - self._pruned >= self.PRUNE_EVERY:
                self._until = {k: v for k, v in self._until.items() if v > now}
                self._pruned = now
            if self._until.get(visitor, 0) > now:
                return False
            if len(self._until) >= self.MAX_VISITORS:
                self._until = {}
            self._until[visitor] = now + window
            return True

    def reset(self) -> None:
        with self._lock:
            self._until = {}
            self._pruned = 0
