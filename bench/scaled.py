"""`make bench`, scaled rows: two app servers on PostgreSQL + Redis beside one on SQLite.

Measures the cached article page and the view beacon three ways in one run:
the single-machine deployment (one `masthead serve` on SQLite and diskcache),
one server on a fresh PostgreSQL database and Redis, and two servers on that
same database and Redis, loaded together by two wrk processes (one per server,
each with half the connections and wrk threads, so the total offered load is
the same as for one server) whose rates are summed.  Everything is on one
machine: the two servers share its cores with PostgreSQL, Redis and wrk, so
the scaled rows show what the shared services cost per request, not what a
second machine adds.  ~3 minutes; the Markdown table is printed and appended to
today's bench report in bench/results/.
"""

import contextlib
import datetime as dt
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import load, report  # noqa: E402
from bench.discover import BEACON_LUA  # noqa: E402
from bench.server import (  # noqa: E402
    MASTHEAD,
    ROOT,
    article_urls,
    prepare,
    running_server,
    shell,
    stop,
    wait_ready,
)

DATA_DIR = Path(os.environ.get("BENCH_DATA_DIR", ROOT / "var" / "bench"))
WORK_DIR = DATA_DIR / "run"
SCALED_DIR = DATA_DIR / "scaled"
PORT = int(os.environ.get("BENCH_PORT", "8765"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "2"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
WRK_THREADS = int(os.environ.get("BENCH_WRK_THREADS", "2"))
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# Its own Redis database number (the scale tests use 8-15), emptied before and after.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
# User agents per wrk thread before it moves to the next article: with 40 articles a
# thread may send 80,000 beacons before a (user agent, article) pair recurs, which
# would be (rightly) deduplicated and read as a loss.
BEACON_PER_THREAD = 2000
# A smaller demo than the single machine's 120 articles keeps the run near 4 minutes;
# the cached article and the beacon cost the same whatever the count.
ARTICLES = os.environ.get("BENCH_SCALED_ARTICLES", "40")


def log(message: str) -> None:
    print(f"[scaled] {message}", file=sys.stderr, flush=True)


# --- the PostgreSQL + Redis deployment --------------------------------------------------


class SharedDeployment:
    """A fresh PostgreSQL database and Redis database with the demo publication loaded."""

    def __init__(self):
        import psycopg

        self.name = f"masthead_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        self.database_url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{self.name}"
        self.secret_key = uuid.uuid4().hex * 2
        self._flush_redis()

    def env(self, machine: str, **extra: str) -> dict:
        """One machine's environment: its own data dir, the shared database, cache, key."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MASTHEAD_"))}
        env.update(
            MASTHEAD_DATA_DIR=str(SCALED_DIR / machine),
            STATIC_ROOT=str(SCALED_DIR / "static"),
            DATABASE_URL=self.database_url,
            CACHE_URL=REDIS_URL,
            SECRET_KEY=self.secret_key,
            DEBUG="false",
            LOG_LEVEL="ERROR",
        )
        env.update(extra)
        return env

    def manage(self, *args: str, capture: bool = False) -> str:
        done = subprocess.run(
            [*MASTHEAD, *args],
            env=self.env("admin"),
            cwd=ROOT,
            check=True,
            capture_output=capture,
            text=True,
        )
        return done.stdout if capture else ""

    def prepare(self) -> None:
        self.manage("migrate", "-v0")
        self.manage("demo", "--articles", ARTICLES)
        self.manage("collectstatic", "--noinput", "-v0")

    def articles(self) -> tuple[list[str], list[int]]:
        out = self.manage(
            "shell",
            "-c",
            "from masthead.newsroom.models import ArticlePage\n"
            "for a in ArticlePage.objects.live().newest_first(): print(a.pk, a.url)",
            capture=True,
        )
        rows = [line.split() for line in out.splitlines()]
        rows = [r for r in rows if len(r) == 2 and r[0].isdigit() and r[1].startswith("/")]
        return [url for _, url in rows], [int(pk) for pk, _ in rows]

    def stored_views(self) -> int:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{self.name}") as conn:
            row = conn.execute("SELECT COALESCE(SUM(views), 0) FROM metrics_articlehourlyviews")
            return int(row.fetchone()[0])

    @contextlib.contextmanager
    def servers(self, count: int):
        """`count` app servers (`masthead serve` as shipped) on PORT+10, PORT+11, ..."""
        procs = []
        try:
            for i in range(count):
                port = PORT + 10 + i
                proc = subprocess.Popen(
                    [*MASTHEAD, "serve", "--bind", f"127.0.0.1:{port}"],
                    env=self.env(f"app{i + 1}"),
                    cwd=ROOT,
                    start_new_session=True,
                )
                procs.append(proc)
                wait_ready(port, proc)
            yield [PORT + 10 + i for i in range(count)]
        finally:
            for proc in procs:
                stop(proc)

    def pending_views(self) -> int:
        """Beacons still in the Redis buffer (none once a server's final flush ran)."""
        import redis

        return redis.Redis.from_url(REDIS_URL).llen("masthead:views:pending")

    def _flush_redis(self) -> None:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()

    def cleanup(self) -> None:
        import psycopg

        self._flush_redis()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


# --- load against one or several servers ----------------------------------------------------


def beacon_script(ids: list[int], run: str, offset: int) -> str:
    return BEACON_LUA.format(
        ids=", ".join(map(str, ids)), run=run, per_thread=BEACON_PER_THREAD, offset=offset
    )


def fetch(port: int, path: str) -> None:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"{path} on {port} answered {response.status}")


def measure(ports: list[int], path: str, *, beacon_ids: list[int] | None = None) -> dict:
    """Warm-up then one timed run, with one wrk per server in parallel, each with its
    share of the connections and threads; rates and requests summed, latencies the
    worst of the servers' (a percentile of the union is not derivable from wrk's)."""
    connections = max(1, CONNECTIONS // len(ports))
    threads = max(1, WRK_THREADS // len(ports))
    tag = os.urandom(4).hex()

    def run(seconds: float, offset: int) -> list[load.Load]:
        results: list = [None] * len(ports)

        def one(i: int) -> None:
            script = None
            if beacon_ids is not None:
                # Each wrk's own visitors: its threads number from 0 like the others'.
                script = beacon_script(beacon_ids, f"{tag}s{i}", offset)
            results[i] = load.wrk(
                f"http://127.0.0.1:{ports[i]}{path}",
                seconds=seconds,
                connections=connections,
                threads=threads,
                script=script,
                workdir=WORK_DIR,
            )

        workers = [threading.Thread(target=one, args=(i,)) for i in range(len(ports))]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        return results

    if beacon_ids is None:
        for port in ports:
            fetch(port, path)  # the cached row starts from a stored entry
    warmup = run(WARMUP, 0)
    # The timed run's visitors start past the articles the warm-up used (as bench/run.py).
    offset = max(w.requests for w in warmup) // BEACON_PER_THREAD + 2
    timed = run(SECONDS, offset)
    result = {
        "rps": sum(t.rps for t in timed),
        "p50": max(t.p50_ms for t in timed),
        "p99": max(t.p99_ms for t in timed),
        "errors": sum(t.socket_errors + t.bad_status for t in timed),
        "answered": sum(t.requests for t in timed + warmup),
        "each": [t.rps for t in timed],
    }
    log(f"{path} on {ports}: {result['rps']:,.0f}/s p99 {report.ms(result['p99'])}")
    return result


# --- the report --------------------------------------------------------------------------


def table(rows: list[tuple[str, str, dict]], baseline: dict[str, dict]) -> list[str]:
    lines = [
        "| deployment | what | requests/s | p50 | p99 | vs one server on SQLite | errors |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for deployment, what, r in rows:
        each = " + ".join(f"{x:,.0f}" for x in r["each"]) if len(r["each"]) > 1 else ""
        rate = f"{r['rps']:,.0f}" + (f" ({each})" if each else "")
        lines.append(
            f"| {deployment} | {what} | {rate} | {report.ms(r['p50'])} | {report.ms(r['p99'])} "
            f"| {r['rps'] / baseline[what]['rps']:.2f}× | {r['errors']} |"
        )
    return lines


def write_report(section: list[str]) -> Path:
    """Append to today's bench report (bench/run.py's), replacing an earlier scaled
    section; without one, a report of its own."""
    today = dt.date.today().isoformat()
    results = ROOT / "bench" / "results"
    main_report = results / f"{today}-bench.md"
    text = "\n".join(section) + "\n"
    if main_report.exists():
        existing = main_report.read_text()
        head = existing.split("\n## Scaled:", 1)[0].rstrip("\n")
        main_report.write_text(head + "\n\n" + text)
        return main_report
    out = results / f"{today}-scaled.md"
    out.write_text(f"# Masthead bench, scaled rows, {today}\n\n" + text)
    return out


def unreachable() -> list[str]:
    """PostgreSQL and Redis as configured, if they do not answer."""
    import socket
    from urllib.parse import urlsplit

    missing = []
    for name, url, default_port in (("PostgreSQL", PG_ADMIN_URL, 5432), ("Redis", REDIS_URL, 6379)):
        parts = urlsplit(url)
        try:
            socket.create_connection((parts.hostname, parts.port or default_port), 2).close()
        except OSError:
            missing.append(f"{name} ({parts.hostname}:{parts.port or default_port})")
    return missing


def main() -> None:
    missing = unreachable()
    if missing:
        # `make bench` on one machine without them still gives the single-machine rows.
        log(f"skipped: {' and '.join(missing)} not reachable (BENCH_PG_URL, BENCH_REDIS_URL)")
        return
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    SCALED_DIR.mkdir(parents=True, exist_ok=True)
    log(f"single machine: the demo in {DATA_DIR}")
    prepare(DATA_DIR)
    sqlite_article = article_urls(DATA_DIR)[0]
    sqlite_ids = [
        int(x)
        for x in shell(
            DATA_DIR,
            "from masthead.newsroom.models import ArticlePage\n"
            "print(*ArticlePage.objects.live().values_list('id', flat=True))",
        )
        .splitlines()[-1]
        .split()
    ]
    beacon_path = "/metrics/view/"
    rows: list[tuple[str, str, dict]] = []
    with running_server(DATA_DIR, PORT):
        rows.append(("1 server, SQLite", "article, cached", measure([PORT], sqlite_article)))
        rows.append(
            ("1 server, SQLite", "view beacon", measure([PORT], beacon_path, beacon_ids=sqlite_ids))
        )

    log("PostgreSQL + Redis: a fresh database with the demo")
    shared = SharedDeployment()
    try:
        shared.prepare()
        urls, ids = shared.articles()
        article = urls[0]
        views_before = shared.stored_views()
        beacon_checks = []
        for count in (1, 2):
            label = f"{count} server{'s' if count > 1 else ''}, PostgreSQL + Redis"
            with shared.servers(count) as ports:
                rows.append((label, "article, cached", measure(ports, article)))
                beacon = measure(ports, beacon_path, beacon_ids=ids)
                rows.append((label, "view beacon", beacon))
            # The servers stopped gracefully, flushing what they held.
            stored = shared.stored_views()
            beacon_checks.append(
                f"{label}: {stored - views_before:,} views stored for {beacon['answered']:,} "
                f"requests wrk completed, {shared.pending_views():,} left in the Redis buffer"
            )
            views_before = stored
    finally:
        shared.cleanup()

    baseline = {what: r for deployment, what, r in rows if deployment == "1 server, SQLite"}
    elapsed = time.monotonic() - started
    quiet = "quiet" if load_before < 0.5 else "**busy: other work shares the CPUs**"
    section = [
        f"## Scaled: two app servers on PostgreSQL + Redis ({dt.date.today().isoformat()})",
        "",
        f"Load average (1 min) before: {load_before:.2f} ({quiet}); {os.cpu_count()} cores, "
        f"all on one machine: servers, PostgreSQL, Redis and wrk share them. "
        f"`wrk --latency` for {SECONDS:g} s after a {WARMUP:g} s warm-up; one server gets "
        f"`-t{WRK_THREADS} -c{CONNECTIONS}`, two servers get one wrk each with half of that, "
        "run together and summed (each server's rate in brackets; p50/p99 the worse "
        "server's). Servers: `masthead serve` as shipped. Beacons: every request a new "
        "visitor (bench/run.py's script, a visitor tag per wrk process).",
        "",
        *table(rows, baseline),
        "",
        "Beacons, counted after the servers' graceful stop (warm-ups included; each wrk run "
        f"may leave up to {CONNECTIONS} more in flight, which the servers count but wrk does "
        f"not): {'; '.join(beacon_checks)}. The PostgreSQL demo has {ARTICLES} articles.",
        "",
        f"Whole run: {elapsed:.0f} s.",
    ]
    print("\n".join(section))
    out = write_report(section)
    log(f"appended to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
