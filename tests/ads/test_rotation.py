"""Weighted rotation: shares converge to the weights; the newsletter's draw is stable."""

import random
from collections import Counter

from masthead.ads import rotation


def test_shares_converge_to_the_weights():
    items = [("a", 1), ("b", 3), ("c", 6), ("d", 10)]
    rng = random.Random(20240501)
    draws = Counter(rotation.pick(items, rng) for _ in range(20_000))
    total = sum(weight for _, weight in items)
    for item, weight in items:
        assert abs(draws[item] / 20_000 - weight / total) < 0.02, (item, draws)


def test_campaign_times_creative_weights_converge_too():
    """slots.json weights are campaign weight x creative weight; the browser draws the
    same way, so a campaign of weight 30 with creatives 1 and 2 gets 30 and 60."""
    items = [("light", 30 * 1), ("heavy", 30 * 2), ("other", 10 * 1)]
    rng = random.Random(7)
    draws = Counter(rotation.pick(items, rng) for _ in range(20_000))
    assert abs(draws["light"] / 20_000 - 0.3) < 0.02
    assert abs(draws["heavy"] / 20_000 - 0.6) < 0.02
    assert abs(draws["other"] / 20_000 - 0.1) < 0.02


def test_every_item_of_weight_one_can_be_drawn():
    items = [("rare", 1), ("common", 1000)]
    rng = random.Random(1)
    assert "rare" in {rotation.pick(items, rng) for _ in range(20_000)}


def test_nothing_to_choose_from():
    assert rotation.pick([], random.Random(1)) is None


def test_the_issue_seed_gives_the_same_draws_everywhere():
    items = [(n, n + 1) for n in range(10)]
    first = [rotation.pick(items, rotation.seeded(42)) for _ in range(5)]
    assert len(set(first)) == 1
    others = {rotation.pick(items, rotation.seeded(seed)) for seed in range(1, 60)}
    assert len(others) > 1  # different issues do rotate
