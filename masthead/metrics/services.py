"""Counting views: take a beacon, buffer it, flush buffered views into hourly rows."""

import atexit
import datetime as dt
import hashlib
import logging
import os
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from .buffer import InProcessBuffer, LocalClaims, ViewBuffer, ViewEvent
from .counting import add_counts, claim_visitors, split_rounds
from .fallback import FallbackRedisBuffer
from .models import ArticleHourlyViews, ArticleViewTotal, DailySalt, ReferrerDailyViews, ViewClaim

log = logging.getLogger(__name__)

TOTAL_CACHE_KEY = "metrics:total:{}"

_state_lock = threading.Lock()
_state: dict = {}  # pid, buffer, local claims, flusher, salts: rebuilt in a forked child


def _process_state() -> dict:
    pid = os.getpid()
    if _state.get("pid") != pid:
        with _state_lock:
            if _state.get("pid") != pid:
                _state.clear()
                _state.update(
                    pid=pid,
                    buffer=_make_buffer(),
                    claims=LocalClaims(),
                    salts={},
                    flusher=None,
                )
    return _state


def make_buffer(*, prefix: str, event_type=ViewEvent) -> ViewBuffer:
    """A buffer for `event_type`: MASTHEAD_VIEW_BUFFER's choice, else Redis when the default
    cache is Redis, else this process's memory.  Other counters (ads) use it too, under
    a Redis prefix of their own."""
    choice = settings.MASTHEAD_VIEW_BUFFER
    if not choice:
        cache_settings = settings.CACHES["default"]
        if cache_settings["BACKEND"].endswith("RedisCache"):
            location = cache_settings["LOCATION"]
            choice = location[0] if isinstance(location, list | tuple) else location
        else:
            choice = "memory"
    if choice == "memory":
        return InProcessBuffer()
    # The cache's timeouts and retry pause (settings.CACHES) serve the buffers too.
    options = settings.CACHES["default"].get("OPTIONS", {})
    return FallbackRedisBuffer(
        _with_timeouts(choice, options.get("SOCKET_TIMEOUT", 0.25)),
        prefix=prefix,
        event_type=event_type,
        pause=options.get("RETRY_AFTER", 1.0),
    )


def _with_timeouts(url: str, timeout: float) -> str:
    """`url` with short socket timeouts unless it names its own: a beacon must not wait
    seconds for a Redis that stopped answering when memory can take the view at once."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    timeout = str(timeout)
    query.setdefault("socket_timeout", timeout)
    query.setdefault("socket_connect_timeout", timeout)
    return urlunsplit(parts._replace(query=urlencode(query)))


def _make_buffer() -> ViewBuffer:
    return make_buffer(prefix=settings.MASTHEAD_VIEW_REDIS_PREFIX)


def process_local(name: str, factory: Callable[[], object]):
    """State another counter keeps beside the views' in this process: rebuilt in a forked
    child and forgotten by reset_process_state()."""
    state = _process_state()
    if name not in state:
        with _state_lock:
            if name not in state:
                state[name] = factory()
    return state[name]


def view_buffer() -> ViewBuffer:
    return _process_state()["buffer"]


def reset_process_state() -> None:
    """Forget this process's buffered views, recent visitors and cached salts, and read
    the buffer settings again on next use."""
    state = _process_state()
    state["buffer"].reset()
    if state["flusher"] is not None:
        state["flusher"][1].set()
    with _state_lock:
        _state.clear()


# --- the daily salt -------------------------------------------------------------


def salt_for(day: dt.date) -> str:
    """The secret for `day` (UTC), created on first use; every older day's salt is deleted,
    so yesterday's visitor hashes can no longer be recomputed by anyone."""
    salts = _process_state()["salts"]
    salt = salts.get(day)
    if salt is None:
        with transaction.atomic():
            row, created = DailySalt.objects.get_or_create(
                day=day, defaults={"salt": secrets.token_hex(32)}
            )
            if created:
                DailySalt.objects.filter(day__lt=day).delete()
        salts.clear()
        salts[day] = salt = row.salt
    return salt


def visitor_hash(*, salt: str, ip: str, user_agent: str, article_id: int) -> str:
    material = "\x00".join((salt, ip, user_agent, str(article_id))).encode()
    return hashlib.sha256(material).hexdigest()[:32]


# --- recording --------------------------------------------------------------------


def record_view(
    *, article_id: int, ip: str, user_agent: str, referrer: str = "", at: float | None = None
) -> bool:
    """Buffer one view unless this visitor was counted for this article within the window.

    Returns whether the view was buffered.  The caller has already checked that the
    article exists and that the request is a reader's.
    """
    now = int(time.time() if at is None else at)
    state = _process_state()
    day = dt.datetime.fromtimestamp(now, tz=dt.UTC).date()
    visitor = visitor_hash(salt=salt_for(day), ip=ip, user_agent=user_agent, article_id=article_id)
    if not state["claims"].take(visitor, now=now, window=settings.MASTHEAD_VIEW_DEDUPE_SECONDS):
        return False
    state["buffer"].add(ViewEvent(visitor, article_id, now, referrer))
    _ensure_flusher(state)
    return True


# --- flushing -----------------------------------------------------------------------


def flush_views() -> int:
    """Write every buffered view into the database; returns how many views were counted.

    Safe to call from any process at any time, also several at once.
    """
    counted = 0

    def apply(events: list[ViewEvent]) -> None:
        nonlocal counted
        counted += apply_views(events)

    view_buffer().flush(apply)
    return counted


def apply_views(events: list[ViewEvent]) -> int:
    """Count the views among `events` that can take their visitor's claim; returns how many.

    One transaction: claims, hourly rows, totals and referrers are written together or
    not at all.  Applying the same events again counts nothing more.
    """
    from masthead.newsroom.models import ArticlePage

    window = settings.MASTHEAD_VIEW_DEDUPE_SECONDS
    with transaction.atomic():
        # Views of articles deleted since the beacon are dropped, not allowed to fail the batch.
        existing = set(
            ArticlePage.objects.filter(pk__in={e.article_id for e in events}).values_list(
                "pk", flat=True
            )
        )
        counted: list[ViewEvent] = []
        for batch in split_rounds([e for e in events if e.article_id in existing], window):
            won = claim_visitors(ViewClaim, batch, window)
            counted += [e for e in batch if e.visitor in won]
        hourly = Counter((e.article_id, e.at // 3600) for e in counted)
        totals = Counter((e.article_id,) for e in counted)
        referrers = Counter((e.referrer, e.at // 86400) for e in counted if e.referrer)
        add_counts(ArticleHourlyViews, ("article_id", "hour"), hourly)
        add_counts(ArticleViewTotal, ("article_id",), totals)
        add_counts(ReferrerDailyViews, ("domain", "day"), referrers)
        expired_before = int(time.time()) - settings.MASTHEAD_VIEW_CLAIM_RETENTION_SECONDS
        ViewClaim.objects.filter(expires__lt=expired_before).delete()
    # The cached totals of these articles are stale now that their views left the buffer.
    cache.delete_many([TOTAL_CACHE_KEY.format(pk) for (pk,) in totals])
    return len(counted)


def add_view_history(*, hourly: Counter, referrers: Counter | None = None) -> int:
    """Add already-counted views ({(article id, epoch hour): views}) and referrers
    ({(domain, epoch day): views}), e.g. from an import or the demo; returns the total.

    These views were deduplicated where they came from, so no visitor claims apply.
    """
    totals = Counter()
    for (article_id, _hour), views in hourly.items():
        totals[(article_id,)] += views
    with transaction.atomic():
        add_counts(ArticleHourlyViews, ("article_id", "hour"), hourly)
        add_counts(ArticleViewTotal, ("article_id",), totals)
        add_counts(ReferrerDailyViews, ("domain", "day"), referrers or Counter())
    cache.delete_many([TOTAL_CACHE_KEY.format(pk) for (pk,) in totals])
    return sum(totals.values())


# --- the flusher thread ---------------------------------------------------------------

# Other buffered counters (ad impressions and clicks) flush on the same thread and
# at the same exit as views: register_flush(fn) from their AppConfig.ready().
_extra_flushes: dict[str, Callable[[], object]] = {}


def register_flush(name: str, flush: Callable[[], object]) -> None:
    _extra_flushes[name] = flush


def flush_all() -> None:
    """Flush views and every registered counter; one failing does not stop the others."""
    failures = []
    for name, flush in [("views", flush_views), *_extra_flushes.items()]:
        try:
            flush()
        except Exception as exc:
            log.exception("flushing %s failed", name)
            failures.append(exc)
    if failures:
        raise failures[0]


def start_flusher() -> None:
    """Make sure this process flushes its buffers every MASTHEAD_VIEW_FLUSH_SECONDS."""
    _ensure_flusher(_process_state())


def _ensure_flusher(state: dict) -> None:
    interval = settings.MASTHEAD_VIEW_FLUSH_SECONDS
    if state["flusher"] is not None or interval <= 0:
        return
    with _state_lock:
        if state["flusher"] is not None:
            return
        stop = threading.Event()
        thread = threading.Thread(
            target=_flush_loop, args=(interval, stop), name="masthead-view-flusher", daemon=True
        )
        state["flusher"] = (thread, stop)
        thread.start()
        _register_final_flush()


def _flush_loop(interval: float, stop: threading.Event) -> None:
    while not stop.wait(interval):
        try:
            flush_all()
        except Exception:  # noqa: S110 - flush_all logged it; what failed stays buffered
            pass
        finally:
            connection.close()


_final_flush_registered = False


def _final_flush() -> None:
    state = _state
    if state.get("pid") != os.getpid():
        return
    flusher = state.get("flusher")
    if flusher is not None:
        flusher[1].set()
    try:
        flush_all()
    except Exception:
        log.exception("the final flush failed")


def _register_final_flush() -> None:
    """Flush once more when the process ends gracefully (SIGTERM/SIGINT to granian or
    gunicorn workers ends them through normal interpreter exit)."""
    global _final_flush_registered
    if _final_flush_registered:
        return
    _final_flush_registered = True
    atexit.register(_final_flush)
    # Processes that multiprocessing forked leave through os._exit, skipping atexit;
    # its own finalizers still run there.
    from multiprocessing import util

    util.Finalize(None, _final_flush, exitpriority=100)
