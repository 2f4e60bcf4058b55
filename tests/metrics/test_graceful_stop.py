"""Stopping the production server gracefully loses no buffered view.

The flush interval is an hour, so only the final flush at exit can store the views.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(env, *args) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _post(url: str, body: bytes, *, ip_hint: str) -> int:
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "User-Agent": f"{UA} reader/{ip_hint}",  # a distinct reader per beacon
            "Content-Type": "application/x-www-form-urlencoded",
            "Sec-Fetch-Site": "same-origin",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (local server)
        return response.status


def _environment(data: Path) -> dict:
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "MASTHEAD_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'db.sqlite3'}",
        "CACHE_URL": "locmem://",
        "MASTHEAD_VIEW_FLUSH_SECONDS": "3600",
        "MASTHEAD_VIEW_BUFFER": "memory",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
        "MASTHEAD_COLLECTSTATIC": "",
    }
    env.pop("MASTHEAD_TESTING", None)
    return env


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """A data dir with a migrated SQLite database and collected static files, copied per test."""
    data = tmp_path_factory.mktemp("served")
    env = _environment(data)
    _run(env, "-m", "masthead.cli", "migrate", "--no-input", "-v", "0")
    _run(env, "-m", "masthead.cli", "collectstatic", "--no-input", "-v", "0")
    return data


@pytest.mark.parametrize("server", ["granian", "gunicorn"])
def test_views_buffered_in_server_workers_survive_a_graceful_stop(migrated, tmp_path, server):
    data = tmp_path / "data"
    shutil.copytree(migrated, data)
    env = _environment(data)
    port = _free_port()
    ids = json.loads(_run(env, "-m", "tests.metrics.pg_counter", "articles", "2").splitlines()[-1])
    process = subprocess.Popen(
        [sys.executable, "-m", "masthead.cli", "serve", "--server", server,
         "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "2"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/metrics/view/"
    try:
        for _ in range(300):
            try:
                _post(url, f"a={ids[0]}".encode(), ip_hint="first")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        statuses = [_post(url, f"a={ids[n % 2]}".encode(), ip_hint=str(n)) for n in range(1, 40)]
        assert statuses == [204] * 39
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=180)
    report = json.loads(
        _run(env, "-m", "tests.metrics.pg_counter", "report", json.dumps(ids)).splitlines()[-1]
    )
    assert report == {"hourly": 40, "totals": 40}, stderr[-3000:]
