from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_urls


@hooks.register("register_admin_urls")
def register_readership_urls():
    return [path("readership/", include(admin_urls, namespace="metrics_admin"))]


@hooks.register("register_admin_menu_item")
def register_readership_menu_item():
    return MenuItem("Readership", reverse("metrics_admin:dashboard"), icon_name="view", order=250)
