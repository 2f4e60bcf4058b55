from django.conf import settings
from django.urls import include, path, re_path
from django.views.static import serve as serve_static
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from masthead.api.urls import urlpatterns as api_urlpatterns
from masthead.core import sites
from masthead.core.ops.prometheus import prometheus_metrics
from masthead.core.ops.readiness import readyz
from masthead.newsroom import syndication_urls
from masthead.newsroom.views import robots_txt

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("healthz", include("masthead.core.health")),
    path("readyz", readyz, name="readyz"),
    path("prometheus", prometheus_metrics, name="prometheus"),
    *api_urlpatterns,
    *syndication_urls.urlpatterns,
    path("", include("masthead.metrics.urls")),
    path("discussion/", include("masthead.discussion.urls")),
    path("reader/", include("masthead.readers.urls")),
    # Webhooks from an email service provider (bounces, complaints), through django-anymail.
    path("newsletters/esp/", include("anymail.urls")),
    path("newsletters/", include("masthead.newsletters.urls")),
    path("support/", include("masthead.support.urls")),
    path("ads/", include("masthead.ads.urls")),
    path("", include("masthead.newsroom.urls")),
    path("", include("masthead.core.urls")),
]

if settings.SERVE_MEDIA:
    urlpatterns.append(
        re_path(
            r"^media/(?P<path>.*)$",
            serve_static,
            {"document_root": settings.MEDIA_ROOT},
        )
    )

# Wagtail's own URLs, with its catch-all page view swapped for one that knows the
# request's site without a query (masthead.core.sites); the name stays the same
# because Wagtail reverses it for every page URL.
urlpatterns += [
    *(p for p in wagtail_urls.urlpatterns if getattr(p, "name", "") != "wagtail_serve"),
    re_path(wagtail_urls.serve_pattern, sites.serve, name="wagtail_serve"),
]

handler404 = "masthead.theme.views.page_not_found"
handler500 = "masthead.theme.views.server_error"
