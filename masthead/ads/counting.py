"""Counting ad impressions and clicks honestly, the way masthead.metrics counts views.

A beacon (or a click) is checked cheaply, hashed, and buffered; a flush later writes
the buffered events in one transaction.  An event counts only if:

- its visitor can take the claim for (kind, creative) in AdClaim, so a repeat within
  MASTHEAD_AD_DEDUPE_SECONDS, or a replayed batch, counts nothing more;
- for impressions of a campaign with a per-visitor daily cap, the visitor's counted
  impressions of that campaign today stay within the cap.  The cap counter is one
  row per (salted visitor, campaign, day), raised by an atomic upsert whose RETURNING
  value tells each flush exactly how much room was left, even with flushes running
  side by side in several processes.
- its creative still exists (events of a deleted creative are dropped).

Visitors are never stored: only truncated hashes salted with the day's secret
(masthead.metrics.services.salt_for), which is deleted the next day.
"""

import datetime as dt
import functools
import hashlib
import time
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

from masthead.core.memo import per_generation
from masthead.metrics import services as metrics
from masthead.metrics.buffer import LocalClaims, ViewBuffer
from masthead.metrics.counting import chunks, claim_visitors, split_rounds

from .models import AdClaim, Campaign, Creative, CreativeDailyStats, VisitorCapCount

IMPRESSION = "i"
CLICK = "c"


@dataclass(frozen=True, slots=True)
class AdEvent:
    kind: str  # IMPRESSION or CLICK
    visitor: str  # hash of (salt, IP, user agent, kind, creative): the dedupe claim
    cap: str  # hash of (salt, IP, user agent, "cap", campaign): the per-visitor cap row
    creative_id: int
    campaign_id: int
    placement_id: int
    at: int  # Unix seconds

    @property
    def key(self) -> int:
        return self.creative_id

    def pack(self) -> str:
        return (
            f"{self.kind}|{self.visitor}|{self.cap}|{self.creative_id}|{self.campaign_id}"
            f"|{self.placement_id}|{self.at}"
        )

    @classmethod
    def unpack(cls, raw: bytes | str) -> "AdEvent":
        text = raw.decode() if isinstance(raw, bytes) else raw
        kind, visitor, cap, creative, campaign, placement, at = text.split("|")
        return cls(kind, visitor, cap, int(creative), int(campaign), int(placement), int(at))


# --- per-process state ------------------------------------------------------------------


def _state() -> dict:
    return metrics.process_local(
        "ads",
        lambda: {
            "buffer": metrics.make_buffer(
                prefix=settings.MASTHEAD_AD_REDIS_PREFIX, event_type=AdEvent
            ),
            "claims": LocalClaims(),
        },
    )


def ad_buffer() -> ViewBuffer:
    return _state()["buffer"]


def reset_ad_state() -> None:
    """Forget buffered ad events and recently seen visitors (tests)."""
    state = _state()
    state["buffer"].reset()
    state["claims"].reset()


# --- what a beacon may name --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KnownCreative:
    campaign_id: int
    placement_ids: frozenset[int]
    visitor_cap: int | None


def _creative_index() -> dict[int, KnownCreative]:
    creatives = Creative.objects.values_list("pk", "campaign_id", "campaign__visitor_daily_cap")
    placements: dict[int, set[int]] = defaultdict(set)
    for creative_id, placement_id in Creative.placements.through.objects.values_list(
        "creative_id", "placement_id"
    ):
        placements[creative_id].add(placement_id)
    return {
        pk: KnownCreative(campaign_id, frozenset(placements[pk]), cap)
        for pk, campaign_id, cap in creatives
    }


def known_creative(creative_id: int) -> KnownCreative | None:
    """What the beacon needs to know of a creative, from a memo of all of them that lives
    for one content generation (every ads edit bumps it): no query per beacon."""
    return per_generation("ads.counting.creatives", _creative_index).get(creative_id)


# --- hashing and recording ---------------------------------------------------------------


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


def record_event(
    kind: str,
    *,
    creative_id: int,
    campaign_id: int,
    placement_id: int,
    ip: str,
    user_agent: str,
    at: float | None = None,
) -> bool:
    """Buffer one impression or click unless this process saw the same one within the
    window; returns whether it was buffered.  The caller has checked the request is a
    reader's.  A double click counts once, like a repeated impression."""
    now = int(time.time() if at is None else at)
    day = dt.datetime.fromtimestamp(now, tz=dt.UTC).date()
    salt = metrics.salt_for(day)
    visitor = _hash(salt, ip, user_agent, kind, str(creative_id))
    state = _state()
    if not state["claims"].take(visitor, now=now, window=settings.MASTHEAD_AD_DEDUPE_SECONDS):
        return False
    cap = _hash(salt, ip, user_agent, "cap", str(campaign_id))
    state["buffer"].add(AdEvent(kind, visitor, cap, creative_id, campaign_id, placement_id, now))
    metrics.start_flusher()
    return True


record_impression = functools.partial(record_event, IMPRESSION)
record_click = functools.partial(record_event, CLICK)


# --- flushing -----------------------------------------------------------------------------


def flush_ads() -> int:
    """Write every buffered impression and click; returns how many counted.  Safe to
    call from any process at any time, also several at once."""
    counted = 0

    def apply(events: list[AdEvent]) -> None:
        nonlocal counted
        counted += apply_ad_events(events)

    ad_buffer().flush(apply)
    return counted


def apply_ad_events(events: list[AdEvent]) -> int:
    """Count the events that win their visitor's claim and fit their campaign's visitor
    cap; returns how many counted.  One transaction; replaying events counts nothing more."""
    window = settings.MASTHEAD_AD_DEDUPE_SECONDS
    with transaction.atomic():
        existing = set(
            Creative.objects.filter(pk__in={e.creative_id for e in events}).values_list(
                "pk", flat=True
            )
        )
        won: list[AdEvent] = []
        for batch in split_rounds([e for e in events if e.creative_id in existing], window):
            winners = claim_visitors(AdClaim, batch, window)
            won += [e for e in batch if e.visitor in winners]
        caps = dict(
            Campaign.objects.filter(
                pk__in={e.campaign_id for e in won}, visitor_daily_cap__isnull=False
            ).values_list("pk", "visitor_daily_cap")
        )
        counted = _within_caps(won, caps)
        _add_stats(counted)
        expired_before = int(time.time()) - settings.MASTHEAD_AD_CLAIM_RETENTION_SECONDS
        AdClaim.objects.filter(expires__lt=expired_before).delete()
        today = int(time.time()) // 86400
        VisitorCapCount.objects.filter(day__lt=today - 1).delete()
    return len(counted)


def _within_caps(events: list[AdEvent], caps: dict[int, int]) -> list[AdEvent]:
    """The events that stay within their visitor's daily cap; clicks are never capped."""
    kept: list[AdEvent] = []
    capped: dict[str, list[AdEvent]] = defaultdict(list)
    for event in events:
        if event.kind == IMPRESSION and event.campaign_id in caps:
            capped[event.cap].append(event)
        else:
            kept.append(event)
    if not capped:
        return kept
    after = _raise_cap_counts({visitor: len(group) for visitor, group in capped.items()}, events)
    for visitor, group in capped.items():
        n = len(group)
        # `after` includes this flush's own n: what earlier flushes counted is after - n.
        room = max(0, min(n, caps[group[0].campaign_id] - (after[visitor] - n)))
        kept += sorted(group, key=lambda e: e.at)[:room]
    return kept


def _raise_cap_counts(increments: dict[str, int], events: list[AdEvent]) -> dict[str, int]:
    """Add `increments` to the visitors' cap rows atomically; returns each row's new value.

    Row-level: concurrent flushes each see the value their own increment produced,
    so between them they never hand out more than the cap.
    """
    day_of = {e.cap: e.at // 86400 for e in events}
    table = connection.ops.quote_name(VisitorCapCount._meta.db_table)
    rows = sorted(increments.items())
    after: dict[str, int] = {}
    with connection.cursor() as cursor:
        for chunk in chunks(rows):
            cursor.execute(
                f"INSERT INTO {table} (visitor, day, impressions) "  # noqa: S608
                f"VALUES {', '.join(['(%s, %s, %s)'] * len(chunk))} "
                f"ON CONFLICT (visitor) DO UPDATE "
                f"SET impressions = {table}.impressions + excluded.impressions "
                f"RETURNING visitor, impressions",
                [p for visitor, n in chunk for p in (visitor, day_of[visitor], n)],
            )
            after.update(cursor.fetchall())
    return after


def _add_stats(events: list[AdEvent]) -> None:
    counts: Counter[tuple[int, int, str]] = Counter(
        (e.creative_id, e.at // 86400, e.kind) for e in events
    )
    rows: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for (creative_id, day, kind), n in counts.items():
        rows[(creative_id, day)][0 if kind == IMPRESSION else 1] += n
    values = sorted((creative, day, i, c) for (creative, day), (i, c) in rows.items())
    table = connection.ops.quote_name(CreativeDailyStats._meta.db_table)
    with connection.cursor() as cursor:
        for chunk in chunks(values):
            cursor.execute(
                f"INSERT INTO {table} (creative_id, day, impressions, clicks) "  # noqa: S608
                f"VALUES {', '.join(['(%s, %s, %s, %s)'] * len(chunk))} "
                f"ON CONFLICT (creative_id, day) DO UPDATE "
                f"SET impressions = {table}.impressions + excluded.impressions, "
                f"clicks = {table}.clicks + excluded.clicks",
                [p for row in chunk for p in row],
            )
