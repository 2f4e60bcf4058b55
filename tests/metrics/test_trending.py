"""Trending and most read on a constructed history of hourly rows."""

import datetime as dt

import pytest
import time_machine

from masthead.metrics.models import ArticleHourlyViews
from masthead.metrics.selectors import most_read_ids, trending_scores
from tests.newsroom.factories import default_site, make_article, make_section

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 5, 4, 15, 30, tzinfo=dt.UTC)
NOW_HOUR = int(NOW.timestamp()) // 3600


def views(article, *, hours_ago: int, count: int) -> None:
    ArticleHourlyViews.objects.create(article=article, hour=NOW_HOUR - hours_ago, views=count)


@pytest.fixture
def history():
    """Four articles whose order differs by window:
    - steady: 100 views 20 hours ago        (24h: 100 * 2^(-20/6) = 9.9)
    - fresh: 30 views an hour ago           (24h: 30 * 2^(-1/6) = 26.7)
    - small: 10 views this hour             (24h: 10)
    - old: 1000 views 25 hours ago, outside 24h (7d: 1000 * 2^(-25/36) = 618)
    """
    news, sport = make_section("News"), make_section("Sport")
    articles = {
        "steady": make_article(section=news, title="Steady"),
        "fresh": make_article(section=sport, title="Fresh"),
        "small": make_article(section=news, title="Small"),
        "old": make_article(section=news, title="Old"),
    }
    views(articles["steady"], hours_ago=20, count=100)
    views(articles["fresh"], hours_ago=1, count=30)
    views(articles["small"], hours_ago=0, count=10)
    views(articles["old"], hours_ago=25, count=1000)
    views(articles["old"], hours_ago=24 * 40, count=50_000)  # outside every window
    return articles


def order(scores, articles) -> list[str]:
    names = {a.pk: name for name, a in articles.items()}
    return [names[pk] for pk, _ in scores]


def test_trending_order_per_window(history):
    root = default_site().root_page
    with time_machine.travel(NOW, tick=False):
        day = trending_scores(window="24h", site_root=root)
        week = trending_scores(window="7d", site_root=root)
        month = trending_scores(window="30d", site_root=root)
    assert order(day, history) == ["fresh", "small", "steady"]
    assert dict(day)[history["fresh"].pk] == pytest.approx(30 * 2 ** (-1 / 6))
    assert dict(day)[history["steady"].pk] == pytest.approx(100 * 2 ** (-20 / 6))
    assert order(week, history) == ["old", "steady", "fresh", "small"]
    assert dict(week)[history["old"].pk] == pytest.approx(1000 * 2 ** (-25 / 36))
    assert order(month, history) == ["old", "steady", "fresh", "small"]


def test_trending_per_section_and_limit(history):
    news = history["steady"].get_parent().specific
    with time_machine.travel(NOW, tick=False):
        scores = trending_scores(window="7d", section=news, limit=2)
    assert order(scores, history) == ["old", "steady"]


def test_unpublished_articles_leave_trending(history):
    history["fresh"].unpublish()
    with time_machine.travel(NOW, tick=False):
        scores = trending_scores(window="24h", site_root=default_site().root_page)
    assert order(scores, history) == ["small", "steady"]


def test_most_read_sums_seven_days(history):
    news = history["steady"].get_parent().specific
    with time_machine.travel(NOW, tick=False):
        assert order(most_read_ids(section=news), history) == ["old", "steady", "small"]
        assert dict(most_read_ids(section=news))[history["old"].pk] == 1000


def test_trending_api(client, history):
    with time_machine.travel(NOW, tick=False):
        body = client.get("/api/v1/trending?window=7d").json()
        sport = client.get("/api/v1/trending?section=sport").json()
        unknown = client.get("/api/v1/trending?section=nope")
        bad_window = client.get("/api/v1/trending?window=1y")
    assert [item["title"] for item in body["items"]] == ["Old", "Steady", "Fresh", "Small"]
    assert body["items"][0]["section"] == "news"
    assert body["items"][0]["view_count"] == 0  # totals come from flushed beacons only
    assert [item["title"] for item in sport["items"]] == ["Fresh"]
    assert unknown.status_code == 422
    assert bad_window.status_code == 422


def test_home_article_and_section_pages_show_the_lists(client, history):
    with time_machine.travel(NOW, tick=False):
        home = client.get("/").content.decode()
        article = client.get(history["small"].url).content.decode()
        section = client.get(history["steady"].get_parent().url).content.decode()
    trending = home[home.index('id="trending-heading"') :]
    assert trending.index("Fresh") < trending.index("Small") < trending.index("Steady")
    assert 'id="trending-heading"' in article
    most_read = section[section.index('id="most-read-heading"') :]
    assert most_read.index("Old") < most_read.index("Steady") < most_read.index("Small")


def test_article_api_has_view_counts(client, history):
    from masthead.metrics.models import ArticleViewTotal

    ArticleViewTotal.objects.create(article=history["steady"], views=1234)
    listing = client.get("/api/v1/articles").json()
    counts = {item["title"]: item["view_count"] for item in listing["items"]}
    assert counts["Steady"] == 1234
    assert counts["Fresh"] == 0
    detail = client.get(f"/api/v1/articles/{history['steady'].pk}").json()
    assert detail["view_count"] == 1234
    views_api = client.get(f"/api/v1/views?ids={history['steady'].pk},{history['old'].pk}")
    assert views_api.json() == {
        "items": [
            {"id": history["steady"].pk, "view_count": 1234},
            {"id": history["old"].pk, "view_count": 0},
        ]
    }
