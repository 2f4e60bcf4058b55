"""Readiness: whether this app server can do its work, for a load balancer or orchestrator.

/healthz says the process answers; /readyz says what it depends on answers too:
the database (and the replica when there is one), the shared cache, and the task
queue.  Each check runs in a small thread pool and is given CHECK_SECONDS: a hung
Redis or PostgreSQL makes the probe answer 503 on time instead of hanging it.  A
check still stuck in the pool keeps its thread until its socket gives up; the pool
is bounded, so a dependency that hangs for long makes later checks time out in the
queue instead of piling up threads.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.http import HttpResponse
from django.views.decorators.http import require_safe

from masthead.api.problems import problem_response

logger = logging.getLogger(__name__)

CHECK_SECONDS = 2.0
POOL_THREADS = 6
# user:password@ in a URL, or password=... in a DSN: never repeated to the caller.
_SECRETS = re.compile(r"(?P<scheme>\w[\w+.-]*://)[^/@\s]*@|(?P<key>password\s*=\s*)\S+", re.I)

_pool_lock = threading.Lock()
_pool: tuple[int, ThreadPoolExecutor] | None = None


def _executor() -> ThreadPoolExecutor:
    """The process's check pool; a forked child builds its own (threads do not survive fork)."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid():
            _pool = (
                os.getpid(),
                ThreadPoolExecutor(max_workers=POOL_THREADS, thread_name_prefix="readyz"),
            )
        return _pool[1]


def describe(exc: BaseException) -> str:
    """Why a check failed, in one line without credentials."""
    text = " ".join(str(exc).split()) or "no detail"
    text = _SECRETS.sub(lambda m: f"{m['scheme']}***@" if m["scheme"] else f"{m['key']}***", text)
    return f"{type(exc).__name__}: {text[:200]}"


def check_database() -> None:
    aliases = ["default", *(["replica"] if "replica" in settings.DATABASES else [])]
    for alias in aliases:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except Exception as exc:
            raise RuntimeError(f"{alias}: {describe(exc)}") from exc
        finally:
            # The pool's threads are not request threads: nothing else closes their connections.
            connections[alias].close()


def check_cache() -> None:
    cache = caches["default"]
    ping = getattr(cache, "ping", None)
    if ping is not None:  # ResilientRedisCache swallows errors in set/get; ping names them
        ping()
    key = f"readyz:{uuid.uuid4().hex}"
    value = uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    try:
        if cache.get(key) != value:
            raise RuntimeError("a value written to the cache could not be read back")
    finally:
        cache.delete(key)


def check_queue() -> None:
    backend = settings.TASKS["default"]["BACKEND"]
    if backend.endswith("RQBackend"):
        import django_rq

        connection = django_rq.get_connection("default")
        # Connections made from here on give up on a dead or hung Redis in time.
        connection.connection_pool.connection_kwargs.update(
            socket_connect_timeout=CHECK_SECONDS, socket_timeout=CHECK_SECONDS
        )
        try:
            connection.ping()
        finally:
            connection.close()
    elif backend == "django_tasks_db.DatabaseBackend":
        from django_tasks_db.models import DBTaskResult

        try:
            DBTaskResult.objects.exists()
        finally:
            connections[DBTaskResult.objects.db].close()
    # Any other backend (tests' immediate backend) has nothing to reach.


CHECKS = {"database": check_database, "cache": check_cache, "queue": check_queue}


def run_checks(timeout: float | None = None) -> dict[str, str]:
    """Every check's outcome: "ok", or why it failed (timeouts included)."""
    timeout = CHECK_SECONDS if timeout is None else timeout
    executor = _executor()
    deadline = time.monotonic() + timeout
    # Each in a copy of this context, so what a check logs names the probe's request id.
    futures = {
        name: executor.submit(contextvars.copy_context().run, check)
        for name, check in CHECKS.items()
    }
    outcomes = {}
    for name, future in futures.items():
        try:
            # The checks run together: the probe as a whole takes at most `timeout`.
            future.result(timeout=max(0.0, deadline - time.monotonic()))
            outcomes[name] = "ok"
        except FutureTimeout:
            future.cancel()
            outcomes[name] = f"no answer within {timeout:g} s"
        except Exception as exc:
            outcomes[name] = str(exc) if name == "database" else describe(exc)
    return outcomes


@require_safe
def readyz(request):
    outcomes = run_checks()
    failing = {name: why for name, why in outcomes.items() if why != "ok"}
    if not failing:
        body = json.dumps({"status": "ok", "checks": outcomes})
        response = HttpResponse(body, content_type="application/json")
    else:
        logger.warning("not ready: %s", failing)
        response = problem_response(
            503,
            "Not ready: " + "; ".join(f"{name}: {why}" for name, why in failing.items()),
            headers={"Retry-After": "5"},
        )
        # Alongside the RFC 9457 members: each check by name, as the 200 answer has them.
        payload = json.loads(response.content)
        payload["checks"] = outcomes
        response.content = json.dumps(payload)
    response["Cache-Control"] = "no-store"
    return response
