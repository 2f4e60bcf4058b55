from django.conf import settings
from django.db import DatabaseError
from django.middleware.csp import ContentSecurityPolicyMiddleware as DjangoCSPMiddleware

GRAVATAR_ORIGIN = "https://gravatar.com"


class ContentSecurityPolicyMiddleware(DjangoCSPMiddleware):
    """Django's CSP middleware, with the admin's looser policy under /admin/.

    Public pages are held to nonces only; the Wagtail admin ships inline
    scripts and styles, so it gets settings.ADMIN_CSP instead.  A site that
    turns Gravatar on for comment avatars lets public pages load images from
    gravatar.com, and from no other third party.
    """

    def process_response(self, request, response):
        if not hasattr(response, "_csp_config"):
            if request.path.startswith("/admin/"):
                response._csp_config = settings.ADMIN_CSP
            elif _is_page(request, response) and _gravatar_enabled(request):
                policy = dict(settings.SECURE_CSP)
                policy["img-src"] = [*policy.get("img-src", ["'self'"]), GRAVATAR_ORIGIN]
                response._csp_config = policy
        return super().process_response(request, response)


def _is_page(request, response) -> bool:
    """A page that may show comments: beacons, errors and form answers never do."""
    return (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and response.get("Content-Type", "").startswith("text/html")
    )


def _gravatar_enabled(request) -> bool:
    from masthead.core.sites import current_site
    from masthead.discussion.models import DiscussionSettings

    try:
        if current_site(request) is None:
            return False
        return DiscussionSettings.for_request(request).gravatar_enabled
    except DatabaseError:
        return False  # an error page while the database is down keeps the strict policy
