"""The /api/v1/ mount point: ninja's URLs, wrapped so that every answer is API-shaped."""

from functools import wraps

from django.http import Http404, HttpResponseNotAllowed
from django.urls import URLPattern, include, path, re_path
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt

from .docs import docs_asset
from .problems import problem_response
from .v1 import api

# Short: articles change (corrections, new stories) and clients should see it soon.
PUBLIC_MAX_AGE = 60


def api_view(view):
    """Problem details where ninja answers outside its handlers (405, its root 404);
    Cache-Control on successful GETs (no API answer depends on who asks)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        # ninja routes HEAD nowhere; HTTP says it is GET without the body.
        head = request.method == "HEAD"
        if head:
            request.method = "GET"
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return problem_response(404, "No such resource.")
        finally:
            if head:
                request.method = "HEAD"
        if head and not response.streaming:
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        if isinstance(response, HttpResponseNotAllowed):
            return problem_response(
                405,
                f"{request.method} is not allowed here.",
                headers={"Allow": response["Allow"]},
            )
        # A handler that set Cache-Control itself (no-store on a form token) knows better.
        if (
            request.method in ("GET", "HEAD")
            and response.status_code == 200
            and not response.has_header("Cache-Control")
        ):
            patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
        return response

    wrapped.csrf_exempt = getattr(view, "csrf_exempt", False)
    return wrapped


@csrf_exempt  # it only ever answers 404; without this a POST got Django's HTML CSRF page
def unknown_path(request, rest=""):
    return problem_response(404, "No such resource.")


def _wrapped(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = api_view(pattern.callback)
    return patterns


_ninja_patterns, _app_name, _namespace = api.urls

urlpatterns = [
    path("api/v1/docs/assets/<str:name>", docs_asset, name="api-docs-asset"),
    path("api/v1/", include((_wrapped(_ninja_patterns), _app_name), namespace=_namespace)),
    re_path(r"^api/(?P<rest>[\s\S]*)$", unknown_path),  # any path, newlines included
]
