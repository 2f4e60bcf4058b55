"""The Wagtail Site of a request, looked up once per content generation.

Wagtail finds the site with a query on every request and remembers it on
request._wagtail_site, which Site.find_for_request() reads first.  Sites change
only through edits that bump the content generation, so the lookup is kept per
generation and set on the request the first time something asks for it; paths
that never ask (health checks, beacons) never touch the database.
"""

from django.core.exceptions import DisallowedHost
from wagtail import views as wagtail_views
from wagtail.models import Site

from masthead.core.memo import per_generation


def _site_for(request) -> Site | None:
    site = Site._find_for_request(request)
    if site is not None:
        # Routing starts at the root page as its specific type; keep it resolved.
        site.root_page = site.root_page.specific
    return site


def current_site(request) -> Site | None:
    if request is None:
        return None
    if not hasattr(request, "_wagtail_site"):
        try:
            key = ("core:site", request.get_host(), request.get_port())
        except DisallowedHost:
            return Site.find_for_request(request)
        request._wagtail_site = per_generation(key, lambda: _site_for(request))
    return request._wagtail_site


def serve(request, path):
    """Wagtail's page view, with the request's site already known."""
    current_site(request)
    return wagtail_views.serve(request, path)
