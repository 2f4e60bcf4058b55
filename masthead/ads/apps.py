from django.apps import AppConfig


class AdsConfig(AppConfig):
    name = "masthead.ads"
    label = "ads"
    verbose_name = "Advertising"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from masthead.metrics import services

        from . import counting

        # Impressions and clicks flush with the views: on the server's flusher thread,
        # at its exit, and on the worker's schedule.  Each flush also prunes expired
        # claims and old cap rows, so no job of its own is needed.
        services.register_flush("ads", counting.flush_ads)

        from masthead.core import periodic

        from .schedule import watch_schedule

        # Starts, ends and filled daily caps change what pages show without a save.
        periodic.register("ads.watch_schedule", watch_schedule)
