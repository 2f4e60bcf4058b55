from wagtail import hooks

from .viewsets import AdvertisingMenu


@hooks.register("register_admin_viewset")
def register_advertising_menu():
    return AdvertisingMenu()
