"""A plausible, deterministic view history for the demo's articles.

Each article draws a popularity and then loses readers as it ages (half its
hourly readers every 18 hours), so Trending, Most read and the Readership
dashboard show something real-looking the moment the demo loads.
"""

import math
import random
from collections import Counter

from masthead.metrics.services import add_view_history

HALF_LIFE_HOURS = 18.0
REFERRERS = ["search.example", "social.example.com", "news.example.org", "forum.example.net"]


def seed_view_history(*, articles: list, now_hour: int, seed: int) -> int:
    """Add views from each article's publication hour until `now_hour`; returns the total."""
    rng = random.Random(seed)
    hourly: Counter = Counter()
    referrers: Counter = Counter()
    for article in articles:
        published = int(article.first_published_at.timestamp()) // 3600
        peak = rng.choice([40, 60, 90, 140, 220, 400]) * rng.uniform(0.6, 1.4)
        for hour in range(published, now_hour + 1):
            expected = peak * math.pow(2, -(hour - published) / HALF_LIFE_HOURS)
            if expected < 0.5:
                break
            views = max(0, round(rng.gauss(expected, expected * 0.2)))
            if views:
                hourly[(article.pk, hour)] += views
                if rng.random() < 0.3:
                    referrers[(rng.choice(REFERRERS), hour // 24)] += max(1, views // 5)
    return add_view_history(hourly=hourly, referrers=referrers)
