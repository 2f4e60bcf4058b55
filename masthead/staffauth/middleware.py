"""Holds staff at the door of the admin until their second factor is checked.

The password step stays Wagtail's login view (with django-axes' lockout); this
middleware only looks at requests that are already authenticated.  It runs in
process_view so the URL is resolved and exemptions are by URL name, not by string
matching on paths.
"""

from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.urls import reverse

from masthead.api.problems import problem_response

from . import policy

# Reachable before the second factor: leaving, and what the verify page itself loads.
ALWAYS_OPEN = frozenset(
    {
        "wagtailadmin_login",
        "wagtailadmin_logout",
        "wagtailadmin_javascript_catalog",
        "wagtailadmin_sprite",
    }
)
VERIFY = "staffauth:verify"
SETUP = "staffauth:setup"


def _wants_json(request) -> bool:
    if request.headers.get("x-requested-with") == "XMLHttpRequest":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _is_admin_path(request) -> bool:
    return request.path_info.startswith(reverse("wagtailadmin_home"))


class AdminTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not _is_admin_path(request):
            return None
        user = request.user
        if not policy.is_staff_user(user) or user.is_verified():
            return None
        match = request.resolver_match
        name = match.view_name if match else ""
        if name in ALWAYS_OPEN:
            return None
        if policy.has_authenticator(user):
            return None if name == VERIFY else self._send_to(request, VERIFY)
        if policy.is_required(user, request):
            return None if name == SETUP else self._send_to(request, SETUP)
        return None

    def _send_to(self, request, view_name):
        if _wants_json(request):
            return problem_response(
                403, "Two-factor sign-in must be completed in the admin before this request."
            )
        url = reverse(view_name)
        if request.method in ("GET", "HEAD"):
            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        return HttpResponseRedirect(url)
