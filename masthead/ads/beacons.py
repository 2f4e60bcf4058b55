"""The impression beacon and the signed click redirect.

Both are on every ad a reader sees or follows, so they stay cheap: the beacon checks
its ids against a memo of creatives (no query per beacon) and buffers the impression;
counting happens at flush time (masthead.ads.counting).
"""

import re
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from masthead.core.http import client_ip, is_cross_site, no_store, small_body
from masthead.metrics.bots import is_not_a_reader

from . import counting
from .links import unsign_click
from .models import Creative

MAX_BODY_BYTES = 256
# Exactly what ads.js sends; anything else is refused.
_BEACON_BODY = re.compile(rb"^c=([0-9]{1,18})&p=([0-9]{1,18})\Z")

_HOUSE_TARGETS = {
    Creative.HouseTarget.DONATE: "support:page",
    Creative.HouseTarget.NEWSLETTER: "newsletters:signup",
}


_status = no_store


def _not_allowed(allow: str) -> HttpResponse:
    return no_store(405, allow=allow)


def _user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:512]


@csrf_exempt  # sendBeacon cannot send a token; cross-site beacons are refused below
def impression(request: HttpRequest) -> HttpResponse:
    """POST c=<creative id>&p=<placement id>: count one viewable impression, answer 204."""
    if request.method != "POST":
        return _not_allowed("POST")
    body = small_body(request, MAX_BODY_BYTES)
    if isinstance(body, int):
        return _status(body)
    fields = _BEACON_BODY.match(body)
    if fields is None:
        return _status(400)
    if is_cross_site(request):
        return _status(403)
    creative_id, placement_id = int(fields[1]), int(fields[2])
    # Only unknown ids are refused: a cached page may still show an ad whose campaign
    # ended or was paused a moment ago, and what was shown is counted.
    known = counting.known_creative(creative_id)
    if known is None or placement_id not in known.placement_ids:
        return _status(404)
    if not is_not_a_reader(request):
        counting.record_impression(
            creative_id=creative_id,
            campaign_id=known.campaign_id,
            placement_id=placement_id,
            ip=client_ip(request),
            user_agent=_user_agent(request),
        )
    return _status(204)


def _destination(creative: Creative) -> str | None:
    """Where a click on `creative` goes now; None when it has no click link (tags)."""
    if creative.kind == Creative.Kind.HOUSE:
        name = _HOUSE_TARGETS.get(creative.house_target)
        return reverse(name) if name else "/"
    if creative.kind == Creative.Kind.TAG:
        return None
    # link_url is validated when saved; checked again here because this is what makes the
    # endpoint an open redirect or not, whatever reached the database.
    url = creative.link_url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "/"
    return url


def click(request: HttpRequest, token: str) -> HttpResponse:
    """GET /ads/c/<signed creative.placement>/: count a click, redirect to the ad's link."""
    if request.method not in ("GET", "HEAD"):
        return _not_allowed("GET, HEAD")
    ids = unsign_click(token)
    if ids is None:
        return _status(404)
    creative_id, placement_id = ids
    creative = Creative.objects.filter(pk=creative_id).first()
    if creative is None:
        # A dead ad on a cached page or in an old newsletter: take the reader home.
        response = HttpResponseRedirect("/")
    else:
        destination = _destination(creative)
        if destination is None:
            return _status(404)
        response = HttpResponseRedirect(destination)
        if destination != "/" and not is_not_a_reader(request):
            counting.record_click(
                creative_id=creative.pk,
                campaign_id=creative.campaign_id,
                placement_id=placement_id,
                ip=client_ip(request),
                user_agent=_user_agent(request),
            )
    response["Cache-Control"] = "no-store"
    # Advertisers see that the click came from this site, not from which article.
    response["Referrer-Policy"] = "strict-origin-when-cross-origin"
    return response
