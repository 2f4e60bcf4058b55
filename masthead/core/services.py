"""Operating the embedded default: server arguments, the worker loop, first-run set-up."""

import hashlib
import os
import shutil
import sys
import threading
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from masthead.core import periodic

# Chosen by measurement: `make bench` runs the article, the uncached article and
# the floor under both servers and reports the winner (bench/results/).
DEFAULT_SERVER = "granian"
SERVERS = ("granian", "gunicorn")


def default_worker_count() -> int:
    """Two workers: one per core on the reference machine, within the 250 MiB budget."""
    return int(os.environ.get("WEB_CONCURRENCY", "2"))


def _venv_script(name: str) -> str:
    return shutil.which(name, path=str(Path(sys.executable).parent)) or name


def server_command(
    *, bind: str, workers: int, threads: int, server: str = DEFAULT_SERVER
) -> list[str]:
    """The command line that serves the WSGI app at `bind` with `server`."""
    host, _, port = bind.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    port = port or "8000"
    if server == "granian":
        return [
            sys.executable,
            "-m",
            "masthead.core.granian_server",
            host,
            port,
            str(workers),
            str(threads),
        ]
    if server == "gunicorn":
        address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        return [
            _venv_script("gunicorn"),
            "--bind",
            address,
            # gthread keeps connections alive and overlaps I/O waits; sync
            # workers close every connection and idle on each query.
            "--worker-class",
            "gthread",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--keep-alive",
            "5",
            # Load Django once before forking, so workers share its memory.
            "--preload",
            # The heartbeat file lives in memory, not on a disk that may stall.
            "--worker-tmp-dir",
            "/dev/shm",  # noqa: S108 -- only empty heartbeat files, per worker
            "--log-level",
            "warning",
            "masthead.wsgi:application",
        ]
    raise ValueError(f"unknown server {server!r}; choose one of {', '.join(SERVERS)}")


def static_sources_fingerprint() -> str:
    """A hash of every static source file's path, size and modification time."""
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256()
    for finder in get_finders():
        for path, storage in sorted(finder.list([]), key=lambda item: item[0]):
            stat = os.stat(storage.path(path))
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def ensure_static_collected() -> None:
    """Collect static files when they were never collected or any source changed since
    (an upgrade): pages must never name a file the manifest does not know."""
    root = Path(settings.STATIC_ROOT)
    manifest = root / "staticfiles.json"
    stamp = root / ".sources-fingerprint"
    fingerprint = static_sources_fingerprint()
    current = (
        manifest.exists()
        and stamp.exists()
        and stamp.read_text() == fingerprint
        and os.environ.get("MASTHEAD_COLLECTSTATIC") != "always"
    )
    if not current:
        call_command("collectstatic", interactive=False, verbosity=0)
        stamp.write_text(fingerprint)
        # Cached pages name the old files; render them again with the new ones.
        from masthead.core.pagecache import bump_generation

        bump_generation()


def start_scheduler(*, interval: float, stop: threading.Event) -> threading.Thread:
    """Every `interval` seconds until `stop` is set: scheduled (un)publishing, buffered views."""

    def loop() -> None:
        from masthead.core.runlock import run_exclusively
        from masthead.metrics.services import flush_all

        while not stop.is_set():
            try:
                # Two workers publishing the same due revision would both publish it.
                run_exclusively(
                    "publish_scheduled", lambda: call_command("publish_scheduled", verbosity=0)
                )
            except Exception as exc:  # keep the loop alive; the next tick retries
                print(f"scheduled publishing failed: {exc}", file=sys.stderr)
            try:
                # With the Redis buffer the worker is the safety net that applies
                # views whose app server died before its own flush.
                flush_all()
            except Exception as exc:
                print(f"flushing counters failed: {exc}", file=sys.stderr)
            for name, job in periodic.jobs():
                try:
                    job()
                except Exception as exc:
                    print(f"{name} failed: {exc}", file=sys.stderr)
            from django.db import close_old_connections

            close_old_connections()
            stop.wait(interval)

    thread = threading.Thread(target=loop, name="masthead-scheduler", daemon=True)
    thread.start()
    return thread


def sync_default_site(*, app_config=None, using="default", **_kwargs) -> None:
    """Point Wagtail's default Site at SITE_URL, so absolute URLs follow the environment.

    Runs after every migrate: an operator who moves the site to a new domain
    changes SITE_URL and nothing else.
    """
    from urllib.parse import urlsplit

    from wagtail.models import Site

    if app_config is not None and app_config.label != "newsroom":
        return
    from django.db import router

    # `migrate --database replica` migrates nothing there; a read replica is read-only.
    if not router.allow_migrate_model(using, Site):
        return

    parts = urlsplit(settings.SITE_URL)
    hostname = parts.hostname or "localhost"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    site = Site.objects.using(using).filter(is_default_site=True).first()
    if site and (site.hostname, site.port) != (hostname, port):
        site.hostname, site.port = hostname, port
        site.save(update_fields=["hostname", "port"])
