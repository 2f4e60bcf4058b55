"""The RQ task backend, with a table as its fallback while Redis is down.

A task enqueued while Redis cannot take it (often from transaction.on_commit, after
the request's data is committed) is written to django_tasks_db's table instead of
failing the request; the worker's periodic job `tasks.requeue_spilled` moves such
rows to RQ once Redis answers again.  Tasks are written to be safe to run twice, so
a crash between the move and the row's deletion costs at most one repeat.

The rows are written and read here, not through django_tasks_db's backend: that
backend takes Django's own Task class, and tasks under django-tasks-rq are the
django_tasks package's.  No db_worker runs these rows.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.module_loading import import_string
from django_tasks.base import TaskResult, TaskResultStatus
from django_tasks_rq.backend import RQBackend

logger = logging.getLogger(__name__)

REQUEUE_BATCH = 100


class FallbackRQBackend(RQBackend):
    def enqueue(self, task, args, kwargs):
        import redis

        try:
            return super().enqueue(task, args, kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as error:
            logger.warning(
                "task queue unavailable (%s); %s kept in the database until it is back",
                error,
                task.module_path,
            )
            return self._spill(task, args, kwargs)

    def _spill(self, task, args, kwargs) -> TaskResult:
        from django.utils.json import normalize_json
        from django_tasks_db.models import DBTaskResult, get_date_max

        self.validate_task(task)
        row = DBTaskResult.objects.create(
            args_kwargs=normalize_json({"args": list(args), "kwargs": kwargs}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=task.run_after or get_date_max(),
            backend_name=self.alias,
        )
        return TaskResult(
            task=task,
            id=str(row.id),
            status=TaskResultStatus.READY,
            enqueued_at=row.enqueued_at,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=list(args),
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )


def requeue_spilled(backend=None) -> int:
    """Move tasks kept in the database during an outage to RQ; returns how many moved.
    Safe on several workers at once (rows are locked and skipped)."""
    from django.tasks import task_backends
    from django_tasks_db.models import DBTaskResult, get_date_max

    backend = backend or task_backends["default"]
    if not isinstance(backend, FallbackRQBackend):
        return 0
    moved = 0
    with transaction.atomic():
        rows = list(
            DBTaskResult.objects.filter(backend_name=backend.alias, status=TaskResultStatus.READY)
            .select_for_update(skip_locked=True)
            .order_by("enqueued_at")[:REQUEUE_BATCH]
        )
        for row in rows:
            task = import_string(row.task_path).using(
                priority=row.priority,
                queue_name=row.queue_name,
                run_after=None if row.run_after == get_date_max() else row.run_after,
            )
            # Straight to RQ: a failure here leaves the rows for the next tick.
            RQBackend.enqueue(backend, task, row.args_kwargs["args"], row.args_kwargs["kwargs"])
            row.delete()
            moved += 1
    if moved:
        logger.warning("moved %d task(s) kept during a task queue outage to the queue", moved)
    return moved
