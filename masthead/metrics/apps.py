from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "masthead.metrics"
    label = "metrics"
    verbose_name = "Readership"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the receivers)
