"""The schedule watcher: cached pages gain a slot when a campaign starts and lose it
when the campaign ends or reaches its daily impression cap.

Slots are part of the cached page (an empty slot renders nothing), and nothing is
saved when a start or end time passes or a cap fills, so no signal bumps the page
cache.  The worker's scheduler runs watch_schedule() every few seconds: it reduces
what may run now to a signature and bumps the content generation when that changes.
"""

import hashlib

from django.core.cache import cache
from django.utils import timezone

from masthead.core.pagecache import bump_generation

from . import selectors, serving
from .models import Creative

SIGNATURE_KEY = "ads:schedule:signature"


def eligible_pairs(at=None) -> list[tuple[int, int]]:
    """(placement id, campaign id) for every enabled placement with an active creative of
    a running campaign under its daily cap.  Only what time changes: completeness,
    sections and settings change through saves, which bump the generation themselves."""
    at = at or timezone.now()
    pairs = set(
        Creative.objects.filter(
            active=True,
            campaign__in=selectors.running_campaigns(at),
            placements__enabled=True,
        ).values_list("placements", "campaign")
    )
    capped = serving.campaigns_over_daily_cap({campaign for _, campaign in pairs}, at=at)
    return sorted(pair for pair in pairs if pair[1] not in capped)


def signature(at=None) -> str:
    text = ";".join(f"{placement}:{campaign}" for placement, campaign in eligible_pairs(at))
    return hashlib.sha256(text.encode()).hexdigest()


def watch_schedule() -> bool:
    """Bump the page cache if what may run has changed since the last call; True if so.

    With no signature stored (first run, or an evicted key) it bumps too: a page
    cached while no watcher ran may show a campaign that has ended since.  Several
    workers running this at once at worst bump twice, which costs one extra render.
    """
    current = signature()
    previous = cache.get(SIGNATURE_KEY)
    if previous == current:
        return False
    cache.set(SIGNATURE_KEY, current, timeout=None)
    bump_generation()
    return True
