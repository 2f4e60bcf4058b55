"""Liveness: the cheapest answer the production server can give through Django.

It touches neither the database nor the cache, so a load balancer polling it
measures the process, and `make bench` uses it as the floor that every other
page is compared to.  Readiness (database, cache, task queue) is /readyz, in
masthead.core.ops.readiness: a dependency's outage must not get a live process killed.
"""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_safe


@require_safe
def healthz(request):
    response = HttpResponse("ok", content_type="text/plain; charset=utf-8")
    # Nothing may store a liveness answer: a cached "ok" would hide a dead process.
    response["Cache-Control"] = "no-store"
    return response


# Included by masthead/urls.py at "healthz", so the route lives with the view.
urlpatterns = [path("", healthz, name="healthz")]
