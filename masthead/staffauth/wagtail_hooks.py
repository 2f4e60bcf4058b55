from django.urls import include, path, reverse
from wagtail import hooks

from . import admin_urls


@hooks.register("register_admin_urls")
def register_staffauth_urls():
    return [path("two-factor/", include(admin_urls, namespace="staffauth"))]


@hooks.register("register_account_menu_item")
def two_factor_account_item(request):
    return {
        "url": reverse("staffauth:overview"),
        "label": "Two-factor sign-in",
        "help_text": "Ask for a code from an authenticator app after your password.",
    }
