"""`masthead serve` starts the chosen production server; /healthz answers through it."""

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from masthead.core import services

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_is_plain_ok_and_never_stored(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Cache-Control"] == "no-store"


def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405


def test_gunicorn_command_uses_threaded_workers():
    argv = services.server_command(bind="[::1]:9000", workers=3, threads=5, server="gunicorn")
    assert Path(argv[0]).name == "gunicorn"
    assert argv[argv.index("--worker-class") + 1] == "gthread"
    assert argv[argv.index("--workers") + 1] == "3"
    assert argv[argv.index("--threads") + 1] == "5"
    assert argv[argv.index("--bind") + 1] == "[::1]:9000"
    assert argv[-1] == "masthead.wsgi:application"


def test_granian_command_preloads_django_before_forking():
    argv = services.server_command(bind="127.0.0.1:9001", workers=2, threads=4, server="granian")
    assert argv[1:3] == ["-m", "masthead.core.granian_server"]
    assert argv[3:] == ["127.0.0.1", "9001", "2", "4"]


def test_gunicorn_command_preloads_django_before_forking():
    argv = services.server_command(bind="127.0.0.1:9000", workers=2, threads=4, server="gunicorn")
    assert "--preload" in argv


def test_unknown_server_is_refused():
    with pytest.raises(ValueError, match="unknown server"):
        services.server_command(bind="127.0.0.1:9002", workers=1, threads=1, server="uwsgi")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_healthz(port: int, deadline: float) -> http.client.HTTPResponse:
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            response.body = response.read()
            return response
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def worker_pids(pid: int) -> list[str]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [c for c in children if Path(f"/proc/{c}/cmdline").exists()]


@pytest.fixture(scope="module")
def production_env(tmp_path_factory):
    """The production settings (not tests.settings) against a throwaway data dir."""
    leaked = ("DJANGO_", "MASTHEAD_", "DATABASE_URL", "CACHE_URL")
    env = {k: v for k, v in os.environ.items() if not k.startswith(leaked)}
    env.update(
        MASTHEAD_DATA_DIR=str(tmp_path_factory.mktemp("serve-data")),
        DEBUG="false",
        LOG_LEVEL="ERROR",
    )
    return env


@pytest.mark.parametrize("server", services.SERVERS)
def test_serve_starts_the_server_and_stops_on_sigterm(server, production_env):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "masthead.cli", "serve", "--server", server]
        + ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2"],
        env=production_env,
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        response = get_healthz(port, time.monotonic() + 90)
        assert response.status == 200
        assert response.body == b"ok"
        assert response.getheader("Cache-Control") == "no-store"
        # serve execs the server, so the process we started is the server itself.
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode()
        assert server in cmdline
        workers = worker_pids(proc.pid)
        assert len(workers) == 1
        # The worker forked from a parent that had loaded Django: its modules are shared.
        smaps = Path(f"/proc/{workers[0]}/smaps_rollup").read_text()
        kib = {line.split(":")[0]: int(line.split()[1]) for line in smaps.splitlines()[1:]}
        assert kib["Pss"] < 0.7 * kib["Rss"]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        output = proc.communicate(timeout=30)[0].decode(errors="replace")
    assert proc.returncode == 0, output
    with pytest.raises(OSError), contextlib.closing(socket.socket()) as sock:
        sock.connect(("127.0.0.1", port))


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_run_takes_its_server_and_worker_down_on_sigterm(production_env):
    """A service manager stops `masthead run` with SIGTERM to it alone: nothing may outlive it."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "masthead.cli", "run", "--no-demo", "--bind", f"127.0.0.1:{port}"],
        env=production_env,
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert get_healthz(port, time.monotonic() + 120).status == 200
        children = worker_pids(proc.pid)
        assert len(children) == 2  # the server and the worker
        proc.send_signal(signal.SIGTERM)  # the parent only, as systemd's KillMode=process would
        proc.communicate(timeout=60)
        deadline = time.monotonic() + 30
        while _group_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _group_alive(proc.pid), "a child of `masthead run` outlived it"
    finally:
        if _group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
