from django.apps import AppConfig


class NewslettersConfig(AppConfig):
    name = "masthead.newsletters"
    label = "newsletters"
    verbose_name = "Newsletters"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from masthead.core import periodic
        from masthead.readers.registry import register

        from . import jobs, reader_data, sending
        from .models import Newsletter

        periodic.register("newsletters.expire_unconfirmed", jobs.expire_unconfirmed)
        periodic.register("newsletters.sending", sending.periodic)
        register(reader_data.provider)
        # The signup boxes on cached pages list the open newsletters.
        post_save.connect(jobs.lists_changed, sender=Newsletter, dispatch_uid="newsletters-saved")
        post_delete.connect(
            jobs.lists_changed, sender=Newsletter, dispatch_uid="newsletters-deleted"
        )
        # Bounces, complaints and unsubscribes reported by an ESP (django-anymail webhooks).
        from anymail.signals import tracking

        from .tracking import on_tracking

        tracking.connect(on_tracking, dispatch_uid="newsletters-esp-tracking")
