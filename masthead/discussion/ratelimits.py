"""Rate limits on commenting, per IP address and per email, shared by every app server.

django-ratelimit does the counting in the default cache (diskcache on one
machine, Redis at scale; both increment atomically across processes).  Its app
is deliberately not in INSTALLED_APPS: its system check rejects every cache it
does not know, including ours, and the functions used here need no app.
"""

import re
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django_ratelimit.core import is_ratelimited

RATE_PATTERN = re.compile(r"^[1-9]\d{0,5}/[1-9]?\d{0,3}[smhd]$")


def validate_rate(value: str) -> None:
    if value and not RATE_PATTERN.match(value):
        raise ValidationError(
            "Write a rate as count/period, e.g. 10/h, 3/m, 50/d or 5/15m.", code="invalid_rate"
        )


def hit(*, scope: str, value: str, rate: str) -> bool:
    """Count one attempt by `value` (an address, an email) against `rate`; True when over it.

    An empty rate means no limit.  The count is kept even when over the limit,
    so hammering does not reopen the window.
    """
    if not rate or not value:
        return False
    # The library's API takes a request only to read keys from it; ours are computed.
    request = SimpleNamespace(method="POST")
    return is_ratelimited(
        request,
        group=f"discussion.{scope}",
        key=lambda _group, _request: value,
        rate=rate,
        increment=True,
    )
