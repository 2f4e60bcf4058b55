"""Prometheus metrics at /prometheus: off unless PROMETHEUS_ENABLED, behind PROMETHEUS_TOKEN.

How the numbers stay right across processes and machines:

- Per-request counts (requests by method and status class, latency, page cache
  hits and misses) are kept by each server process and merged by
  prometheus_client's multiprocess mode: every process writes its values to
  mmap'ed files in PROMETHEUS_MULTIPROC_DIR (default: MASTHEAD_DATA_DIR/prometheus),
  and the process that answers a scrape sums every file, dead workers' included,
  so a counter never goes backwards when granian replaces a worker.  `masthead
  serve` empties the directory before the workers start (prepare_multiprocess_dir).
  Each machine reports its own processes; Prometheus sums the machines.
- Counting straight into those mmap values costs a lock, a pid check and an mmap
  write per value: on a page cache hit (two counters and a histogram) timeit
  measured 3 to 8 us on the shared 2-core machine, against a hit that costs 6 to
  14 us in Python: too much for the benchmarked path.  So requests are first
  counted in plain per-process integers (RequestTally.hit: list index adds and a
  bisect, about 0.5 us call included), and a daemon thread per process adds the
  difference to the mmap values every PUBLISH_SECONDS; the process answering a
  scrape publishes its own first.  Another process's last second of requests may
  show up one scrape late; nothing is lost.  The increments rely on the GIL (no
  thread switch inside `x[i] += 1` on an int in CPython); at worst a
  free-threaded build would lose a count, never correctness.
- Values that live elsewhere are read when scraped, in the scraping process: the
  view and ad buffers (Redis: shared by every server; memory: this process's own),
  the task queue (RQ's Redis list, or READY rows of the database queue), and the
  emails sent, which a worker on another machine sends: a counter in the shared
  cache (masthead.core.mail.count_sent_emails), so every app server reports the
  same total and a query should take max() over instances, not sum().
"""

from __future__ import annotations

import hmac
import logging
import os
import threading
from bisect import bisect_left
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from masthead.api.problems import problem_response

logger = logging.getLogger(__name__)

PUBLISH_SECONDS = 1.0
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other")
_METHOD_INDEX = {method: i for i, method in enumerate(METHODS)}
_OTHER = len(METHODS) - 1
STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")
# Seconds; a hit takes well under a millisecond, a rendered page tens of them.
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def multiprocess_dir() -> Path:
    """Where this machine's server processes keep their values; set for prometheus_client.

    prometheus_client reads PROMETHEUS_MULTIPROC_DIR from the environment itself,
    so the default (under MASTHEAD_DATA_DIR) is written back there for it.
    """
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    path = Path(given) if given else Path(settings.DATA_DIR) / "prometheus"
    path.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    return path


def prepare_multiprocess_dir() -> Path:
    """Empty the directory before a server's workers start (`masthead serve`).

    Files of processes from an earlier run would otherwise be summed forever and
    pile up, one per worker that ever lived.
    """
    path = multiprocess_dir()
    for stale in path.glob("*.db"):
        stale.unlink(missing_ok=True)
    return path


class _Metrics:
    """The multiprocess-backed metric objects of this process, made on first use."""

    def __init__(self):
        multiprocess_dir()
        from prometheus_client import CollectorRegistry, Counter, Histogram, values

        if not values.ValueClass._multiprocess:
            # prometheus_client was imported before the directory was known.
            values.ValueClass = values.MultiProcessValue()
        # Never registered globally: a scrape merges the files, not these objects.
        registry = CollectorRegistry()
        self.requests = Counter(
            "masthead_http_requests",
            "HTTP requests answered, page cache hits included.",
            ["method", "status"],
            registry=registry,
        )
        # Made when first counted: series for combinations that never happen stay out.
        self.children = [None] * (len(METHODS) * len(STATUS_CLASSES))
        self.duration = Histogram(
            "masthead_http_request_duration_seconds",
            "Time to answer a request, from the WSGI call to the response (body excluded).",
            buckets=BUCKETS,
            registry=registry,
        )
        self.hits = Counter(
            "masthead_page_cache_hits", "Pages answered from the page cache.", registry=registry
        )
        self.misses = Counter(
            "masthead_page_cache_misses",
            "Cacheable requests the page cache could not answer (rendered by Django).",
            registry=registry,
        )


class RequestTally:
    """This process's counts since it started; published to the mmap files by a thread."""

    def __init__(self):
        self._reset()

    def _reset(self) -> None:
        # Also after fork: the parent's publishing thread may have held the lock.
        self._publish_lock = threading.Lock()
        self.requests = [0] * (len(METHODS) * len(STATUS_CLASSES))
        self.buckets = [0] * (len(BUCKETS) + 1)  # the last one is +Inf
        self.seconds = 0.0
        self.hits = 0
        self.misses = 0
        self._published = None
        self._metrics: _Metrics | None = None
        self.started = False

    # --- the per-request path: no locks, no allocation beyond a float -------------------

    def request(self, method: str, status: int, seconds: float) -> None:
        cls = status // 100
        self.requests[
            _METHOD_INDEX.get(method, _OTHER) * 5 + (cls - 1 if 1 <= cls <= 5 else 4)
        ] += 1
        self.buckets[bisect_left(BUCKETS, seconds)] += 1
        self.seconds += seconds
        if not self.started:
            self._start()

    def hit(self, method: str, status: int, seconds: float) -> None:
        self.hits += 1
        self.request(method, status, seconds)

    def miss(self) -> None:
        self.misses += 1

    # --- publishing -------------------------------------------------------------------

    def _start(self) -> None:
        with self._publish_lock:
            if self.started:
                return
            self.started = True
            threading.Thread(
                target=self._publish_loop, name="prometheus-publish", daemon=True
            ).start()

    def _publish_loop(self) -> None:
        stop = threading.Event()
        while not stop.wait(PUBLISH_SECONDS):
            try:
                self.publish()
            except Exception:
                logger.exception("publishing request metrics failed")

    def publish(self) -> None:
        """Add what was counted since the last publish to this process's mmap values."""
        with self._publish_lock:
            if self._metrics is None:
                self._metrics = _Metrics()
            metrics = self._metrics
            now = (list(self.requests), list(self.buckets), self.seconds, self.hits, self.misses)
            before = self._published or (
                [0] * len(now[0]),
                [0] * len(now[1]),
                0.0,
                0,
                0,
            )
            for index, (new, old) in enumerate(zip(now[0], before[0], strict=True)):
                if new != old:
                    child = metrics.children[index]
                    if child is None:
                        method, status = divmod(index, len(STATUS_CLASSES))
                        child = metrics.requests.labels(METHODS[method], STATUS_CLASSES[status])
                        metrics.children[index] = child
                    child.inc(new - old)
            # Histogram has no bulk observe: add to its per-bucket values directly
            # (non-cumulative per bucket in multiprocess mode, as observe() does).
            for bucket, new, old in zip(metrics.duration._buckets, now[1], before[1], strict=True):
                if new != old:
                    bucket.inc(new - old)
            if now[2] != before[2]:
                metrics.duration._sum.inc(now[2] - before[2])
            if now[3] != before[3]:
                metrics.hits.inc(now[3] - before[3])
            if now[4] != before[4]:
                metrics.misses.inc(now[4] - before[4])
            self._published = now


_tally = RequestTally()
# A forked worker starts from zero with no publishing thread (threads do not survive fork);
# what the parent counted is already in its own files.
os.register_at_fork(after_in_child=_tally._reset)


def request_tally() -> RequestTally:
    return _tally


# --- values read at scrape time ----------------------------------------------------------


def _buffered_events(buffer) -> int:
    """Events waiting in a view buffer (all of them for Redis, this process's for memory)."""
    if hasattr(buffer, "pending_total"):
        return buffer.pending_total()
    if hasattr(buffer, "_redis"):
        return int(buffer._redis.llen(buffer._pending))
    return len(buffer._events)


def _queue_depth() -> int | None:
    backend = settings.TASKS["default"]["BACKEND"]
    if backend.endswith("RQBackend"):
        import django_rq

        return django_rq.get_queue("default").count
    if backend == "django_tasks_db.DatabaseBackend":
        from django_tasks_db.models import DBTaskResult

        return DBTaskResult.objects.ready().count()
    return None


class ScrapeTimeCollector:
    def collect(self):
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        buffers = GaugeMetricFamily(
            "masthead_buffered_events",
            "Views, impressions and clicks waiting to be flushed to the database.",
            labels=["buffer"],
        )
        for name, get in (("views", _view_buffer), ("ads", _ad_buffer)):
            value = _safely(f"{name} buffer", lambda get=get: _buffered_events(get()))
            if value is not None:
                buffers.add_metric([name], value)
        yield buffers

        depth = _safely("task queue", _queue_depth)
        if depth is not None:
            queue = GaugeMetricFamily(
                "masthead_task_queue_depth", "Tasks waiting for a worker.", labels=["queue"]
            )
            queue.add_metric(["default"], depth)
            yield queue

        from masthead.core.mail import sent_emails_total

        sent = _safely("emails sent", sent_emails_total)
        if sent is not None:
            yield CounterMetricFamily(
                "masthead_emails_sent",
                "Emails accepted by the mail server, by every process on every machine.",
                value=sent,
            )


def _view_buffer():
    from masthead.metrics.services import view_buffer

    return view_buffer()


def _ad_buffer():
    from masthead.ads.counting import ad_buffer

    return ad_buffer()


def _safely(what: str, read):
    try:
        return read()
    except Exception as exc:
        # One unreachable source must not cost the whole scrape.
        logger.warning("metrics: cannot read the %s: %s", what, exc)
        return None


def scrape(accept: str = "") -> tuple[bytes, str]:
    """The exposition of every process on this machine plus scrape-time values, in the
    format the scraper's Accept header asks for (Prometheus text 0.0.4 by default)."""
    _tally.publish()
    from prometheus_client import CollectorRegistry
    from prometheus_client.exposition import choose_encoder
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(multiprocess_dir()))
    registry.register(ScrapeTimeCollector())
    encoder, content_type = choose_encoder(accept)
    return encoder(registry), content_type


def _authorized(request) -> bool:
    token = settings.PROMETHEUS_TOKEN
    if not token:
        return True
    scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


@require_safe
def prometheus_metrics(request):
    if not settings.PROMETHEUS_ENABLED:
        raise Http404("Metrics are off.")
    if not _authorized(request):
        return problem_response(
            401,
            "Send the metrics token as Authorization: Bearer <PROMETHEUS_TOKEN>.",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"', "Cache-Control": "no-store"},
        )
    body, content_type = scrape(request.META.get("HTTP_ACCEPT", ""))
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response
