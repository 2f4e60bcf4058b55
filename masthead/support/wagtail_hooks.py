from wagtail import hooks

from .viewsets import SupportMenu


@hooks.register("register_admin_viewset")
def register_support_menu():
    return SupportMenu()
