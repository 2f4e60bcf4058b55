"""Real `masthead send_newsletters` processes against a file SQLite database in a temp data dir."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def environment(data: Path, smtp_port: int, **extra: str) -> dict:
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "MASTHEAD_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'db.sqlite3'}",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "SITE_URL": "https://news.example",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
        "MASTHEAD_COLLECTSTATIC": "",
        "NEWSLETTER_CLAIM_LEASE_SECONDS": "2",
        "NEWSLETTER_RETRY_SECONDS": "0.2",
        "NEWSLETTER_BATCH_SIZE": "20",
        **extra,
    }
    env.pop("MASTHEAD_TESTING", None)
    env.pop("CACHE_URL", None)  # the default diskcache: shared by the processes
    return env


def run(env: dict, *args: str, timeout: float = 600) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def seed(env: dict, count: int) -> dict:
    return json.loads(
        run(env, "-m", "tests.newsletters.seed_send", "seed", str(count)).splitlines()[-1]
    )


def report(env: dict, issue_id: int) -> dict:
    out = run(env, "-m", "tests.newsletters.seed_send", "report", str(issue_id))
    return json.loads(out.splitlines()[-1])


def start_worker(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "masthead.cli", "send_newsletters", *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.fixture(scope="module")
def migrated_data(tmp_path_factory) -> Path:
    """A migrated data dir, copied by each test (migrating takes a while)."""
    data = tmp_path_factory.mktemp("newsletter-data")
    run(environment(data, 25), "-m", "masthead.cli", "migrate", "--no-input", "-v", "0")
    return data


def fresh_copy(migrated: Path, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(migrated, data)
    return data
