"""`masthead worker --burst` on the database task backend (one machine, SQLite): it runs
what is queued, with the periodic jobs alongside, and exits."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

RESULT = """
from django.tasks import default_task_backend
print(default_task_backend.get_result({id!r}).status)
"""


def masthead(env: dict, *argv: str, timeout: float = 300) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "masthead.cli", *argv],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done.stdout


def test_burst_runs_the_queued_task_and_exits(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "MASTHEAD_", "PYTEST", "DATABASE_", "CACHE_", "TASK_"))
    }
    env.update(
        MASTHEAD_DATA_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        EMAIL_URL="",
        SITE_URL="https://news.example",
        MASTHEAD_COLLECTSTATIC="",
    )
    masthead(env, "migrate", "--no-input", "-v", "0")
    enqueued = masthead(
        env,
        "shell",
        "-c",
        "from masthead.support.tasks import send_membership_links\n"
        "print(send_membership_links.enqueue(email='nobody@example.org').id)",
    )
    task_id = enqueued.strip().splitlines()[-1]
    assert masthead(env, "shell", "-c", RESULT.format(id=task_id)).split()[-1] == "READY"

    masthead(env, "worker", "--burst", timeout=120)

    assert masthead(env, "shell", "-c", RESULT.format(id=task_id)).split()[-1] == "SUCCESSFUL"
