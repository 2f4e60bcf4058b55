"""Cursor pagination of /api/v1/articles: complete, duplicate-free walks, stable under inserts."""

import base64
import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from masthead.newsroom.models import ArticlePage
from tests.newsroom.factories import days_ago, make_article

pytestmark = pytest.mark.django_db


def walk(client, url: str) -> tuple[list[dict], list[dict]]:
    """Every page from `url` on, following `next`; returns (pages, items)."""
    pages, items = [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        page = response.json()
        pages.append(page)
        items.extend(page["items"])
        url = page["next"]
    return pages, items


def test_walk_with_small_pages_has_no_gaps_or_duplicates(client, newsroom):
    pages, items = walk(client, "/api/v1/articles?limit=2")
    ids = [item["id"] for item in items]
    assert ids == [a.pk for a in newsroom["live"]]
    assert len(set(ids)) == len(ids) == 7
    assert [len(p["items"]) for p in pages] == [2, 2, 2, 1]
    assert {p["count"] for p in pages} == {7}
    assert pages[-1]["next"] is None


def test_next_link_is_absolute_and_keeps_filters_and_limit(client, newsroom):
    page = client.get("/api/v1/articles?section=analysis&limit=2").json()
    parts = urlsplit(page["next"])
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "testserver", "/api/v1/articles")
    query = parse_qs(parts.query)
    assert query["section"] == ["analysis"] and query["limit"] == ["2"] and query["cursor"]
    _, items = walk(client, page["next"])
    assert len(items) == 3


def test_articles_published_at_the_same_instant_are_all_served(client, newsroom):
    same_moment = days_ago(30)
    tied = [make_article(section=newsroom["sections"]["news"]) for _ in range(5)]
    ArticlePage.objects.filter(pk__in=[a.pk for a in tied]).update(first_published_at=same_moment)
    _, items = walk(client, "/api/v1/articles?limit=3")
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)) == 12
    assert ids[-5:] == sorted((a.pk for a in tied), reverse=True)


def test_walk_is_stable_when_articles_are_published_meanwhile(client, newsroom):
    first = client.get("/api/v1/articles?limit=3").json()
    make_article(section=newsroom["sections"]["news"], title="Breaking meanwhile")
    _, rest = walk(client, first["next"])
    ids = [item["id"] for item in first["items"] + rest]
    assert ids == [a.pk for a in newsroom["live"]]
    assert client.get("/api/v1/articles?limit=3").json()["items"][0]["title"] == (
        "Breaking meanwhile"
    )


def test_limit_bounds_are_inclusive(client, newsroom):
    assert len(client.get("/api/v1/articles?limit=1").json()["items"]) == 1
    assert len(client.get("/api/v1/articles?limit=100").json()["items"]) == 7
    assert len(client.get("/api/v1/articles").json()["items"]) == 7


def test_default_page_is_twenty(client, newsroom):
    for _ in range(15):
        make_article(section=newsroom["sections"]["news"], published_at=days_ago(40))
    page = client.get("/api/v1/articles").json()
    assert len(page["items"]) == 20
    assert page["count"] == 22
    assert page["next"] is not None


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 !",
        base64.urlsafe_b64encode(b"not json").decode(),
        base64.urlsafe_b64encode(b'{"a": 1}').decode(),
        base64.urlsafe_b64encode(b'["2024-01-01T00:00:00+00:00"]').decode(),
        base64.urlsafe_b64encode(b'["yesterday", 5]').decode(),
        base64.urlsafe_b64encode(b'["2024-01-01T00:00:00", 5]').decode(),
        base64.urlsafe_b64encode(
            b'["2024-01-01T00:00:00+00:00", 99999999999999999999999]'
        ).decode(),
        base64.urlsafe_b64encode(b'["2024-01-01T00:00:00+00:00", null]').decode(),
    ],
)
def test_bad_cursor_is_a_400_problem(client, newsroom, cursor):
    response = client.get("/api/v1/articles", {"cursor": cursor})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400 and problem["title"] == "Bad Request"
    assert problem["errors"][0]["loc"] == ["query", "cursor"]


def test_a_cursor_past_the_oldest_article_gives_an_empty_last_page(client, newsroom):
    long_ago = dt.datetime(1990, 1, 1, tzinfo=dt.UTC).isoformat()
    token = base64.urlsafe_b64encode(f'["{long_ago}", 1]'.encode()).decode().rstrip("=")
    page = client.get("/api/v1/articles", {"cursor": token}).json()
    assert page == {"items": [], "count": 7, "next": None}
