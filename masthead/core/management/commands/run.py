import os
import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand

from masthead.core import services


def _interrupt(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Migrate, load the demo if the database is empty, then serve with a worker alongside."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000", help="HOST:PORT")
        parser.add_argument("--no-demo", action="store_true")

    def handle(self, *args, bind, no_demo, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if not no_demo:
            call_command("demo", if_empty=True)
        services.ensure_static_collected()
        from masthead.newsroom.demo.accounts import login_banner

        self.stdout.write(login_banner(bind=bind))
        # Stopped by a service manager (SIGTERM) as by Ctrl-C: the server and the
        # worker go down with it instead of living on as orphans.
        signal.signal(signal.SIGTERM, _interrupt)
        masthead = [sys.executable, "-m", "masthead.cli"]
        worker = subprocess.Popen([*masthead, "worker"], env=os.environ.copy())
        server = subprocess.Popen([*masthead, "serve", "--bind", bind], env=os.environ.copy())
        try:
            server.wait()
        except KeyboardInterrupt:
            server.send_signal(signal.SIGINT)
            server.wait()
        finally:
            worker.terminate()
            worker.wait(timeout=15)
