import signal
import threading

from django.core.management.base import BaseCommand
from django.db.backends.signals import connection_created

from masthead.newsletters import sending


class Command(BaseCommand):
    help = (
        "Send newsletter issues in the foreground: start scheduled issues when due, "
        "take back deliveries of dead senders, and send what is queued."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once",
            action="store_true",
            help="Exit once no issue is left sending (retries and reclaimed rows included).",
        )
        parser.add_argument(
            "--concurrency",
            type=int,
            default=1,
            help="Senders (threads), each with its own SMTP connection.",
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between idle checks."
        )

    def handle(self, *args, once, concurrency, interval, **options):
        connection_created.connect(_small_page_cache, dispatch_uid="newsletters-sender-cache")
        stop = threading.Event()

        def graceful(signum, frame):
            stop.set()

        signal.signal(signal.SIGTERM, graceful)
        signal.signal(signal.SIGINT, graceful)
        sent = sending.run(
            concurrency=max(concurrency, 1), until_done=once, stop=stop, idle_seconds=interval
        )
        if options["verbosity"]:
            self.stdout.write(f"{sent} messages sent")


def _small_page_cache(sender, connection, **kwargs):
    """A sender reads rows by index and writes single rows: SQLite's 20 MB page cache
    per connection (settings.py, sized for the web server) would only make each of
    its threads' memory grow with the size of the list."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size=-2000")
