"""Jobs the worker's scheduler runs every few seconds, contributed by each app.

An app registers a job from its AppConfig.ready(); `masthead worker` calls every
job on each tick (see services.start_scheduler).  A job must be cheap when there
is nothing to do, safe to run on several workers at once, and may raise: the
failure is reported and the next tick tries again.
"""

from collections.abc import Callable

_jobs: dict[str, Callable[[], object]] = {}


def register(name: str, job: Callable[[], object]) -> None:
    _jobs[name] = job


def jobs() -> list[tuple[str, Callable[[], object]]]:
    return list(_jobs.items())
