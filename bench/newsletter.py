"""Newsletter send: an issue to 10,000 and to 100,000 subscribers into a local SMTP sink.

For each size: a fresh migrated SQLite data dir, the subscribers and a started
issue seeded by tests/newsletters/seed_send.py, then `masthead send_newsletters
--once --concurrency N` as the worker, sending to a minimal asyncio SMTP sink
in its own process that only counts messages.  Reported: messages per second
(first to last message at the sink), the worker's peak RSS and PSS (sampled
from /proc every 100 ms), and the check that the sink got exactly one message
per subscriber.  Memory must stay flat from 10,000 to 100,000: the worker
holds one batch of rows at a time.

    .venv/bin/python bench/newsletter.py   # alone: bench/results/<date>-newsletter.md
    make bench                             # as a section of the full report
"""

import asyncio
import datetime as dt
import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import report  # noqa: E402
from bench.server import ROOT, MemorySampler  # noqa: E402

SIZES = [int(n) for n in os.environ.get("BENCH_NEWSLETTER_SIZES", "10000,100000").split(",")]
CONCURRENCY = int(os.environ.get("BENCH_NEWSLETTER_CONCURRENCY", "4"))
BATCH = int(os.environ.get("BENCH_NEWSLETTER_BATCH", "200"))
TIMEOUT = float(os.environ.get("BENCH_NEWSLETTER_TIMEOUT", "900"))
LOAD_BEFORE = 0.0


def log(message: str) -> None:
    print(f"[bench newsletter] {message}", file=sys.stderr, flush=True)


# --- the sink ----------------------------------------------------------------------------


class _SinkProtocol(asyncio.Protocol):
    """Just enough SMTP to accept mail: every message is counted and dropped."""

    def __init__(self, counter):
        self.counter = counter
        self.buffer = b""
        self.in_data = False

    def connection_made(self, transport):
        self.transport = transport
        transport.write(b"220 sink ESMTP\r\n")

    def data_received(self, data):
        self.buffer += data
        while True:
            if self.in_data:
                end = self.buffer.find(b"\r\n.\r\n")
                if end == -1:
                    return
                self.buffer = self.buffer[end + 5 :]
                self.in_data = False
                with self.counter.get_lock():
                    self.counter.value += 1
                self.transport.write(b"250 2.0.0 queued\r\n")
                continue
            line_end = self.buffer.find(b"\r\n")
            if line_end == -1:
                return
            line, self.buffer = self.buffer[:line_end], self.buffer[line_end + 2 :]
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.transport.write(b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            elif verb == b"DATA":
                self.in_data = True
                # The message may already be in the buffer: the loop looks for its end.
                self.buffer = b"\r\n" + self.buffer
                self.transport.write(b"354 go ahead\r\n")
            elif verb == b"QUIT":
                self.transport.write(b"221 bye\r\n")
                self.transport.close()
                return
            else:  # HELO, MAIL, RCPT, RSET, NOOP
                self.transport.write(b"250 OK\r\n")


def _serve(port: int, counter) -> None:
    async def main():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: _SinkProtocol(counter), "127.0.0.1", port)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- one run -----------------------------------------------------------------------------


def _environment(data: Path, port: int) -> dict:
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "CACHE_URL")},
        "MASTHEAD_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'db.sqlite3'}",
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
        "SITE_URL": "https://news.example",
        "PYTHONPATH": str(ROOT),
        "NEWSLETTER_BATCH_SIZE": str(BATCH),
        "MASTHEAD_COLLECTSTATIC": "",
    }
    env.pop("MASTHEAD_TESTING", None)
    return env


def _python(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return done.stdout


def send(template: Path, work: Path, size: int) -> dict:
    data = work / f"send-{size}"
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(template, data)
    port = _free_port()
    env = _environment(data, port)
    started = time.monotonic()
    seeded = json.loads(
        _python(env, "-m", "tests.newsletters.seed_send", "seed", str(size)).splitlines()[-1]
    )
    seed_seconds = time.monotonic() - started
    counter = multiprocessing.Value("q", 0)
    sink = multiprocessing.Process(target=_serve, args=(port, counter), daemon=True)
    sink.start()
    time.sleep(0.3)
    try:
        worker = subprocess.Popen(
            [sys.executable, "-m", "masthead.cli", "send_newsletters", "--once",
             "--concurrency", str(CONCURRENCY)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        first = last = None
        seen = 0
        launched = time.monotonic()
        with MemorySampler(worker.pid) as memory:
            while worker.poll() is None:
                if time.monotonic() - launched > TIMEOUT:
                    worker.kill()
                    raise RuntimeError(f"the send of {size:,} did not finish in {TIMEOUT:.0f} s")
                count = counter.value
                now = time.monotonic()
                if count and first is None:
                    first = now
                if count != seen:
                    seen, last = count, now
                time.sleep(0.05)
        _, stderr = worker.communicate()
        if worker.returncode != 0:
            raise RuntimeError(stderr[-3000:])
        time.sleep(0.2)
        received = counter.value
        if received != seen:
            last = time.monotonic()
    finally:
        sink.terminate()
        sink.join()
    report_ = json.loads(
        _python(
            env, "-m", "tests.newsletters.seed_send", "report", str(seeded["issue"])
        ).splitlines()[-1]
    )
    sending_seconds = (last - first) if first and last and last > first else float("nan")
    shutil.rmtree(data, ignore_errors=True)
    result = {
        "size": size,
        "recipients": seeded["recipients"],
        "received": received,
        "sent_rows": report_.get("sent", 0),
        "issue": report_["issue"],
        "seed_seconds": seed_seconds,
        "seconds": sending_seconds,
        "wall_seconds": time.monotonic() - launched,
        "rate": received / sending_seconds if sending_seconds == sending_seconds else 0,
        "rss": memory.peak_rss,
        "pss": memory.peak_pss,
    }
    log(
        f"{size:,}: {result['rate']:,.0f} messages/s, peak RSS {report.mib(result['rss'])} "
        f"(PSS {report.mib(result['pss'])}), {received:,} received"
    )
    return result


def measure(work: Path) -> list[dict]:
    """Both sizes, each from the same freshly migrated data dir."""
    global LOAD_BEFORE
    LOAD_BEFORE = os.getloadavg()[0]
    template = work / "newsletter-template"
    shutil.rmtree(template, ignore_errors=True)
    template.mkdir(parents=True)
    log("migrating a fresh database")
    _python(_environment(template, 25), "-m", "masthead.cli", "migrate", "--no-input", "-v", "0")
    try:
        return [send(template, work, size) for size in SIZES]
    finally:
        shutil.rmtree(template, ignore_errors=True)


def section(results: list[dict]) -> list[str]:
    lines = [
        "## Newsletter send into a local SMTP sink",
        "",
        f"Worker: `masthead send_newsletters --once --concurrency {CONCURRENCY}` (threads, one "
        f"SMTP connection each, batches of {BATCH} rows), SQLite WAL, production settings; the "
        "sink is a minimal asyncio SMTP server in its own process that counts and drops each "
        "message. Rate: messages received per second from the first to the last. Memory: the "
        "worker process, sampled from /proc every 100 ms. Seeding: subscribers inserted and "
        "the issue started (its delivery rows queued). "
        f"Load average (1 min) before: {LOAD_BEFORE:.2f} on {os.cpu_count()} cores.",
        "",
        "| subscribers | messages/s | sending time | worker peak RSS (PSS) | received | "
        "rows sent | issue | seeding |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['size']:,} | {r['rate']:,.0f} | {r['seconds']:,.0f} s "
            f"| {report.mib(r['rss'])} ({report.mib(r['pss'])}) | {r['received']:,} "
            f"| {r['sent_rows']:,} | {r['issue']} | {r['seed_seconds']:,.0f} s |"
        )
    if len(results) >= 2:
        small, large = results[0], results[-1]
        growth = large["rss"] / small["rss"] if small["rss"] else float("nan")
        lines += [
            "",
            f"Peak worker memory at {small['size']:,} subscribers: {report.mib(small['rss'])}; "
            f"at {large['size']:,}: {report.mib(large['rss'])} (x{growth:.2f}: "
            f"{'flat' if growth < 1.15 else 'NOT flat'}). Exactly one message per subscriber: "
            f"{'yes' if all(r['received'] == r['size'] for r in results) else '**no**'}.",
        ]
    return lines


def main() -> None:
    work = Path(os.environ.get("BENCH_DATA_DIR", ROOT / "var" / "bench")) / "newsletter"
    work.mkdir(parents=True, exist_ok=True)
    lines = [
        f"# Masthead newsletter bench, {dt.date.today().isoformat()}",
        "",
        *section(measure(work)),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    out = ROOT / "bench" / "results" / f"{dt.date.today().isoformat()}-newsletter.md"
    out.write_text(text)
    log(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
