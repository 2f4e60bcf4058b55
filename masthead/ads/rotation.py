"""Weighted choice among creatives.

On web pages the choice is made in the reader's browser from slots.json, so a
cached page still rotates; the server chooses only where no script runs: the
ad inside a newsletter, chosen once per issue with the issue id as the seed, so
every recipient of an issue sees the same ad and re-rendering it is stable.
"""

import random
from collections.abc import Sequence


def pick[T](items: Sequence[tuple[T, int]], rng: random.Random) -> T | None:
    """One item of (item, weight) pairs, each with probability weight / total weight;
    None when there is nothing to choose from.  Weights are at least 1 (model
    constraints), so no listed item is impossible."""
    total = sum(weight for _, weight in items)
    if total <= 0:
        return None
    point = rng.randrange(total)
    for item, weight in items:
        point -= weight
        if point < 0:
            return item
    return None  # unreachable: point < total


def seeded(seed: int) -> random.Random:
    """The generator for one newsletter issue: the same seed gives the same draws."""
    return random.Random(f"masthead.ads.newsletter:{int(seed)}")
