from django.apps import AppConfig


class PortingConfig(AppConfig):
    name = "masthead.porting"
    label = "porting"
    verbose_name = "Import and export"
    default_auto_field = "django.db.models.BigAutoField"
