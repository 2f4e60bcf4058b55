"""Interactive API docs served entirely from this site.

django-ninja ships a Swagger UI build; ninja's own template only uses it
when "ninja" is an installed app and otherwise pulls Swagger UI from a CDN,
which our content security policy forbids.  So the docs page is rendered
from our own template and the few asset files are served from ninja's
package directory by a view that knows them by name.
"""

from pathlib import Path

import ninja
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from ninja import NinjaAPI
from ninja.openapi.docs import DocsBase

from .problems import problem_response

ASSET_DIR = Path(ninja.__file__).parent / "static" / "ninja"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-bundle.js.map": "application/json",
    "swagger-ui-init.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "swagger-ui.css.map": "application/json",
    "favicon.svg": "image/svg+xml",
    "favicon.png": "image/png",
}
ASSET_MAX_AGE = 24 * 60 * 60


class SelfHostedSwagger(DocsBase):
    """Swagger UI from local files; no request leaves the site."""

    settings = {
        "layout": "BaseLayout",
        "deepLinking": True,
        # Swagger UI otherwise sends the whole schema to validator.swagger.io.
        "validatorUrl": None,
    }

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        return render(
            request,
            "api/docs.html",
            {
                "api": api,
                "swagger_settings": settings,
                "css_url": _asset_url("swagger-ui.css"),
                "bundle_url": _asset_url("swagger-ui-bundle.js"),
                "init_url": _asset_url("swagger-ui-init.js"),
                "favicon_url": _asset_url("favicon.svg"),
            },
        )


def _asset_url(name: str) -> str:
    return reverse("api-docs-asset", kwargs={"name": name})


def docs_asset(request: HttpRequest, name: str) -> HttpResponse:
    content_type = ASSETS.get(name)
    if content_type is None:
        return problem_response(404, "No such resource.")
    response = FileResponse((ASSET_DIR / name).open("rb"), content_type=content_type)
    patch_cache_control(response, public=True, max_age=ASSET_MAX_AGE)
    return response
