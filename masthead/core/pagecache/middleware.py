"""The store side of the page cache, and caching headers for every public response.

Placed after GZipMiddleware and ConditionalGetMiddleware in MIDDLEWARE (so
inside them): it sees the uncompressed body with every header the inner
middleware added (CSP, security headers), and answers with exactly what a
later hit will send, so a miss and a hit differ only in X-Cache.

The CSP nonce: a cached page is replayed byte for byte, with the
Content-Security-Policy header it was rendered with, so every reader of that
rendering shares one nonce until the next generation or PAGE_CACHE_TIMEOUT.
We accept that rather than rewrite the nonce on each hit (a copy of the body
per hit, a re-compression of the gzip variant, and no stable ETag).  What a
nonce protects against is injected markup guessing it; markup can only reach
a cached page through content that is rendered together with a fresh nonce
(a stored injection is rendered after it is stored; a reflected one changes
the URL and so the cache key), so a nonce learnt from one rendering never
appears in a page that also carries the injection.  The policy still forbids
inline scripts without the nonce and every third-party host.
"""

from __future__ import annotations

import logging
import time

from django.http import HttpResponse
from django.utils.http import split_directive_names

from .app import LOOKUP_ENVIRON_KEY, has_cookie, is_candidate
from .config import STORED_CONTENT_TYPES, PageCacheConfig
from .entry import OWN_HEADERS, Entry, compress, content_etag

logger = logging.getLogger(__name__)

# A response that varies on anything else cannot be keyed by URL alone.  Cookie is
# harmless here: candidates carry no session cookie, so the page was rendered for
# an anonymous reader, as every reader served from the cache will be.
SHAREABLE_VARY = frozenset({"accept-encoding", "cookie"})
PRIVATE_DIRECTIVES = frozenset({"private", "no-store", "no-cache"})
# Signed-in readers get the same HTML as everyone, but a shared cache must never
# keep a copy made for them; their browser revalidates with the ETag.
SIGNED_IN_CACHE_CONTROL = "private, no-cache"


def shareable(request, response, config: PageCacheConfig) -> bool:
    """Whether `response` may be served to every anonymous reader of its URL.

    Views opt out the standard way: never_cache, cache_control(private=True),
    or anything that sets a cookie.
    """
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if getattr(request, "is_preview", False):
        return False
    if response.has_header("Content-Encoding"):
        return False
    content_type = response.get("Content-Type", "").partition(";")[0].strip().lower()
    if content_type not in STORED_CONTENT_TYPES:
        return False
    if PRIVATE_DIRECTIVES.intersection(split_directive_names(response.get("Cache-Control", ""))):
        return False
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    if not vary <= SHAREABLE_VARY:
        return False
    if len(response.content) > config.max_entry_bytes:
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


def _nonce(request):
    nonce = getattr(request, "_csp_nonce", None)
    return nonce if nonce else None  # a LazyNonce is falsy until a template used it


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.config = PageCacheConfig.from_settings()

    def __call__(self, request):
        response = self.get_response(request)
        meta = request.META
        lookup = meta.get(LOOKUP_ENVIRON_KEY)
        if LOOKUP_ENVIRON_KEY in meta:
            response.headers["X-Cache"] = "MISS"
        etag = None
        if (
            request.method == "GET"
            and response.status_code == 200
            and not response.streaming
            and not response.has_header("ETag")
            and "no-store" not in response.get("Cache-Control", "")
        ):
            # ConditionalGetMiddleware (outside this one) answers 304 with it.
            etag = content_etag(response.content, _nonce(request))
            response.headers["ETag"] = f'"{etag}"'
        if not is_candidate(meta, self.config):
            if not response.has_header("Cache-Control") and has_cookie(
                meta.get("HTTP_COOKIE"), self.config.session_cookie
            ):
                response.headers["Cache-Control"] = SIGNED_IN_CACHE_CONTROL
            return response
        if not shareable(request, response, self.config):
            return response
        if not response.has_header("Cache-Control"):
            response.headers["Cache-Control"] = self.config.cache_control
        if lookup is None or request.method != "GET":
            return response
        if etag is None:  # the view set its own; the cache keeps its own kind
            etag = content_etag(response.content, _nonce(request))
        return self._store(lookup, meta, response, etag)

    def _store(self, lookup, meta, response, etag: str):
        now = time.time()
        body = response.content
        headers = tuple((k, v) for k, v in response.items() if k.lower() not in OWN_HEADERS)
        entry = Entry(
            generation=lookup.generation,
            expires=now + self.config.timeout,
            last_modified_ts=int(now),
            headers=(*headers, ("Cache-Control", response["Cache-Control"])),
            identity=body,
            gzip_body=compress(body),
            etag=etag,
        )
        try:
            lookup.store.save(lookup.key, entry)
        except Exception:
            logger.exception("page cache store failed")
        status, headers, body = entry.choose(meta, cache_status="MISS")
        answer = HttpResponse(body, status=status, headers=dict(headers))
        if status == 304:
            del answer.headers["Content-Type"]
        return answer
