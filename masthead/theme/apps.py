from django.apps import AppConfig


class ThemeConfig(AppConfig):
    name = "masthead.theme"
    label = "theme"
