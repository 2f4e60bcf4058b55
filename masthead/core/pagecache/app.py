"""The page cache in front of Django: hits are answered here, before any middleware.

A hit costs: a few environ lookups, one cookie-header scan, one generation
check (an os.stat(), or one Redis GET), one dictionary lookup in the
in-process LRU, and one start_response with a prepared header list.  No
request object, no middleware, no URL resolving, no database.

A miss goes to Django with the lookup attached to the environ;
PageCacheMiddleware stores the response if it may be shared.
"""

from __future__ import annotations

import json
import logging
from time import perf_counter

from django.conf import settings

from masthead.core.requestid import access_log, log_access, request_id

from .config import PageCacheConfig
from .store import PageStore

logger = logging.getLogger(__name__)

LOOKUP_ENVIRON_KEY = "masthead.pagecache"
STATUS_LINES = {200: "200 OK", 304: "304 Not Modified"}

# What /reader/state.json says to a request that carries no session: the reader
# is anonymous, so the answer is the same for everyone and needs no Django.
ANONYMOUS_READER_STATE = {
    "signed_in": False,
    "name": None,
    "is_staff": False,
    "edit_url_template": None,
}


class Lookup:
    """A cache miss in progress: where to store the page, and under which generation."""

    __slots__ = ("key", "generation", "store")

    def __init__(self, key: str, generation, store: PageStore):
        self.key = key
        self.generation = generation
        self.store = store


def has_cookie(cookie_header: str | None, name: str) -> bool:
    """Whether the Cookie header names `name`; a plain substring test rules most out."""
    if not cookie_header or name not in cookie_header:
        return False
    return any(part.partition("=")[0].strip() == name for part in cookie_header.split(";"))


def request_scheme(environ, config: PageCacheConfig) -> str:
    if config.proxy_ssl_header is not None:
        header, secure_value = config.proxy_ssl_header
        value = environ.get(header)
        if value is not None:
            return "https" if value.split(",")[0].strip() == secure_value else "http"
    return environ.get("wsgi.url_scheme", "http")


def is_candidate(environ, config: PageCacheConfig) -> bool:
    """Whether a request may be answered from, and its response stored in, the page cache.

    Anonymous GET/HEAD of a path outside the excluded prefixes.  "Anonymous"
    means no session cookie and no Authorization header: signed-in readers and
    staff always reach Django.
    """
    method = environ["REQUEST_METHOD"]
    if method != "GET" and method != "HEAD":
        return False
    if "HTTP_AUTHORIZATION" in environ:
        return False
    if has_cookie(environ.get("HTTP_COOKIE"), config.session_cookie):
        return False
    return not environ.get("PATH_INFO", "/").startswith(config.excluded_prefixes)


def cache_key(environ, config: PageCacheConfig) -> str:
    """scheme://host/path?query: every input a public page's HTML may depend on."""
    host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "/")
    query = environ.get("QUERY_STRING")
    base = f"{request_scheme(environ, config)}://{host}{path}"
    return f"{base}?{query}" if query else base


class PageCacheApplication:
    """WSGI middleware: wrap Django's application with it (see masthead/wsgi.py)."""

    def __init__(self, application, *, reader_state_path: str | None = None):
        self.application = application
        self.config = PageCacheConfig.from_settings()
        self.store = PageStore(self.config) if self.config.enabled else None
        self.reader_state_path = reader_state_path
        # Request counts and hits/misses for /prometheus: plain integer adds per request.
        self.tally = None
        if settings.PROMETHEUS_ENABLED:
            from masthead.core.ops.prometheus import request_tally

            self.tally = request_tally()
        body = json.dumps(ANONYMOUS_READER_STATE).encode()
        self._anonymous_state = (
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "private, no-store"),
                ("Vary", "Cookie"),
                ("X-Content-Type-Options", "nosniff"),
            ],
            body,
        )

    def __call__(self, environ, start_response):
        if self.store is None:
            return self.application(environ, start_response)
        started = perf_counter()
        if (
            environ.get("PATH_INFO") == self.reader_state_path
            and environ["REQUEST_METHOD"] in ("GET", "HEAD")
            and "HTTP_AUTHORIZATION" not in environ
            and not has_cookie(environ.get("HTTP_COOKIE"), self.config.session_cookie)
        ):
            return self._answer_anonymous_state(environ, start_response, started)
        if not is_candidate(environ, self.config):
            environ[LOOKUP_ENVIRON_KEY] = None
            return self.application(environ, start_response)

        key = cache_key(environ, self.config)
        try:
            generation, entry = self.store.lookup(key)
        except Exception:
            # A cache outage must not take the site down: serve it uncached.
            logger.exception("page cache lookup failed")
            if self.tally is not None:
                self.tally.miss()
            environ[LOOKUP_ENVIRON_KEY] = None
            return self.application(environ, start_response)
        if entry is not None:
            status, headers, body = entry.choose(environ)
            rid = request_id(environ)
            start_response(STATUS_LINES[status], [*headers, ("X-Request-ID", rid)])
            if self.tally is not None:
                self.tally.hit(environ["REQUEST_METHOD"], status, perf_counter() - started)
            if access_log.isEnabledFor(logging.INFO):
                log_access(
                    environ["REQUEST_METHOD"],
                    environ.get("PATH_INFO", "/"),
                    status,
                    started,
                    rid,
                    cache="HIT",
                )
            return [body]
        if self.tally is not None:
            self.tally.miss()
        environ[LOOKUP_ENVIRON_KEY] = Lookup(key, generation, self.store)
        return self.application(environ, start_response)

    def _answer_anonymous_state(self, environ, start_response, started: float):
        headers, body = self._anonymous_state
        start_response("200 OK", headers)
        if self.tally is not None:
            self.tally.request(environ["REQUEST_METHOD"], 200, perf_counter() - started)
        return [b"" if environ["REQUEST_METHOD"] == "HEAD" else body]
