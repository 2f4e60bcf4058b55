"""Public reads from the read replica (DATABASE_REPLICA_URL), everything else from the primary.

A replica lags the primary by a moment, so it serves only what may be a moment old:
anonymous GET and HEAD requests for public pages - the requests the page cache would
answer.  Everything else reads the primary:

- writes, always (the router never writes to the replica, nor migrates it);
- the admin, signed-in readers (a session cookie) and API clients (Authorization);
- the paths under _PRIMARY_PATHS and PAGE_CACHE_EXCLUDED_PATHS: forms, the API, and
  the GETs that read-then-write - confirmation and magic links, unsubscribe links,
  ad click redirects, the view pixel, donation return pages;
- a browser that has just written anything: a request that wrote to the primary
  (a form that was stored, a confirmation link) sets a short-lived cookie that keeps
  that browser's next requests on the primary, so a reader sees their own comment
  or subscription at once;
- every render for a while after the content generation changes (a publish, an
  edit, an approved comment): a page rendered from a replica that has not yet
  replayed the change would be stored in the page cache, and a memo kept, under the
  *new* generation, and served stale until the next bump;
- reads inside a transaction on the primary, which must see what it wrote.

DATABASE_REPLICA_LAG_SECONDS (default 10) is how far behind the replica may fall:
the length of both windows.  Without a replica configured this does nothing.
"""

import contextvars
import threading
import time

from django.conf import settings
from django.db import connections

REPLICA = "replica"
PRIMARY = "default"
STICKY_COOKIE = "masthead_primary"
DEFAULT_LAG_SECONDS = 10
# GETs under these read what a write just made, or lead to writes (confirmation links
# under /newsletters/ and /discussion/subscriptions/, Wagtail's private-page password
# form under /_util/); the rest of the read-then-write GETs live under
# PAGE_CACHE_EXCLUDED_PATHS (/reader/ magic links, /ads/ clicks, /support/ returns,
# /metrics/ pixels), which are on the primary too.
_PRIMARY_PATHS = (
    "/newsletters/",
    "/discussion/",
    "/metrics/",
    "/readyz",
    "/prometheus",
    "/_util/",
)
_WRITES = ("insert", "update", "delete", "merge")

_use_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("use_replica", default=False)


def lag_seconds() -> float:
    return float(getattr(settings, "DATABASE_REPLICA_LAG_SECONDS", DEFAULT_LAG_SECONDS))


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not _use_replica.get():
            return PRIMARY
        # Inside a transaction on the primary (a service that reads then writes) the
        # reads must see the transaction's own writes and the rows it locked.
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return REPLICA

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data, one of them a moment behind

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


class _GenerationClock:
    """When this process first saw the current content generation.

    A process sees a new generation at or after the moment it was bumped, so
    "first seen less than the lag ago" errs on the side of the primary.  The
    generation a process finds when it starts is taken as old: it was bumped at
    some unknown earlier time, almost always long before a restart.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._generation: object = None
        self._seen_at = float("-inf")

    def changed_within(self, seconds: float) -> bool:
        from masthead.core.pagecache import current_generation
        from masthead.core.pagecache.generation import is_known

        generation = current_generation()
        if not is_known(generation):
            return False  # the shared cache is down: nothing is cached or memoised now
        now = time.monotonic()
        with self._lock:
            if generation != self._generation:
                self._seen_at = now if self._generation is not None else float("-inf")
                self._generation = generation
            return now - self._seen_at < seconds


_generation_clock = _GenerationClock()


def _public_path(path: str) -> bool:
    if path.startswith(_PRIMARY_PATHS):
        return False
    return not path.startswith(tuple(settings.PAGE_CACHE_EXCLUDED_PATHS))


def reads_from_replica(request) -> bool:
    if request.method not in ("GET", "HEAD") or REPLICA not in settings.DATABASES:
        return False
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or STICKY_COOKIE in cookies:
        return False
    if "HTTP_AUTHORIZATION" in request.META or not _public_path(request.path):
        return False
    try:
        fresh = _generation_clock.changed_within(lag_seconds())
    except Exception:  # the shared cache is down: the page cache is bypassed too
        fresh = False
    return not fresh


class _WriteDetector:
    """Notes whether a request wrote to the primary (an execute_wrapper)."""

    def __init__(self):
        self.wrote = False

    def __call__(self, execute, sql, params, many, context):
        if not self.wrote and sql.lstrip()[:6].lower().startswith(_WRITES):
            self.wrote = True
        return execute(sql, params, many, context)


class ReplicaReadsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if REPLICA not in settings.DATABASES:
            return self.get_response(request)
        token = _use_replica.set(reads_from_replica(request))
        detector = _WriteDetector()
        try:
            with connections[PRIMARY].execute_wrapper(detector):
                response = self.get_response(request)
        finally:
            _use_replica.reset(token)
        # Only a request that wrote: a view or ad beacon (a POST into a buffer) on every
        # article view would otherwise keep each reader off the replica and, behind
        # nginx, out of its cache.  A public page that happened to write (a rendition,
        # a settings row) sets no cookie either: a Set-Cookie would keep it out of the
        # page cache, and what it wrote is nothing the reader has to see at once.
        unsafe = request.method not in ("GET", "HEAD", "OPTIONS", "TRACE")
        wrote = detector.wrote and (unsafe or not _public_path(request.path))
        if wrote and response.status_code < 400:
            response.set_cookie(
                STICKY_COOKIE,
                "1",
                max_age=max(1, round(lag_seconds())),
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
