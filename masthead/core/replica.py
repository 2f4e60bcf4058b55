"""Public reads from the read replica (DATABASE_REPLICA_URL), everything else from the primary.

A replica lags the primary by a moment, so it serves only what may be a moment old:
anonymous GET and HEAD requests for public pages - the requests the page cache would
answer.  Writes always go to the primary; so do the admin, signed-in readers, the
API, forms and confirmation links (their GETs read what a POST just wrote), and a
browser that has just written anything: a POST that succeeds sets a short-lived
cookie that keeps its next requests on the primary, so a reader sees their own
comment or subscription at once.  Without a replica configured this does nothing.
"""

import contextvars

from django.conf import settings

REPLICA = "replica"
PRIMARY = "default"
# Seconds a writer's browser keeps reading from the primary: longer than replica lag.
STICKY_COOKIE = "masthead_primary"
STICKY_SECONDS = 15
# GETs under these read what a write just made, or lead to writes.
_PRIMARY_PATHS = ("/newsletters/", "/discussion/", "/metrics/", "/readyz", "/prometheus")

_use_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("use_replica", default=False)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return REPLICA if _use_replica.get() else PRIMARY

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data, one of them a moment behind

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def reads_from_replica(request) -> bool:
    if request.method not in ("GET", "HEAD") or REPLICA not in settings.DATABASES:
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES or STICKY_COOKIE in request.COOKIES:
        return False
    path = request.path
    if path.startswith(_PRIMARY_PATHS):
        return False
    return not any(path.startswith(prefix) for prefix in settings.PAGE_CACHE_EXCLUDED_PATHS)


class ReplicaReadsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _use_replica.set(reads_from_replica(request))
        try:
            response = self.get_response(request)
        finally:
            _use_replica.reset(token)
        if request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400:
            response.set_cookie(
                STICKY_COOKIE,
                "1",
                max_age=STICKY_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
