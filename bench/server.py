"""Start the production server on loopback against a prepared data dir, for measurements."""

import contextlib
import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MASTHEAD = [sys.executable, "-m", "masthead.cli"]


def bench_env(data_dir: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update({"MASTHEAD_DATA_DIR": str(data_dir), "DEBUG": "false", "LOG_LEVEL": "ERROR"})
    env.pop("DATABASE_URL", None)
    env.pop("CACHE_URL", None)
    env.update(extra)
    return env


def prepare(data_dir: Path) -> None:
    """Migrate and load the demo publication once; later runs reuse it."""
    env = bench_env(data_dir)
    subprocess.run([*MASTHEAD, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    subprocess.run([*MASTHEAD, "demo", "--if-empty"], env=env, cwd=ROOT, check=True)
    # Search indexing normally happens in the worker; the bench has no worker.
    subprocess.run(
        [*MASTHEAD, "db_worker", "--batch", "--no-startup-delay"],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_ready(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/robots.txt")
            if conn.getresponse().status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not come up in {timeout}s")


@contextlib.contextmanager
def running_server(data_dir: Path, port: int, *, args=(), env_extra=None):
    env = bench_env(data_dir, **(env_extra or {}))
    proc = subprocess.Popen(
        [*MASTHEAD, "serve", "--bind", f"127.0.0.1:{port}", *args],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        wait_ready(port)
        yield proc
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=20)


def article_urls(data_dir: Path) -> list[str]:
    code = (
        "from masthead.newsroom.models import ArticlePage\n"
        "for a in ArticlePage.objects.live().newest_first(): print(a.url)"
    )
    out = subprocess.run(
        [*MASTHEAD, "shell", "-c", code],
        env=bench_env(data_dir),
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [line for line in out.splitlines() if line.startswith("/")]
