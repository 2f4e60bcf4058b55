"""Readership reads: counts, trending, most read, and the dashboard's series."""

import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import ExpressionWrapper, F, FloatField, IntegerField, Sum, Value
from django.db.models.functions import Power

from .models import ArticleHourlyViews, ArticleViewTotal, ReferrerDailyViews, day_date
from .services import TOTAL_CACHE_KEY, view_buffer


def current_hour() -> int:
    return int(time.time()) // 3600


# --- which articles a beacon may count ----------------------------------------------

_known_lock = threading.Lock()
_known: dict = {"ids": frozenset(), "loaded": 0.0}
KNOWN_RELOAD_ON_MISS_SECONDS = 2.0


def _load_known_ids() -> None:
    from masthead.newsroom.models import ArticlePage

    ids = frozenset(ArticlePage.objects.live().values_list("pk", flat=True))
    _known.update(ids=ids, loaded=time.monotonic())


def _needs_reload(article_id: int) -> bool:
    age = time.monotonic() - _known["loaded"]
    if age > settings.MASTHEAD_VIEW_IDS_SECONDS:
        return True
    return article_id not in _known["ids"] and age > KNOWN_RELOAD_ON_MISS_SECONDS


def is_countable_article(article_id: int) -> bool:
    """Whether `article_id` is a live article, from a set of ids kept in memory.

    The set is reloaded (one query) when it is older than MASTHEAD_VIEW_IDS_SECONDS, or
    when an unknown id arrives and the last load is a couple of seconds old, so a
    just-published article counts at once while made-up ids cost at most one query
    every couple of seconds.
    """
    if _needs_reload(article_id):
        with _known_lock:
            if _needs_reload(article_id):  # another thread may have just reloaded
                _load_known_ids()
    return article_id in _known["ids"]


def forget_known_articles() -> None:
    _known.update(ids=frozenset(), loaded=0.0)


# --- public counts --------------------------------------------------------------------


def view_count(article_id: int) -> int:
    """The flushed total (cached briefly) plus the views still waiting in the buffer."""
    key = TOTAL_CACHE_KEY.format(article_id)
    total = cache.get(key)
    if total is None:
        total = (
            ArticleViewTotal.objects.filter(article_id=article_id)
            .values_list("views", flat=True)
            .first()
            or 0
        )
        cache.set(key, total, settings.MASTHEAD_VIEW_COUNT_CACHE_SECONDS)
    return total + view_buffer().pending_count(article_id)


def view_count_of(article) -> int:
    """view_count() for an article fetched with select_related("view_total") without
    another query; for any other article, view_count()."""
    descriptor = type(article).view_total
    if not descriptor.is_cached(article):
        return view_count(article.pk)
    try:
        total = article.view_total.views
    except ArticleViewTotal.DoesNotExist:
        total = 0
    return total + view_buffer().pending_count(article.pk)


def view_counts(article_ids: list[int]) -> dict[int, int]:
    """Counts for many articles from one query (the JSON endpoint's read)."""
    totals = dict(
        ArticleViewTotal.objects.filter(article_id__in=article_ids).values_list(
            "article_id", "views"
        )
    )
    buffer = view_buffer()
    return {pk: totals.get(pk, 0) + buffer.pending_count(pk) for pk in article_ids}


# --- trending -------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendWindow:
    hours: int
    half_life_hours: float


# Trending score of an article over a window of H hours:
#
#     score = sum over its hourly rows h with now - h < H of  views(h) * 2 ** (-(now - h) / T)
#
# where now and h are hour numbers and T is the half-life: a view T hours old weighs half
# as much as one this hour.  The half-life is a quarter of the window for 24 h (6 h) and
# roughly a fifth for 7 d (36 h) and 30 d (7 d): within each window recent readership
# leads, yet a story read steadily across the window still outranks a brief spike.
WINDOWS = {
    "24h": TrendWindow(hours=24, half_life_hours=6),
    "7d": TrendWindow(hours=24 * 7, half_life_hours=36),
    "30d": TrendWindow(hours=24 * 30, half_life_hours=24 * 7),
}


def _scope(*, site_root=None, section=None):
    """Live public articles of a section, or of the site under `site_root`."""
    from masthead.newsroom.models import ArticlePage

    articles = ArticlePage.objects.live().public()
    if section is not None:
        return articles.in_section(section), f"s{section.pk}"
    return articles.descendant_of(site_root), f"r{site_root.pk}"


def trending_scores(
    *, window: str = "24h", site_root=None, section=None, limit: int = 5
) -> list[tuple[int, float]]:
    """[(article id, score)], best first: one aggregate query, cached for a few minutes."""
    spec = WINDOWS[window]
    scope, scope_key = _scope(site_root=site_root, section=section)
    key = f"metrics:trending:{scope_key}:{window}:{limit}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    now = current_hour()
    weight = Power(
        Value(2.0),
        ExpressionWrapper(
            (F("hour") - Value(now)) / Value(float(spec.half_life_hours)),
            output_field=FloatField(),
        ),
    )
    rows = (
        ArticleHourlyViews.objects.filter(hour__gt=now - spec.hours, article__in=scope.values("pk"))
        .values("article_id")
        .annotate(score=Sum(ExpressionWrapper(F("views") * weight, output_field=FloatField())))
        .order_by("-score", "-article_id")[:limit]
    )
    result = [(row["article_id"], float(row["score"])) for row in rows]
    cache.set(key, result, settings.MASTHEAD_VIEW_TRENDING_CACHE_SECONDS)
    return result


def _articles_in_order(ids: list[int]) -> list:
    from masthead.core.memo import per_generation
    from masthead.newsroom.models import ArticlePage

    def load() -> list:
        by_id = ArticlePage.objects.live().public().filter(pk__in=ids).for_listing().in_bulk()
        return [by_id[pk] for pk in ids if pk in by_id]

    # The same few lists are shown on every page until the ranking moves; the
    # teasers themselves change only with edits that bump the generation.
    return per_generation(("metrics:articles", tuple(ids)), load)


def trending_articles(*, window: str = "24h", site_root=None, section=None, limit: int = 5):
    scores = trending_scores(window=window, site_root=site_root, section=section, limit=limit)
    return _articles_in_order([pk for pk, _ in scores])


def most_read_ids(*, section=None, site_root=None, days: int = 7, limit: int = 5) -> list:
    """[(article id, views)] over the last `days` days, most read first (cached briefly)."""
    scope, scope_key = _scope(site_root=site_root, section=section)
    key = f"metrics:most-read:{scope_key}:{days}:{limit}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    rows = (
        ArticleHourlyViews.objects.filter(
            hour__gt=current_hour() - days * 24, article__in=scope.values("pk")
        )
        .values("article_id")
        .annotate(total=Sum("views"))
        .order_by("-total", "-article_id")[:limit]
    )
    result = [(row["article_id"], row["total"]) for row in rows]
    cache.set(key, result, settings.MASTHEAD_VIEW_TRENDING_CACHE_SECONDS)
    return result


def most_read_articles(*, section=None, site_root=None, days: int = 7, limit: int = 5):
    ids = most_read_ids(section=section, site_root=site_root, days=days, limit=limit)
    return _articles_in_order([pk for pk, _ in ids])


# --- the dashboard ------------------------------------------------------------------


def daily_views(*, days: int = 30, article=None, site_root=None) -> list[tuple]:
    """[(date, views)] for each of the last `days` UTC days, oldest first, zeros included."""
    today = current_hour() // 24
    first = today - days + 1
    rows = ArticleHourlyViews.objects.filter(hour__gte=first * 24)
    if article is not None:
        rows = rows.filter(article=article)
    elif site_root is not None:
        rows = rows.filter(article__in=_scope(site_root=site_root)[0].values("pk"))
    day = ExpressionWrapper(F("hour") / Value(24), output_field=IntegerField())
    per_day = dict(
        rows.annotate(day=day)
        .values("day")
        .annotate(total=Sum("views"))
        .values_list("day", "total")
    )
    return [(day_date(d), per_day.get(d, 0)) for d in range(first, today + 1)]


def top_articles(*, site_root, hours: int, limit: int = 10) -> list[tuple]:
    """[(article, views)] with the most views in the last `hours` hours."""
    rows = list(
        ArticleHourlyViews.objects.filter(
            hour__gt=current_hour() - hours,
            article__in=_scope(site_root=site_root)[0].values("pk"),
        )
        .values("article_id")
        .annotate(total=Sum("views"))
        .order_by("-total", "-article_id")[:limit]
    )
    articles = {a.pk: a for a in _articles_in_order([row["article_id"] for row in rows])}
    return [(articles[r["article_id"]], r["total"]) for r in rows if r["article_id"] in articles]


def top_referrers(*, days: int = 30, limit: int = 20) -> list[tuple[str, int]]:
    first = current_hour() // 24 - days + 1
    return list(
        ReferrerDailyViews.objects.filter(day__gte=first)
        .values("domain")
        .annotate(total=Sum("views"))
        .order_by("-total", "domain")
        .values_list("domain", "total")[:limit]
    )
