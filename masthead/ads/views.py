"""The slots' list (slots.json) and the sandboxed document a third-party tag runs in."""

import re

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_safe

from masthead.api.problems import problem_response

from . import serving
from .models import AdsSettings, Creative

_ID = r"[1-9][0-9]{0,17}"
_IDS = re.compile(rf"{_ID}(?:,{_ID}){{0,{serving.MAX_PLACEMENTS - 1}}}")
_SECTION = re.compile(rf"(?:{_ID})?")

# The tag's document runs the advertiser's scripts, so it is sandboxed by its own policy
# as well as by the iframe's attribute: without allow-same-origin its origin is opaque,
# even when opened as a top-level page, so it can never read this site's cookies or
# storage.  Inside that box the tag may load what it wants.
FRAME_CSP = (
    "sandbox allow-scripts allow-popups allow-popups-to-escape-sandbox; "
    "default-src * data: blob: 'unsafe-inline' 'unsafe-eval'"
)


@require_safe
def slots(request: HttpRequest) -> HttpResponse:
    """GET ?p=<placement ids>&s=<section id or empty>: the creatives each slot may show."""
    placements = request.GET.get("p", "")
    section = request.GET.get("s", "")
    if not _IDS.fullmatch(placements):
        return problem_response(
            400, f"p must list 1 to {serving.MAX_PLACEMENTS} placement ids, comma-separated."
        )
    if not _SECTION.fullmatch(section):
        return problem_response(400, "s must be a section id or empty.")
    ads = AdsSettings.for_request(request)
    body = serving.slots_json(
        [int(pk) for pk in placements.split(",")],
        int(section) if section else None,
        ads,
        site_id=ads.site_id,
    )
    response = HttpResponse(body, content_type="application/json")
    # The same answer for every reader: shared caches and the browser may keep it.
    response["Cache-Control"] = f"public, max-age={settings.MASTHEAD_AD_SLOTS_MAX_AGE}"
    return response


@require_GET
def frame(request: HttpRequest, creative_id: int) -> HttpResponse:
    """The document a third-party tag runs in, inside the slot's sandboxed iframe."""
    if not AdsSettings.for_request(request).allow_third_party_tags:
        raise Http404
    creative = (
        Creative.objects.filter(pk=creative_id, kind=Creative.Kind.TAG, active=True)
        .exclude(tag="")
        .first()
    )
    if creative is None:
        raise Http404
    response = HttpResponse(render_to_string("ads/frame.html", {"tag": creative.tag}))
    # Set here, so the site's CSP middleware (which keeps a header a view set) leaves it.
    response["Content-Security-Policy"] = FRAME_CSP
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return response
