"""Request ids: one per request, in the X-Request-ID response header and every log line.

The front proxy may pass its own id (nginx's $request_id) so that its access log and
ours name the same request; anything that does not look like an id is replaced.

The middleware is the outermost one, so it also counts every request Django
answers for /prometheus (page cache hits are counted before Django, in
masthead.core.pagecache.app).
"""

import contextvars
import logging
import re
import time
import uuid

from django.conf import settings

_current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:-]{8,128}\Z")
access_log = logging.getLogger("masthead.access")


def request_id(environ_or_meta) -> str:
    """The id the front proxy gave this request, when it looks like one, else a new one."""
    given = environ_or_meta.get(settings.REQUEST_ID_HEADER, "")
    return given if _ACCEPTABLE.match(given) else uuid.uuid4().hex


def current_request_id() -> str:
    """The id of the request being served in this thread or task, or "-"."""
    return _current.get()


def log_access(
    method: str, path: str, status: int, started: float, rid: str, *, cache: str = ""
) -> None:
    """One access log line (ACCESS_LOG): method, path, status, duration, and the request id."""
    extra = {
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        "request_id": rid,
    }
    if cache:
        extra["cache"] = cache
    access_log.info("%s %s %s", method, path, status, extra=extra)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current.get()
        return True


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.tally = None
        if settings.PROMETHEUS_ENABLED:
            from masthead.core.ops.prometheus import request_tally

            self.tally = request_tally()

    def __call__(self, request):
        request.request_id = rid = request_id(request.META)
        token = _current.set(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = rid
            if self.tally is not None:
                self.tally.request(
                    request.method, response.status_code, time.perf_counter() - started
                )
            if access_log.isEnabledFor(logging.INFO):
                log_access(request.method, request.path, response.status_code, started, rid)
            return response
        finally:
            _current.reset(token)
