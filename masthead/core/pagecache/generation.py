"""The content generation: one number every app server reads before serving a cached page.

Any change readers can see (publish, unpublish, edit, delete, move, an author,
the publication settings, an image, an approved comment) bumps it, and every
cached page rendered under an older generation stops being served.  One write
invalidates everything, everywhere; nothing has to know which pages a change
touched.

Two stores, one interface (`current()` and `bump()`):

- FileGeneration (one machine, any number of processes): the generation is the
  *size* of a small file in MASTHEAD_DATA_DIR, which a bump grows by one byte
  with an O_APPEND write.  Reading it is a single os.stat() - no open, no read -
  and appends are atomic, so concurrent bumps from several processes are never
  lost.  The inode number is part of the value so that the file can be
  compacted (replaced by a fresh one-byte file, under a lock) without ever
  repeating an earlier value while old entries may still be cached.
- CacheGeneration (several machines): an integer key in the shared cache
  (Redis), read once per request, incremented atomically by a bump.  While Redis
  is down it reports UNKNOWN, which matches no cached page and no memo, so the
  site renders everything afresh; when Redis is back, every process that saw it
  fail bumps the generation before reading anything (see _renewal).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
import uuid
from pathlib import Path

from django.core.cache import caches
from django.db import transaction

logger = logging.getLogger(__name__)

GENERATION_KEY = "pagecache:generation"
# A bump appends one byte; past this size the next bump starts a fresh file.
COMPACT_AT_BYTES = 64 * 1024


class FileGeneration:
    def __init__(self, path: Path):
        self.path = str(path)
        self.lock_path = self.path + ".lock"

    def current(self) -> tuple[int, int]:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return (0, 0)
        return (st.st_ino, st.st_size)

    def bump(self) -> None:
        # The lock only orders bumps against a compaction: an append that raced a
        # replace would land in the unlinked file and be lost.
        lock_fd = os.open(self.lock_path, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX)
            try:
                size = os.stat(self.path).st_size
            except FileNotFoundError:
                size = 0
            if size >= COMPACT_AT_BYTES:
                self._start_fresh_file()
            else:
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                try:
                    os.write(fd, b".")
                finally:
                    os.close(fd)
        finally:
            os.close(lock_fd)  # closing releases the flock

    def _start_fresh_file(self) -> None:
        # The new file is created while the old one still exists, so its inode
        # number differs from the current one: (inode, 1) is a value never seen.
        tmp = f"{self.path}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, b".")
        finally:
            os.close(fd)
        os.replace(tmp, self.path)


class UnknownGeneration:
    """The generation while its store cannot be read (Redis is down).

    Equal to nothing, itself included, so no cached page and no memo ever matches
    it: everything is computed afresh until the generation is known again.  Its
    text is different every time, so a fragment key built from it never repeats.
    """

    __slots__ = ()

    def __eq__(self, other):
        return False

    def __ne__(self, other):
        return True

    __hash__ = object.__hash__

    def __str__(self):
        return f"unknown-{uuid.uuid4().hex}"

    def __repr__(self):
        return "UNKNOWN_GENERATION"

    def __reduce__(self):
        return (UnknownGeneration, ())


UNKNOWN = UnknownGeneration()


def is_known(generation) -> bool:
    return not isinstance(generation, UnknownGeneration)


# One renewal step per alias, so that registering it again is a no-op.
_renewals: dict[str, object] = {}
_renewals_lock = threading.Lock()


class CacheGeneration:
    def __init__(self, alias: str):
        self.alias = alias
        breaker = getattr(self.cache, "breaker", None)
        if breaker is not None:
            breaker.on_recovery(_renewal(alias))

    @property
    def cache(self):
        return caches[self.alias]

    def current(self):
        """The generation, or UNKNOWN when the cache cannot be read."""
        cache = self.cache
        try:
            read_int = getattr(cache, "strict_get_int", None)
            value = read_int(GENERATION_KEY) if read_int else _strict(cache, "get", GENERATION_KEY)
            return value if value is not None else _initialise(cache)
        except Exception as error:
            logger.debug("page cache generation unavailable: %s", error)
            return UNKNOWN

    def bump(self) -> None:
        _bump(self.cache)


def _bump(cache) -> int:
    try:
        return _strict(cache, "incr", GENERATION_KEY)
    except ValueError:  # the key is missing (new or evicted Redis)
        _initialise(cache)
        return _strict(cache, "incr", GENERATION_KEY)


def _initialise(cache) -> int:
    # Start from the clock in microseconds rather than 0, so that a Redis that lost
    # the key (restarted, flushed) never walks back through values old entries were
    # stored with.
    _strict(cache, "add", GENERATION_KEY, time.time_ns() // 1000, timeout=None)
    value = _strict(cache, "get", GENERATION_KEY)
    if value is None:
        raise RuntimeError("the page cache generation vanished as it was created")
    return value


def _renewal(alias: str):
    """The step a process runs when its cache is back after failing: bump the generation.

    Bumps made during the outage were lost, and a Redis that was unreachable rather
    than restarted still holds the value that pages rendered before a change made
    during the outage are stored under.  The cache's circuit breaker runs it before
    any other read, so nothing stored before the outage is served after it.  Every
    process that saw the outage bumps once: a few extra invalidations, never a miss.
    """
    with _renewals_lock:
        if alias not in _renewals:

            def renew() -> None:
                value = _bump(caches[alias])
                logger.warning("page cache generation renewed after an outage: %s", value)

            _renewals[alias] = renew
        return _renewals[alias]


def _strict(cache, operation: str, *args, **kwargs):
    """Call a cache operation so that an unavailable cache raises instead of missing
    (ResilientRedisCache swallows errors in its plain methods)."""
    strict = getattr(cache, f"strict_{operation}", None)
    return (strict or getattr(cache, operation))(*args, **kwargs)


def generation_store(config) -> FileGeneration | CacheGeneration:
    if config.generation_store == "file":
        return FileGeneration(config.generation_file)
    return CacheGeneration(config.alias)


def current_generation():
    from .config import PageCacheConfig

    return generation_store(PageCacheConfig.from_settings()).current()


def bump_generation() -> None:
    """Invalidate every cached page, once the current transaction commits.

    After the commit, not before: a request that starts between the bump and the
    commit would otherwise render the old content and store it under the new
    generation.  Outside a transaction the bump happens at once.  A failed bump
    is logged rather than raised: the change itself is already committed, and
    cached pages expire after PAGE_CACHE_TIMEOUT regardless.
    """
    from masthead.core import memo

    # This process's memos go at once, so its own next read sees the change even
    # before the commit makes the new generation visible to every process.
    memo.clear()
    transaction.on_commit(_bump_now, robust=True)


def _bump_now() -> None:
    from .config import PageCacheConfig

    generation_store(PageCacheConfig.from_settings()).bump()
