"""Real deployments for the scale-out tests: PostgreSQL databases, Redis, app servers and
workers started as separate processes with nothing but environment variables - what an
operator does on several machines, done on one.

Each process gets its own MASTHEAD_DATA_DIR (nothing on disk is shared but the static
files, collected once); they share PostgreSQL, Redis and, when given, object storage.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest

PG_HOST, PG_PORT = "127.0.0.1", 5432
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
MASTHEAD = [sys.executable, "-m", "masthead.cli"]
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)


def reachable(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=2):
        return True
    return False


def require_services() -> None:
    """Skip without PostgreSQL and Redis, except under CI=true, where that is a failure."""
    missing = [
        name
        for name, (host, port) in {
            "PostgreSQL": (PG_HOST, PG_PORT),
            "Redis": (REDIS_HOST, REDIS_PORT),
        }.items()
        if not reachable(host, port)
    ]
    if not missing:
        return
    message = f"{' and '.join(missing)} not reachable on 127.0.0.1"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}: the scale-out tests are required under CI=true")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- PostgreSQL and Redis ----------------------------------------------------------------


def create_database(*, port: int = PG_PORT) -> str:
    """A new empty database on the shared server; returns its URL."""
    name = f"masthead_scale_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"postgresql://postgres@{PG_HOST}:{port}/postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@{PG_HOST}:{port}/{name}"


def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    port = int(url.split("@", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
    with psycopg.connect(f"postgresql://postgres@{PG_HOST}:{port}/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sql(url: str, query: str, *params):
    """Rows of one query against a deployment's database, straight from PostgreSQL."""
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as c:
        cursor = c.execute(query, params or None)
        return cursor.fetchall() if cursor.description else None


class RedisServer:
    """A redis-server of the test's own, on its own port, that a test may stop and start."""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="masthead-redis-"))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_until(lambda: reachable("127.0.0.1", self.port), what="redis-server to listen")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresCluster:
    """A PostgreSQL server of the test's own (initdb in a temporary directory), so that a
    test can restart it without disturbing anything else.  Run as the postgres user
    when the tests run as root, which PostgreSQL refuses to run as."""

    def __init__(self):
        if PG_BIN is None:
            pytest.fail("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="masthead-pg-"))
        self.data = self.dir / "data"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *argv: str) -> None:
        command = [str(PG_BIN / argv[0]), *argv[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.dir)

    def start(self) -> None:
        if not self.data.exists():
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.dir / "log"),
            "-w",
            "start",
            "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self, mode: str = "immediate") -> None:
        self.stop(mode)
        self.start()

    def cleanup(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


# --- processes ---------------------------------------------------------------------------


def wait_until(condition, *, what: str, timeout: float = 60.0, every: float = 0.2):
    """Poll `condition` until it returns something truthy; fail the test after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(Exception):
            value = condition()
            if value:
                return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path
    url: str = ""

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        if not self.alive():
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)

    def kill(self) -> None:
        """SIGKILL the whole process group: a machine losing power, for that process."""
        self.stop(signal.SIGKILL)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@dataclass
class Deployment:
    """One publication's shared services and the processes serving it."""

    database_url: str
    redis_url: str
    extra_env: dict[str, str] = field(default_factory=dict)
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="masthead-scale-")))
    processes: list[Process] = field(default_factory=list)
    secret_key: str = field(default_factory=lambda: uuid.uuid4().hex * 2)

    def env(self, name: str, **overrides: str) -> dict[str, str]:
        """The environment of one role on one 'machine' (its own data dir)."""
        data_dir = self.root / name
        data_dir.mkdir(parents=True, exist_ok=True)
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "MASTHEAD_", "PYTEST", "DATABASE_", "CACHE_"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="masthead.settings",
            MASTHEAD_DATA_DIR=str(data_dir),
            STATIC_ROOT=str(self.root / "static"),
            MEDIA_ROOT=str(self.root / "media"),  # shared disk unless MEDIA_STORAGE_URL
            SECRET_KEY=self.secret_key,
            DATABASE_URL=self.database_url,
            CACHE_URL=self.redis_url,
            SITE_URL="http://127.0.0.1:8000",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            EMAIL_URL="",
            MASTHEAD_VIEW_FLUSH_SECONDS="1",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        env.update(overrides)
        return env

    def manage(self, *argv: str, check: bool = True, timeout: float = 300, **env) -> str:
        """Run one `masthead` command as an operator would; returns its output."""
        result = subprocess.run(
            [*MASTHEAD, *argv],
            env=self.env("admin", **env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            pytest.fail(f"masthead {' '.join(argv)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout + result.stderr

    def python(self, code: str, **env) -> str:
        """Run Python inside the deployment (`masthead shell -c`); returns what it printed."""
        return self.manage("shell", "-c", code, **env)

    def migrate(self) -> None:
        self.manage("migrate", "--no-input", "-v", "0")

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> Process:
        log = self.root / f"{name}.log"
        handle = log.open("ab")
        popen = subprocess.Popen(
            argv, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        handle.close()
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def start_app(
        self,
        name: str,
        *,
        port: int | None = None,
        ready: str = "/healthz",
        workers: int = 1,
        threads: int = 4,
        **env,
    ) -> Process:
        port = port or free_port()
        process = self._spawn(
            name,
            [
                *MASTHEAD,
                "serve",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
            ],
            self.env(name, **env),
        )
        process.url = f"http://127.0.0.1:{port}"

        def answering():
            if not process.alive():
                pytest.fail(f"{name} exited:\n{process.output()[-3000:]}")
            return httpx.get(process.url + ready, timeout=2).status_code == 200

        wait_until(answering, what=f"{name} to answer {ready}", timeout=90)
        return process

    def start_worker(self, name: str, *argv: str, **env) -> Process:
        return self._spawn(name, [*MASTHEAD, "worker", *argv], self.env(name, **env))

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()

    def logs(self) -> str:
        """Every process's output, for a failing test's message."""
        return "\n".join(f"--- {p.name} ---\n{p.output()[-4000:]}" for p in self.processes)

    def cleanup(self) -> None:
        self.stop_all()
        shutil.rmtree(self.root, ignore_errors=True)


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


# --- readers' traffic ----------------------------------------------------------------------


def stored_views(deployment: Deployment, article_id: int) -> int:
    """The article's views as PostgreSQL holds them (what flushes have written)."""
    [[total]] = sql(
        deployment.database_url,
        "SELECT COALESCE(SUM(views), 0) FROM metrics_articlehourlyviews WHERE article_id = %s",
        article_id,
    )
    return int(total)


def send_beacon(server: Process, article_id: int, visitor: int, tag: str, *, timeout=30):
    """One reader's view beacon, as a browser sends it: a distinct user agent and
    address per visitor (the deployment must read MASTHEAD_VIEW_CLIENT_IP_HEADER=
    HTTP_X_FORWARDED_FOR), same-origin headers."""
    return httpx.post(
        server.url + "/metrics/view/",
        content=f"a={article_id}",
        headers={
            "Content-Type": "text/plain;charset=UTF-8",
            "User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 "
            f"Firefox/140.0 {tag}.{visitor}",
            "X-Forwarded-For": f"203.0.113.{visitor}",
            "Origin": server.url,
            "Sec-Fetch-Site": "same-origin",
        },
        timeout=timeout,
    )
