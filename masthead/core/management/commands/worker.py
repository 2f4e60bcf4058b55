import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from masthead.core import rqworker, services


def uses_rq() -> bool:
    return settings.TASKS["default"]["BACKEND"].endswith("RQBackend")


class Command(BaseCommand):
    help = (
        "Run background tasks and the periodic jobs (scheduled publishing, counters, "
        "newsletter sending) until stopped.  SIGTERM lets the current task finish."
    )

    def add_arguments(self, parser):
        parser.add_argument("--schedule-interval", type=float, default=5.0)
        parser.add_argument(
            "--burst", action="store_true", help="run what is queued now, then exit"
        )
        parser.add_argument(
            "--queue",
            action="append",
            dest="queues",
            help="queue to work (repeatable; default: every queue of the task backend)",
        )
        rq = parser.add_argument_group("RQ task queue (TASK_QUEUE_URL or a redis:// CACHE_URL)")
        rq.add_argument(
            "--heartbeat",
            type=int,
            default=rqworker.HEARTBEAT,
            help="seconds between renewals of a running task's lease",
        )
        rq.add_argument(
            "--lease-grace",
            type=int,
            default=rqworker.GRACE,
            help="seconds a lease outlives its last renewal (then its worker counts as dead)",
        )
        rq.add_argument(
            "--maintenance-interval",
            type=int,
            default=rqworker.MAINTENANCE,
            help="seconds between looks for tasks of dead workers",
        )
        rq.add_argument("--name", help="worker name (default: host and pid)")

    def handle(self, *args, schedule_interval, burst, queues, **options):
        stop = threading.Event()
        services.start_scheduler(interval=schedule_interval, stop=stop)
        try:
            if uses_rq():
                rqworker.run(
                    queues or list(settings.TASKS["default"]["QUEUES"]),
                    burst=burst,
                    heartbeat=options["heartbeat"],
                    grace=options["lease_grace"],
                    maintenance=options["maintenance_interval"],
                    name=options["name"],
                    logging_level=["WARNING", "INFO", "DEBUG"][min(options["verbosity"], 2)],
                )
            else:
                db_options = {"interval": 1.0, "batch": burst}
                if queues:
                    db_options["queue_name"] = ",".join(queues)
                call_command("db_worker", **db_options)
        finally:
            stop.set()
