"""Sections, authors and tags through /api/v1/."""

import pytest

from tests.newsroom.factories import make_image

pytestmark = pytest.mark.django_db


def test_sections_in_menu_order(client, newsroom):
    response = client.get("/api/v1/sections")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 3
    assert [s["slug"] for s in data["items"]] == ["latest", "news", "analysis"]
    news = data["items"][1]
    assert news["url"] == "http://testserver/news/"
    assert news["articles_url"] == "http://testserver/api/v1/articles?section=news"


def test_section_detail_counts_its_live_articles(client, newsroom):
    assert client.get("/api/v1/sections/news").json()["article_count"] == 2
    assert client.get("/api/v1/sections/latest").json()["article_count"] == 7
    analysis = client.get("/api/v1/sections/analysis").json()
    assert analysis["title"] == "Analysis" and analysis["article_count"] == 5


def test_section_articles_url_lists_its_articles(client, newsroom):
    articles_url = client.get("/api/v1/sections/news").json()["articles_url"]
    assert client.get(articles_url).json()["count"] == 2


def test_authors_by_name(client, newsroom):
    data = client.get("/api/v1/authors").json()
    assert data["count"] == 3
    assert [a["name"] for a in data["items"]] == ["Ada Reyes", "Ben Okafor", "Cy Lindqvist"]


def test_author_detail_with_avatar_and_links(client, newsroom):
    ada = newsroom["authors"]["ada"]
    ada.avatar = make_image(title="Ada portrait", width=200, height=200)
    ada.x_url = "https://x.example/ada"
    ada.save()
    data = client.get("/api/v1/authors/ada-reyes").json()
    assert data["name"] == "Ada Reyes" and data["role"] == "Editor"
    assert data["url"] == "http://testserver/authors/ada-reyes/"
    assert data["avatar"]["url"].startswith("http://testserver/media/")
    assert (data["avatar"]["width"], data["avatar"]["alt"]) == (200, "Ada portrait")
    assert data["links"] == [{"key": "x", "label": "X", "url": "https://x.example/ada"}]
    assert "email" not in data
    assert client.get(data["articles_url"]).json()["count"] == 2


def test_tags_in_use_with_counts_of_live_articles(client, newsroom):
    data = client.get("/api/v1/tags").json()
    counts = {t["slug"]: t["article_count"] for t in data["items"]}
    # "secret" is only on the draft.
    assert counts == {"council": 2, "harbour": 1, "schools": 1, "transport": 1}
    assert data["count"] == 4


def test_tag_detail(client, newsroom):
    data = client.get("/api/v1/tags/council").json()
    assert data == {
        "slug": "council",
        "name": "council",
        "url": "http://testserver/tags/council/",
        "article_count": 2,
        "articles_url": "http://testserver/api/v1/articles?tag=council",
    }


def test_tag_only_on_drafts_is_not_found(client, newsroom):
    assert client.get("/api/v1/tags/secret").status_code == 404


@pytest.mark.parametrize("url", ["/api/v1/sections", "/api/v1/authors", "/api/v1/tags"])
def test_reference_lists_are_publicly_cacheable(client, newsroom, url):
    assert "public" in client.get(url)["Cache-Control"]


def test_reference_lists_use_a_fixed_number_of_queries(
    client, newsroom, django_assert_max_num_queries
):
    for url in ["/api/v1/sections", "/api/v1/authors", "/api/v1/tags"]:
        client.get(url)
        with django_assert_max_num_queries(3):
            client.get(url)
