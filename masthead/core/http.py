"""Facts about a request that several apps need, read one way everywhere."""

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# request.META rather than request.headers throughout: building the headers
# mapping costs more than the rest of a view beacon's own work.


def client_ip(request: HttpRequest) -> str:
    """The reader's address: MASTHEAD_VIEW_CLIENT_IP_HEADER names where a proxy puts it."""
    value = request.META.get(settings.MASTHEAD_VIEW_CLIENT_IP_HEADER, "") or request.META.get(
        "REMOTE_ADDR", ""
    )
    # Behind a proxy the address it saw is the last one it appended.
    return value.rsplit(",", 1)[-1].strip()


def is_cross_site(request: HttpRequest) -> bool:
    """Whether the browser says another site's page started this request.

    Beacons, comments, votes and subscriptions come from our own (cached, so
    CSRF-token-less) pages; a browser tells us when one did not.
    """
    if request.META.get("HTTP_SEC_FETCH_SITE", "same-origin") not in ("same-origin", "none"):
        return True
    origin = request.META.get("HTTP_ORIGIN")
    if origin and origin != "null":
        return urlsplit(origin).netloc != request.get_host()
    return False


def wants_json(request: HttpRequest) -> bool:
    """Whether the caller (a page's script, an API client) asked for JSON rather than a page."""
    accept = request.META.get("HTTP_ACCEPT", "")
    return "application/json" in accept or "application/problem+json" in accept


def submitted_data(request: HttpRequest):
    """A form's fields, or a JSON object's; None when the JSON is not an object."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return None
        return data if isinstance(data, dict) else None
    return request.POST


def signed_in_user(request: HttpRequest):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def no_store(status: int, *, allow: str = "") -> HttpResponse:
    """An empty answer nobody may cache (beacons); `allow` lists methods for a 405."""
    response = HttpResponse(status=status)
    response["Cache-Control"] = "no-store"
    if allow:
        response["Allow"] = allow
    return response


def small_body(request: HttpRequest, limit: int) -> bytes | int:
    """The body when it is at most `limit` bytes, without reading more than that; else the
    status to answer: 400 for a malformed Content-Length, 413 for a body too large."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 400
    if declared > limit:
        return 413
    body = request.read(limit + 1)
    return 413 if len(body) > limit else body
