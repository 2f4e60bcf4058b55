"""Where entries live: a bounded in-process LRU in front of the shared Django cache.

The LRU holds the hot pages of this process in memory, capped in bytes; the
shared cache (diskcache/file on one machine, Redis at scale) lets every process
and machine reuse a page one of them rendered.  Entries carry the generation
they were rendered under and are only served while it is still current, so a
bump needs no deletion anywhere.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict

from django.core.cache import caches

from .entry import Entry
from .generation import GENERATION_KEY, CacheGeneration, generation_store


class MemoryLRU:
    """Least-recently-used entries, at most `max_bytes` of them in total; thread-safe."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: Entry) -> None:
        if entry.size > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old.size
            self._entries[key] = entry
            self.bytes += entry.size
            while self.bytes > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self.bytes -= evicted.size

    def discard(self, key: str) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old.size


def shared_key(key: str) -> str:
    return "pagecache:" + hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


class PageStore:
    def __init__(self, config):
        self.config = config
        self.memory = MemoryLRU(config.memory_bytes)
        self.generation = generation_store(config)
        # With the generation in the shared cache, a page missing from memory is
        # fetched together with the generation (one MGET, one round trip).
        self._generation_in_cache = isinstance(self.generation, CacheGeneration)

    def lookup(self, key: str):
        """(current generation, a servable entry or None) for `key`.

        A page in this process's memory costs one os.stat() when the generation
        is a file, or one small cache round trip when it is in Redis.  A page not
        in memory adds one shared-cache read (with Redis, in the same MGET).
        """
        entry = self.memory.get(key)
        if entry is None:
            return self._load_shared(key, None)
        generation = self.generation.current()
        if entry.generation == generation and entry.expires > time.time():
            return generation, entry
        self.memory.discard(key)
        # Another process may already have rendered it under the new generation.
        return self._load_shared(key, generation)

    def _load_shared(self, key: str, generation):
        cache = caches[self.config.alias]
        skey = shared_key(key)
        if generation is not None:
            state = cache.get(skey)
        elif self._generation_in_cache:
            found = cache.get_many([GENERATION_KEY, skey])
            generation = found.get(GENERATION_KEY)
            if generation is None:
                generation = self.generation.current()
            state = found.get(skey)
        else:
            generation = self.generation.current()
            state = cache.get(skey)
        entry = Entry.from_state(state) if state is not None else None
        if entry is None or entry.generation != generation or entry.expires <= time.time():
            return generation, None
        self.memory.put(key, entry)
        return generation, entry

    def save(self, key: str, entry: Entry) -> None:
        timeout = max(1, int(entry.expires - time.time()))
        caches[self.config.alias].set(shared_key(key), entry.to_state(), timeout)
        self.memory.put(key, entry)
