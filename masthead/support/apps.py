from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "masthead.support"
    label = "support"
    verbose_name = "Reader support"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from masthead.readers.registry import register

        from . import reader_data

        register(reader_data.provider)
