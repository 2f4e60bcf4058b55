"""A cached page: both encodings of the body, its validators and its headers, ready to send.

Every header list a hit can need is built once, when the entry is created or
loaded, so that serving it is a choice between four prepared lists.
"""

from __future__ import annotations

import functools
import gzip
import hashlib

from django.utils.http import http_date, parse_http_date_safe

# Headers the entry sets itself (or that must not be replayed to another reader).
OWN_HEADERS = frozenset(
    {
        "cache-control",
        "content-encoding",
        "content-length",
        "date",
        "etag",
        "last-modified",
        "set-cookie",
        "vary",
        "x-cache",
    }
)
# Headers a 304 repeats (RFC 9110 15.4.5); the rest would describe a body it lacks.
NOT_MODIFIED_HEADERS = frozenset({"cache-control", "content-location", "etag", "vary", "x-cache"})
FORMAT = 1
MIN_GZIP_BYTES = 200


@functools.lru_cache(maxsize=256)
def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an Accept-Encoding value allows gzip (honouring q=0); memoised per value."""
    if not accept_encoding:
        return False
    for part in accept_encoding.split(","):
        coding, _, params = part.partition(";")
        if coding.strip().lower() not in ("gzip", "x-gzip", "*"):
            continue
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    return float(value) > 0
                except ValueError:
                    return False
        return True
    return False


def content_etag(body: bytes, nonce=None) -> str:
    """A strong hash of `body`, leaving out the CSP nonce it was rendered with.

    Every rendering of a page carries a fresh nonce, so hashing it in would
    make two renderings of the same content look different and no 304 could
    follow a re-render.  Leaving it out is safe because a 304 does not carry
    the Content-Security-Policy header: the browser keeps the body and the
    policy it stored together, whose nonces match.
    """
    if nonce:
        body = body.replace(str(nonce).encode(), b"")
    return hashlib.blake2b(body, digest_size=16).hexdigest()


def compress(body: bytes) -> bytes | None:
    """The gzip encoding of `body`, or None when it would not be smaller.

    Deterministic (mtime=0, no random padding): cached pages carry nothing
    secret - no CSRF token, no reader data - so BREACH has nothing to recover,
    and the same body always yields the same bytes.
    """
    if len(body) < MIN_GZIP_BYTES:
        return None
    compressed = gzip.compress(body, compresslevel=6, mtime=0)
    return compressed if len(compressed) < len(body) else None


class Entry:
    __slots__ = (
        "generation",
        "expires",
        "etag",
        "last_modified",
        "last_modified_ts",
        "headers",
        "identity",
        "gzip",
        "size",
        "_hit",
    )

    def __init__(
        self,
        *,
        generation,
        expires: float,
        last_modified_ts: int,
        headers: tuple[tuple[str, str], ...],
        identity: bytes,
        gzip_body: bytes | None,
        etag: str | None = None,
        last_modified: str | None = None,
    ):
        self.generation = generation
        self.expires = expires
        self.headers = headers
        self.identity = identity
        self.gzip = gzip_body
        self.etag = etag or content_etag(identity)
        self.last_modified_ts = last_modified_ts
        self.last_modified = last_modified or http_date(last_modified_ts)
        self.size = len(identity) + len(gzip_body or b"") + 64 * (len(headers) + 8)
        self._hit = {
            (status, gz): self.header_list(status=status, gz=gz, cache_status="HIT")
            for status in (200, 304)
            for gz in ((False, True) if gzip_body is not None else (False,))
        }

    def header_list(self, *, status: int, gz: bool, cache_status: str) -> list[tuple[str, str]]:
        headers = [
            ("ETag", f'"{self.etag}-gzip"' if gz else f'"{self.etag}"'),
            ("Last-Modified", self.last_modified),
            ("Vary", "Accept-Encoding"),
            ("X-Cache", cache_status),
        ]
        headers += self.headers
        if status == 304:
            return [(k, v) for k, v in headers if k.lower() in NOT_MODIFIED_HEADERS]
        body = self.gzip if gz else self.identity
        headers.append(("Content-Length", str(len(body))))
        if gz:
            headers.append(("Content-Encoding", "gzip"))
        return headers

    def not_modified(self, environ) -> bool:
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        if if_none_match is not None:
            # Weak comparison (RFC 9110 13.1.2): either encoding's tag, weak or not.
            for tag in if_none_match.split(","):
                tag = tag.strip().removeprefix("W/").strip('"').removesuffix("-gzip")
                if tag == self.etag or tag == "*":
                    return True
            return False
        if_modified_since = environ.get("HTTP_IF_MODIFIED_SINCE")
        if if_modified_since:
            if if_modified_since == self.last_modified:
                return True
            since = parse_http_date_safe(if_modified_since)
            return since is not None and since >= self.last_modified_ts
        return False

    def choose(self, environ, cache_status: str = "HIT"):
        """(status code, headers, body) answering `environ`; HEAD gets no body."""
        gz = self.gzip is not None and accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING"))
        if self.not_modified(environ):
            status, body = 304, b""
        else:
            status, body = 200, (self.gzip if gz else self.identity)
        if environ["REQUEST_METHOD"] == "HEAD":
            body = b""
        if cache_status == "HIT":
            headers = self._hit[status, gz]
        else:
            headers = self.header_list(status=status, gz=gz, cache_status=cache_status)
        return status, headers, body

    # --- storage in the shared cache: a plain tuple, so no class path is pickled
    def to_state(self) -> tuple:
        return (
            FORMAT,
            self.generation,
            self.expires,
            self.last_modified_ts,
            self.headers,
            self.identity,
            self.gzip,
            self.etag,
        )

    @classmethod
    def from_state(cls, state) -> Entry | None:
        if not isinstance(state, tuple) or not state or state[0] != FORMAT:
            return None
        _, generation, expires, last_modified_ts, headers, identity, gzip_body, etag = state
        return cls(
            generation=generation,
            expires=expires,
            last_modified_ts=last_modified_ts,
            headers=headers,
            identity=identity,
            gzip_body=gzip_body,
            etag=etag,
        )
