"""The view beacon, its noscript pixel, and the counts endpoint.

The beacon is on every article read, so it stays cheap: no template, no session,
no page cache, no database query in the common case (the article id is checked
against a set kept in memory and the view goes to the buffer).
"""

import base64
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from masthead.core.http import client_ip, is_cross_site, no_store, small_body

from . import selectors, services
from .bots import is_not_a_reader

MAX_BODY_BYTES = 512
MAX_COUNT_IDS = 50
_ID = re.compile(r"^[1-9][0-9]{0,17}$")
_DOMAIN = re.compile(
    r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$"
)
# Exactly what views.js sends (URLSearchParams keeps this order); anything else is refused.
_BEACON_BODY = re.compile(rb"^a=(?P<a>[0-9]{1,20})(?:&r=(?P<r>[A-Za-z0-9.-]{1,253}))?\Z")
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


_status = no_store


def _referrer_domain(raw: str, request: HttpRequest) -> str:
    domain = raw.strip().lower().removeprefix("www.")
    if not _DOMAIN.match(domain) or domain == request.get_host().split(":")[0].removeprefix("www."):
        return ""
    return domain


def _count(request: HttpRequest, article_id: str, referrer: str) -> HttpResponse | None:
    """Count the view, or answer the error; None means "counted or rightly ignored"."""
    if not _ID.match(article_id):
        return _status(400)
    if is_cross_site(request):
        return _status(403)
    pk = int(article_id)
    if not selectors.is_countable_article(pk):
        return _status(404)
    if is_not_a_reader(request):
        return None
    services.record_view(
        article_id=pk,
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:512],
        referrer=_referrer_domain(referrer, request),
    )
    return None


@csrf_exempt  # sendBeacon cannot send a token; cross-site beacons are refused by _cross_site
def beacon(request: HttpRequest) -> HttpResponse:
    """POST a=<article id>&r=<referring site's hostname>: count one view, answer 204."""
    if request.method != "POST":
        response = _status(405)
        response["Allow"] = "POST"
        return response
    body = small_body(request, MAX_BODY_BYTES)
    if isinstance(body, int):
        return _status(body)
    fields = _BEACON_BODY.match(body)
    if fields is None:
        return _status(400)
    return _count(request, fields["a"].decode(), (fields["r"] or b"").decode()) or _status(204)


def pixel(request: HttpRequest, article_id: str) -> HttpResponse:
    """The noscript fallback: GET /metrics/view/<id>.gif counts a view and answers a 1x1 GIF."""
    if request.method != "GET":
        response = _status(405)
        response["Allow"] = "GET"
        return response
    error = _count(request, article_id, "")
    if error is not None:
        return error
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    return response


def counts(request: HttpRequest) -> HttpResponse:
    """GET ?ids=1,2,3 -> {"1": 10283, ...}: the live counts for pages served from a cache."""
    if request.method not in ("GET", "HEAD"):
        response = _status(405)
        response["Allow"] = "GET, HEAD"
        return response
    raw = request.GET.get("ids", "")
    parts = raw.split(",") if raw else []
    if not parts or len(parts) > MAX_COUNT_IDS or not all(_ID.match(p) for p in parts):
        return JsonResponse(
            {"title": "Give ids=1,2,3 (at most 50 article ids).", "status": 400}, status=400
        )
    found = selectors.view_counts(sorted({int(p) for p in parts}))
    response = JsonResponse({str(pk): n for pk, n in found.items()})
    # Not cached by default: a reader who just read an article expects to find their view
    # in its count on the next page; a busy site behind a CDN may allow a few seconds.
    max_age = settings.MASTHEAD_VIEW_COUNTS_MAX_AGE
    response["Cache-Control"] = f"public, max-age={max_age}" if max_age > 0 else "no-store"
    return response
