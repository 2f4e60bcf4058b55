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
  (Redis), read once per request, incremented atomically by a bump.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
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


class CacheGeneration:
    def __init__(self, alias: str):
        self.alias = alias

    @property
    def cache(self):
        return caches[self.alias]

    def current(self) -> int:
        value = self.cache.get(GENERATION_KEY)
        return value if value is not None else self._initialise()

    def bump(self) -> None:
        try:
            self.cache.incr(GENERATION_KEY)
        except ValueError:  # the key is missing (new or evicted Redis)
            self._initialise()
            self.cache.incr(GENERATION_KEY)

    def _initialise(self) -> int:
        # Start from the clock in microseconds rather than 0, so that a Redis that
        # lost the key never walks back through values old entries were stored with.
        self.cache.add(GENERATION_KEY, time.time_ns() // 1000, timeout=None)
        return self.cache.get(GENERATION_KEY)


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
