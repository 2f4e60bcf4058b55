import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand

from masthead.core import services


class Command(BaseCommand):
    help = "Run background tasks and scheduled publishing until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--schedule-interval", type=float, default=5.0)

    def handle(self, *args, schedule_interval, **options):
        stop = threading.Event()
        services.start_scheduler(interval=schedule_interval, stop=stop)
        try:
            call_command("db_worker", interval=1.0)
        finally:
            stop.set()
