import os

from django.conf import settings
from django.core.management.base import BaseCommand

from masthead.core import services


class Command(BaseCommand):
    help = "Serve the site with the production app server (granian or gunicorn, WSGI)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000", help="HOST:PORT")
        parser.add_argument(
            "--server",
            choices=services.SERVERS,
            default=services.DEFAULT_SERVER,
            help=f"app server (default {services.DEFAULT_SERVER}, chosen by `make bench`)",
        )
        parser.add_argument("--workers", type=int, default=services.default_worker_count())
        parser.add_argument("--threads", type=int, default=int(os.environ.get("THREADS", "4")))

    def handle(self, *args, bind, server, workers, threads, **options):
        services.ensure_static_collected()
        if settings.PROMETHEUS_ENABLED:
            from masthead.core.ops.prometheus import prepare_multiprocess_dir

            # Before the workers exist: this run's counters start from empty files, and
            # PROMETHEUS_MULTIPROC_DIR is in the environment every worker inherits.
            prepare_multiprocess_dir()
        argv = services.server_command(bind=bind, workers=workers, threads=threads, server=server)
        # exec: the server replaces this process, so signals reach it directly.
        os.execv(argv[0], argv)
