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
from itertools import islice

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from .buffer import InProcessBuffer, LocalClaims, RedisBuffer, ViewBuffer, ViewEvent
from .models import ArticleHourlyViews, ArticleViewTotal, DailySalt, ReferrerDailyViews, ViewClaim

log = logging.getLogger(__name__)

BATCH_ROWS = 500  # rows per upsert statement, well under SQLite's bound-parameter limit
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


def _make_buffer() -> ViewBuffer:
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
    return RedisBuffer(choice, prefix=settings.MASTHEAD_VIEW_REDIS_PREFIX)


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


def _chunks(rows: list, size: int = BATCH_ROWS):
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _rounds(events: list[ViewEvent], window: int) -> list[list[ViewEvent]]:
    """Split a batch so no visitor appears twice in one upsert (PostgreSQL refuses that),
    dropping repeats inside the window as the database would."""
    rounds: list[list[ViewEvent]] = []
    last: dict[str, tuple[int, int]] = {}  # visitor -> (time of last kept view, its round)
    for event in sorted(events, key=lambda e: e.at):
        previous = last.get(event.visitor)
        if previous is not None and event.at < previous[0] + window:
            continue
        index = 0 if previous is None else previous[1] + 1
        if index == len(rounds):
            rounds.append([])
        rounds[index].append(event)
        last[event.visitor] = (event.at, index)
    return rounds


def _claim(events: list[ViewEvent], window: int) -> set[str]:
    """Take the claims these views need; returns the visitors whose view counts."""
    table = connection.ops.quote_name(ViewClaim._meta.db_table)
    won: set[str] = set()
    with connection.cursor() as cursor:
        for chunk in _chunks(events):
            values = ", ".join(["(%s, %s)"] * len(chunk))
            params = [p for e in chunk for p in (e.visitor, e.at + window)]
            # A claim is taken when there is none, or the one there expired by the time
            # of this view; RETURNING lists exactly the rows inserted or updated.
            cursor.execute(
                f"INSERT INTO {table} (visitor, expires) VALUES {values} "  # noqa: S608
                f"ON CONFLICT (visitor) DO UPDATE SET expires = excluded.expires "
                f"WHERE {table}.expires <= excluded.expires - %s RETURNING visitor",
                [*params, window],
            )
            won.update(row[0] for row in cursor.fetchall())
    return won


def _add_counts(model, key_columns: tuple[str, ...], counts: Counter) -> None:
    """Add `counts` ({key tuple: views}) into `model`'s rows with one upsert per chunk."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [*key_columns, "views"]
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    rows = [(*key, views) for key, views in sorted(counts.items())]
    with connection.cursor() as cursor:
        for chunk in _chunks(rows):
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
                f"VALUES {', '.join([placeholders] * len(chunk))} "
                f"ON CONFLICT ({', '.join(key_columns)}) "
                f"DO UPDATE SET views = {table}.views + excluded.views",
                [value for row in chunk for value in row],
            )


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
        for batch in _rounds([e for e in events if e.article_id in existing], window):
            won = _claim(batch, window)
            counted += [e for e in batch if e.visitor in won]
        hourly = Counter((e.article_id, e.at // 3600) for e in counted)
        totals = Counter((e.article_id,) for e in counted)
        referrers = Counter((e.referrer, e.at // 86400) for e in counted if e.referrer)
        _add_counts(ArticleHourlyViews, ("article_id", "hour"), hourly)
        _add_counts(ArticleViewTotal, ("article_id",), totals)
        _add_counts(ReferrerDailyViews, ("domain", "day"), referrers)
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
        _add_counts(ArticleHourlyViews, ("article_id", "hour"), hourly)
        _add_counts(ArticleViewTotal, ("article_id",), totals)
        _add_counts(ReferrerDailyViews, ("domain", "day"), referrers or Counter())
    cache.delete_many([TOTAL_CACHE_KEY.format(pk) for (pk,) in totals])
    return sum(totals.values())


# --- the flusher thread ---------------------------------------------------------------


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
            flush_views()
        except Exception:
            # The views stay buffered; the next round tries again.
            log.exception("flushing views failed")
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
        flush_views()
    except Exception:
        log.exception("the final flush of views failed")


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
