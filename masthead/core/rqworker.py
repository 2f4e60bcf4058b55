"""The RQ side of `masthead worker`: the queue's worker, tuned so that a task whose worker
died is run again, once, within about a minute.

How a job survives a killed worker.  RQ's worker forks a "horse" per job and,
while it runs, renews the job's entry in the StartedJobRegistry every
`job_monitoring_interval` seconds.  When the whole worker dies the renewals stop;
once the entry's score (its lease) passes, the next registry maintenance of any
worker (StartedJobRegistry.cleanup) treats the job as abandoned: it retries it
when the job has retries left, otherwise it moves it to the FailedJobRegistry.
django-tasks-rq enqueues every job without retries, so this worker gives a job
one retry when it starts its first run (kept in job.meta, so the second run gets
none): an abandoned first run is queued again, an abandoned second run fails.
A task that raises is not retried (as with the database backend); only a worker
or horse that vanished mid-job causes the second run.

RQ's defaults put that second run 60 s after the lease and up to 10 minutes later
again (its maintenance interval, and an idle worker blocks on the queue for
worker_ttl - 15 s before looking); the lease grace and intervals here are short.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal

from rq import Worker
from rq.job import Job

log = logging.getLogger(__name__)

RUNS_META = "masthead_runs"  # how many times a worker has started this job

# Defaults for `masthead worker` (seconds): the horse's lease is renewed every
# HEARTBEAT and lapses GRACE later; idle workers look for abandoned jobs every
# MAINTENANCE.  A killed worker's job runs again within about their sum.
HEARTBEAT = 10
GRACE = 20
MAINTENANCE = 15


class MastheadWorker(Worker):
    """RQ's forking worker with short leases and one retry for an abandoned first run."""

    def __init__(
        self,
        *args,
        lease_grace: int = GRACE,
        maintenance_interval: int = MAINTENANCE,
        **kwargs,
    ):
        # An idle worker blocks on the queue for worker_ttl - 15 s and only runs
        # maintenance between two waits: the wait must not outlast the interval.
        kwargs.setdefault("worker_ttl", maintenance_interval + 15)
        super().__init__(*args, maintenance_interval=maintenance_interval, **kwargs)
        self.lease_grace = lease_grace

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        interval = self.job_monitoring_interval
        if job.timeout and job.timeout > 0:
            interval = min(job.timeout - working_time, interval)
        return max(int(interval), 1) + self.lease_grace

    def prepare_execution(self, job: Job):
        runs = int(job.meta.get(RUNS_META, 0))
        job.meta[RUNS_META] = runs + 1
        # Stored before the job is marked started, so whoever cleans up after a
        # dead worker reads it: one retry for a first run, none after.
        job.retries_left = 1 if runs == 0 else 0
        self.connection.hset(
            job.key, mapping={"meta": job._serialize_meta(), "retries_left": job.retries_left}
        )
        return super().prepare_execution(job)

    def handle_job_failure(self, job: Job, queue, *args, **kwargs):
        if self.is_horse:
            # The task itself failed (raised, or ran out of time inside the horse):
            # not a lost worker, so no second run.
            job.retries_left = 0
        return super().handle_job_failure(job, queue, *args, **kwargs)

    def run_maintenance_tasks(self):
        if self._stop_requested:  # warm shutdown: don't restart the scheduler on the way out
            return
        return super().run_maintenance_tasks()

    def fork_work_horse(self, job: Job, queue):
        self._parent_pid = os.getpid()
        return super().fork_work_horse(job, queue)

    def main_work_horse(self, job: Job, queue):
        _die_with_parent(self._parent_pid)
        return super().main_work_horse(job, queue)


def _die_with_parent(parent_pid: int) -> None:
    """Have the kernel SIGKILL this horse if its worker dies.

    RQ puts the horse in its own process group, so a worker killed with its group
    (a container stopped, `kill -9 -PGID`) would leave the horse running the job
    while another worker, seeing the lease lapse, runs it again: both at once.
    """
    pr_set_pdeathsig = 1
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the horse may outlive its worker
        return
    if os.getppid() != parent_pid:  # the worker died before prctl took effect
        os._exit(1)


def run(
    queue_names: list[str],
    *,
    burst: bool,
    with_scheduler: bool = True,
    heartbeat: int = HEARTBEAT,
    grace: int = GRACE,
    maintenance: int = MAINTENANCE,
    name: str | None = None,
    logging_level: str = "INFO",
) -> bool:
    """Work the queues until SIGTERM/SIGINT (warm: the current job finishes) or, with
    `burst`, until they are empty.  Returns whether any job ran."""
    from django.db import connections
    from django_rq.queues import get_queues
    from django_rq.workers import get_exception_handlers
    from django_tasks_rq.backend import Job as TaskJob

    queues = get_queues(*queue_names, job_class=TaskJob)
    worker = MastheadWorker(
        queues,
        connection=queues[0].connection,
        job_class=TaskJob,
        queue_class=type(queues[0]),
        name=name,
        job_monitoring_interval=heartbeat,
        lease_grace=grace,
        maintenance_interval=maintenance,
        exception_handlers=get_exception_handlers() or None,
    )
    # Horses are forked from this process: none may inherit an open connection.
    for connection in connections.all(initialized_only=True):
        connection.close()
    # RQ's scheduler moves run_after (deferred) jobs to the queue when due; one
    # worker holds its lock at a time, another takes over if that one dies.
    return worker.work(burst=burst, with_scheduler=with_scheduler, logging_level=logging_level)
