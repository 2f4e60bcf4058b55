"""Where a reader may be sent after signing in: this site's own paths, nothing else."""

import re

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

DEFAULT = "/reader/"
MAX_LENGTH = 500
# Controls (CR/LF split headers; tabs and NULs are dropped by browsers, which can
# turn "/\t/evil" into "//evil") and backslashes (browsers read "\" as "/").
_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\\\u2028\u2029]")


def is_safe_next(request: HttpRequest, value) -> bool:
    if not isinstance(value, str) or not value or len(value) > MAX_LENGTH:
        return False
    if _UNSAFE.search(value):
        return False
    # Only a path on this site: one leading slash, never "//host" (scheme-relative).
    if not value.startswith("/") or value.startswith("//"):
        return False
    return url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def safe_next(request: HttpRequest, value, default: str = DEFAULT) -> str:
    """`value` if it is a path on this site, else `default`."""
    return value if is_safe_next(request, value) else default
