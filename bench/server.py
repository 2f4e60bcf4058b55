"""The production server on loopback against a prepared data dir, and its memory."""

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MASTHEAD = [sys.executable, "-m", "masthead.cli"]
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def bench_env(data_dir: Path, **extra: str) -> dict:
    """Production settings (DEBUG off, embedded SQLite and cache) in `data_dir`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MASTHEAD_"))}
    env.update({"MASTHEAD_DATA_DIR": str(data_dir), "DEBUG": "false", "LOG_LEVEL": "ERROR"})
    env.pop("DATABASE_URL", None)
    env.pop("CACHE_URL", None)
    env.update(extra)
    return env


def manage(data_dir: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*MASTHEAD, *args], env=bench_env(data_dir), cwd=ROOT, check=True, **kwargs
    )


def prepare(data_dir: Path) -> None:
    """Migrate and load the demo publication once; later runs reuse it."""
    manage(data_dir, "migrate", "-v0")
    manage(data_dir, "demo", "--if-empty")
    # `serve` collects only when there is no manifest; the tree may have new assets.
    manage(data_dir, "collectstatic", "--noinput", "-v0")
    # Search indexing normally happens in the worker; the bench has no worker.
    manage(
        data_dir,
        "db_worker",
        "--batch",
        "--no-startup-delay",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def shell(data_dir: Path, code: str) -> str:
    return manage(data_dir, "shell", "-c", code, capture_output=True, text=True).stdout


def article_urls(data_dir: Path) -> list[str]:
    code = (
        "from masthead.newsroom.models import ArticlePage\n"
        "for a in ArticlePage.objects.live().newest_first(): print(a.url)"
    )
    return [line for line in shell(data_dir, code).splitlines() if line.startswith("/")]


def wait_for_http(port: int, path: str, proc: subprocess.Popen, *, name: str, timeout: float):
    """Poll GET `path` on loopback until it answers 200; fail early if `proc` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            detail = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"{name} exited with {proc.returncode} before answering {detail}")
        with contextlib.suppress(OSError):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{name} on port {port} did not come up in {timeout}s")


def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    wait_for_http(port, "/robots.txt", proc, name="server", timeout=timeout)


@contextlib.contextmanager
def running_server(data_dir: Path, port: int, *, args=(), env_extra=None):
    """`masthead serve` on 127.0.0.1:`port`; stopped (SIGTERM, then SIGKILL) on exit."""
    if not port_free(port):
        raise RuntimeError(f"something already listens on 127.0.0.1:{port} (BENCH_PORT)")
    proc = subprocess.Popen(
        [*MASTHEAD, "serve", "--bind", f"127.0.0.1:{port}", *args],
        env=bench_env(data_dir, **(env_extra or {})),
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        wait_ready(port, proc)
        yield proc
    finally:
        stop(proc)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop(proc: subprocess.Popen, timeout: float = 30.0) -> None:
    """SIGTERM to the server's process group (a graceful stop), SIGKILL after `timeout`.

    Waits for every process of the group, not just the master: a worker still
    bound to the port (SO_REUSEPORT) would take a share of the next server's load.
    """
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        proc.poll()  # reap the master, or the group never empties
        if not group_alive(proc.pid):
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def process_tree(root: int) -> list[int]:
    """`root` and all its descendants, from /proc/<pid>/task/<tid>/children."""
    pids, i = [root], 0
    while i < len(pids):
        pid, i = pids[i], i + 1
        with contextlib.suppress(OSError):
            for tid in os.listdir(f"/proc/{pid}/task"):
                with contextlib.suppress(OSError):
                    children = Path(f"/proc/{pid}/task/{tid}/children").read_text()
                    pids.extend(int(c) for c in children.split())
    return pids


def rss_bytes(pid: int) -> int:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE


def pss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


class MemorySampler:
    """Peak summed RSS (and PSS) of a process tree, sampled every `interval` seconds.

    RSS counts pages shared between the forked workers once per process, so the
    sum overstates what the tree costs the machine; PSS splits shared pages
    between their sharers and is reported beside it.
    """

    def __init__(self, root: int, interval: float = 0.1):
        self.root, self.interval = root, interval
        self.peak_rss = self.peak_pss = self.samples = 0
        self.at_peak: list[int] = []  # each process's RSS in the peak sample, master first
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        each, pss = [], 0
        for pid in process_tree(self.root):
            with contextlib.suppress(OSError, ValueError, IndexError):
                each.append(rss_bytes(pid))
                pss += pss_bytes(pid)
        if sum(each) > self.peak_rss:
            self.peak_rss, self.at_peak = sum(each), each
        self.peak_pss = max(self.peak_pss, pss)
        self.samples += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.sample()
