from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "masthead.core"
    label = "core"
    verbose_name = "Operations"

    def ready(self):
        from . import signals
        from .services import sync_default_site

        # core has no models, so hang on the newsroom app's post_migrate (it owns the home page).
        post_migrate.connect(sync_default_site, dispatch_uid="masthead-sync-default-site")
        signals.connect()
        from django.conf import settings

        if settings.TASKS["default"]["BACKEND"].endswith("RQBackend"):
            # Imported only with RQ: it brings django_rq and rq (~15 MiB per process).
            from . import periodic, tasks_fallback

            # Tasks kept in the database while Redis was down go to the queue when it is back.
            periodic.register("tasks.requeue_spilled", tasks_fallback.requeue_spilled)
