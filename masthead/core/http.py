"""Facts about a request that several apps need, read one way everywhere."""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest

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
