"""`masthead worker` on the RQ queue in Redis, as real processes on PostgreSQL + Redis.

A task enqueued anywhere runs on a worker; SIGTERM lets the running task finish;
a worker killed mid-task (SIGKILL to its process group) has the task run again,
once, by another worker; a newsletter send is shared by two workers and every
subscriber gets exactly one email.

The tasks of this module run inside the workers (they import it through
PYTHONPATH) and count their runs in Redis, which the test reads directly.
"""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import threading
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.tasks import task

from . import harness

ROOT = Path(__file__).resolve().parents[2]
# Short leases and checks, so a dead worker's task is taken up within seconds.
FAST = (
    "--heartbeat",
    "1",
    "--lease-grace",
    "2",
    "--maintenance-interval",
    "1",
    "--schedule-interval",
    "1",
)
TIMEOUT = 120  # includes starting a worker on a machine that may be busy


@task
def count_run(*, key: str, seconds: float = 0.0) -> int:
    """Count a start, take `seconds`, count a finish (in the queue's Redis)."""
    from django.conf import settings

    counter = redis.Redis.from_url(settings.TASK_QUEUE_URL)
    counter.incr(f"{key}:started")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.05)
    counter.incr(f"{key}:finished")
    return 1


@pytest.fixture(scope="module")
def queue_redis(deployment):
    client = redis.Redis.from_url(deployment.redis_url)
    yield client
    client.close()


@pytest.fixture
def workers(deployment):
    """Start workers that can import this module; all are stopped after the test."""
    started = []

    def start(name: str, *argv: str, **env) -> harness.Process:
        # PYTHONFAULTHANDLER: a worker that hangs can be made to show where (see wait).
        process = deployment.start_worker(
            name, *argv, PYTHONPATH=str(ROOT), PYTHONFAULTHANDLER="1", **env
        )
        started.append(process)
        return process

    yield start
    failed = False
    for process in started:
        if process.alive():
            process.stop()
        failed = failed or process.popen.returncode not in (0, -signal.SIGKILL)
    if failed:
        print(deployment.logs())


def wait(deployment, condition, *, what: str, timeout: float = TIMEOUT) -> None:
    """harness.wait_until; on timeout, a worker that has logged nothing yet (stuck while
    starting) is sent SIGABRT so that its threads' stacks land in its log."""
    try:
        harness.wait_until(condition, what=what, timeout=timeout)
    except BaseException:
        for process in deployment.processes:
            if process.alive() and not process.output():
                os.kill(process.popen.pid, signal.SIGABRT)
                time.sleep(2)
        print(deployment.logs())
        raise


def enqueue(deployment, key: str, seconds: float = 0.0) -> str:
    """Enqueue count_run from an admin process (as an app server would); returns the job id."""
    out = deployment.python(
        "from tests.scale.test_workers import count_run\n"
        f"print(count_run.enqueue(key={key!r}, seconds={seconds}).id)",
        PYTHONPATH=str(ROOT),
    )
    return out.strip().splitlines()[-1]


def runs(client: redis.Redis, key: str) -> tuple[int, int]:
    started, finished = client.mget(f"{key}:started", f"{key}:finished")
    return int(started or 0), int(finished or 0)


def status(client: redis.Redis, job_id: str) -> str:
    return (client.hget(f"rq:job:{job_id}", "status") or b"").decode()


def test_a_task_enqueued_anywhere_runs_on_a_worker(deployment, workers, queue_redis):
    workers("w-plain", *FAST)
    key = f"plain-{uuid.uuid4().hex}"
    job_id = enqueue(deployment, key)

    wait(
        deployment,
        lambda: status(queue_redis, job_id) == "finished",
        what="the task to finish",
        timeout=TIMEOUT,
    )
    assert runs(queue_redis, key) == (1, 1)


def test_sigterm_lets_the_running_task_finish_then_exits(deployment, workers, queue_redis):
    worker = workers("w-warm", *FAST)
    key = f"warm-{uuid.uuid4().hex}"
    job_id = enqueue(deployment, key, seconds=3)
    wait(
        deployment,
        lambda: runs(queue_redis, key)[0] == 1,
        what="the task to start",
        timeout=TIMEOUT,
    )

    worker.stop(signal.SIGTERM, timeout=30)

    assert worker.popen.returncode == 0, worker.output()[-3000:]
    assert runs(queue_redis, key) == (1, 1)
    assert status(queue_redis, job_id) == "finished"


def test_a_task_whose_worker_is_killed_runs_again_once(deployment, workers, queue_redis):
    doomed = workers("w-doomed", *FAST)
    key = f"killed-{uuid.uuid4().hex}"
    job_id = enqueue(deployment, key, seconds=5)
    wait(
        deployment,
        lambda: runs(queue_redis, key)[0] == 1,
        what="the task to start",
        timeout=TIMEOUT,
    )

    doomed.kill()  # worker, RQ scheduler and (through the kernel) the task's horse
    workers("w-heir", *FAST)

    wait(
        deployment,
        lambda: status(queue_redis, job_id) == "finished",
        what="the task to run again and finish",
        timeout=TIMEOUT,
    )
    # One interrupted run, one complete run: the dead worker's horse did not finish
    # it behind the heir's back, and nothing is left to run it a third time.
    assert runs(queue_redis, key) == (2, 1)
    assert queue_redis.zcard("rq:wip:default") == 0
    assert queue_redis.llen("rq:queue:default") == 0


def test_a_second_abandoned_run_fails_instead_of_running_forever(deployment, workers, queue_redis):
    key = f"twice-{uuid.uuid4().hex}"
    job_id = enqueue(deployment, key, seconds=30)
    for name in ("w-first", "w-second"):
        worker = workers(name, *FAST)
        before = runs(queue_redis, key)[0]
        wait(
            deployment,
            lambda before=before: runs(queue_redis, key)[0] == before + 1,
            what=f"{name} to start the task",
            timeout=TIMEOUT,
        )
        worker.kill()
    workers("w-third", *FAST)

    wait(
        deployment,
        lambda: status(queue_redis, job_id) == "failed",
        what="the twice-abandoned task to be failed",
        timeout=TIMEOUT,
    )
    assert runs(queue_redis, key) == (2, 0)


# --- a newsletter send over two workers ----------------------------------------------------


class SlowMailbox:
    """An aiosmtpd server that takes a little time per message, so a send lasts long
    enough for both workers to join in; records each message's recipients."""

    def __init__(self, delay: float = 0.03):
        from aiosmtpd.controller import Controller

        self.delay = delay
        self.recipients: list[str] = []
        self._lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=harness.free_port())

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        with self._lock:
            self.recipients.extend(address.lower() for address in envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.controller.port}"

    def received(self) -> list[str]:
        with self._lock:
            return list(self.recipients)


@pytest.fixture
def mailboxes():
    boxes = [SlowMailbox(), SlowMailbox()]
    for box in boxes:
        box.controller.start()
    yield boxes
    for box in boxes:
        box.controller.stop()


SEED = """
from masthead.newsletters.models import Newsletter
from tests.newsletters.sending_support import make_issue, subscribe_many
newsletter = Newsletter.objects.create(
    name="Scale briefing", slug="scale-briefing", sender_email="desk@news.example"
)
subscribe_many(newsletter, {count}, prefix="scale-")
print(make_issue(newsletter).pk)
"""

START = """
from masthead.newsletters import sending
from masthead.newsletters.models import Issue
sending.start_sending(Issue.objects.get(pk={issue}))
"""


def test_a_newsletter_send_is_shared_by_two_workers_one_email_each(deployment, workers, mailboxes):
    count = 200
    issue = int(
        deployment.python(SEED.format(count=count), PYTHONPATH=str(ROOT)).strip().splitlines()[-1]
    )
    # Each worker mails through its own server, so the servers tell who sent what.
    for n, box in enumerate(mailboxes):
        workers(
            f"w-mail-{n}",
            *FAST,
            EMAIL_URL=box.url,
            NEWSLETTER_BATCH_SIZE="5",
            NEWSLETTER_CLAIM_LEASE_SECONDS="30",
        )

    # What the admin's Send button does: rows for every subscriber, then a task.
    deployment.python(START.format(issue=issue), PYTHONPATH=str(ROOT))

    wait(
        deployment,
        lambda: (
            harness.sql(
                deployment.database_url, "SELECT status FROM newsletters_issue WHERE id = %s", issue
            )[0][0]
            == "sent"
        ),
        what="the issue to be sent",
        timeout=120,
    )
    first, second = (box.received() for box in mailboxes)
    per_address = collections.Counter(first + second)
    expected = {f"scale-{n}@mail.example" for n in range(count)}
    assert set(per_address) == expected
    assert [address for address, times in per_address.items() if times != 1] == []
    assert first and second, f"one worker sent everything: {len(first)} + {len(second)}"
    print(f"newsletter split: {len(first)} + {len(second)} emails")
    rows = harness.sql(
        deployment.database_url,
        "SELECT status, count(*) FROM newsletters_delivery WHERE issue_id = %s GROUP BY status",
        issue,
    )
    assert rows == [("sent", count)]


# --- periodic jobs on several workers -----------------------------------------------------

EXCLUSIVE = """
import threading
from django.db import connection
from masthead.core import runlock
held, release, seen = threading.Event(), threading.Event(), []
def first():
    with runlock.exclusive("publish_scheduled") as mine:
        seen.append(("first", mine))
        held.set()
        release.wait(30)
    connection.close()
def second():
    held.wait(30)
    with runlock.exclusive("publish_scheduled") as mine:
        seen.append(("second", mine))
    release.set()
    connection.close()
threads = [threading.Thread(target=first), threading.Thread(target=second)]
for t in threads: t.start()
for t in threads: t.join(60)
with runlock.exclusive("publish_scheduled") as mine:
    seen.append(("after", mine))
print(connection.vendor, sorted(seen))
"""


def test_a_periodic_job_runs_on_one_worker_at_a_time(deployment):
    """Two database sessions (as on two workers) ask for the same job: one gets it."""
    out = deployment.python(EXCLUSIVE).strip().splitlines()[-1]
    assert out == "postgresql [('after', True), ('first', True), ('second', False)]"
