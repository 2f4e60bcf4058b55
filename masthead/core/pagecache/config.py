"""The page cache's settings, read once per application (never at import time)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

# Backends whose data one machine's processes share through the local disk or
# not at all: the generation then lives in a file next to them.  Anything else
# (Redis, memcached, the database) is shared between machines, so the
# generation must live in it too.
LOCAL_CACHE_BACKENDS = (
    "django.core.cache.backends.filebased.FileBasedCache",
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)
STORED_CONTENT_TYPES = (
    "text/html",
    "text/plain",
    "text/xml",
    "application/xml",
    "application/rss+xml",
    "application/atom+xml",
)


@dataclass(frozen=True)
class PageCacheConfig:
    enabled: bool
    alias: str
    timeout: int
    cache_control: str
    memory_bytes: int
    max_entry_bytes: int
    generation_store: str  # "file" or "cache"
    generation_file: Path
    excluded_prefixes: tuple[str, ...]
    session_cookie: str
    proxy_ssl_header: tuple[str, str] | None

    @classmethod
    def from_settings(cls) -> PageCacheConfig:
        alias = settings.PAGE_CACHE_ALIAS
        store = settings.PAGE_CACHE_GENERATION_STORE
        if store not in ("file", "cache"):
            backend = settings.CACHES[alias]["BACKEND"]
            local = (
                backend in LOCAL_CACHE_BACKENDS
                or backend.startswith("diskcache.")
                or backend == "masthead.core.cache.PersistentDiskCache"
            )
            store = "file" if local else "cache"
        proxy = settings.SECURE_PROXY_SSL_HEADER
        return cls(
            enabled=settings.PAGE_CACHE_ENABLED,
            alias=alias,
            timeout=settings.PAGE_CACHE_TIMEOUT,
            cache_control=(
                f"public, max-age={settings.PAGE_CACHE_MAX_AGE}, "
                f"stale-while-revalidate={settings.PAGE_CACHE_STALE_WHILE_REVALIDATE}"
            ),
            memory_bytes=settings.PAGE_CACHE_MEMORY_BYTES,
            max_entry_bytes=settings.PAGE_CACHE_MAX_ENTRY_BYTES,
            generation_store=store,
            generation_file=Path(settings.PAGE_CACHE_GENERATION_FILE),
            excluded_prefixes=tuple(settings.PAGE_CACHE_EXCLUDED_PATHS),
            session_cookie=settings.SESSION_COOKIE_NAME,
            proxy_ssl_header=(proxy[0], proxy[1]) if proxy else None,
        )
