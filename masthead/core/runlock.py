"""One process at a time for periodic work that is not safe to run twice at once.

Every `masthead worker` runs the periodic jobs; most are written to be safe when
several workers run them together (row claims, conditional updates, cache.add
per interval).  Wagtail's publish_scheduled is not: two workers publishing the
same due revision at once both publish it (two log entries, two signals).

On PostgreSQL the lock is a session advisory lock: it is released by the server
when the holder's connection ends, so a worker killed while holding it blocks
nobody.  Elsewhere (SQLite: every process on one machine) it is a cache.add key
with a timeout, which a killed holder leaves in place until it expires.
"""

from __future__ import annotations

import contextlib
import uuid
import zlib
from collections.abc import Iterator

from django.core.cache import cache
from django.db import DatabaseError, connection

CACHE_TIMEOUT = 120  # seconds; only bounds how long a killed holder blocks others


def _advisory_key(name: str) -> int:
    # pg_try_advisory_lock takes a bigint; a stable 32-bit hash of the name fits.
    return zlib.crc32(f"masthead:{name}".encode())


@contextlib.contextmanager
def exclusive(name: str) -> Iterator[bool]:
    """Yield True if this process holds `name` now (until the block ends), else False."""
    if connection.vendor == "postgresql":
        key = _advisory_key(name)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            held = cursor.fetchone()[0]
        try:
            yield held
        finally:
            if held:
                # A dropped connection has released it already.
                with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    cache_key = f"masthead:exclusive:{name}"
    token = uuid.uuid4().hex
    held = cache.add(cache_key, token, timeout=CACHE_TIMEOUT)
    try:
        yield held
    finally:
        if held and cache.get(cache_key) == token:
            cache.delete(cache_key)


def run_exclusively(name: str, job) -> bool:
    """Run `job()` unless another process is running the job named `name`; True if it ran."""
    with exclusive(name) as held:
        if held:
            job()
        return held
