"""GET /api/v1/articles and /api/v1/articles/{id} through the Django test client."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.newsroom.factories import make_article

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return [item["title"] for item in response.json()["items"]]


def test_list_is_live_articles_newest_first_with_count(client, newsroom):
    response = client.get("/api/v1/articles")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert data["count"] == len(newsroom["live"]) == 7
    assert data["next"] is None
    assert titles(response) == [a.title for a in newsroom["live"]]
    assert "Unpublished scoop" not in titles(response)


def test_list_item_shape(client, newsroom):
    item = client.get("/api/v1/articles").json()["items"][0]
    harbour = newsroom["harbour"]
    assert item["id"] == harbour.pk
    assert item["url"] == f"http://testserver{harbour.url}"
    assert item["standfirst"] == "The council voted to deepen the channel."
    assert item["section"] == {"slug": "news", "title": "News", "url": "http://testserver/news/"}
    assert item["authors"] == [
        {"slug": "ada-reyes", "name": "Ada Reyes", "url": "http://testserver/authors/ada-reyes/"}
    ]
    assert item["tags"] == ["council", "harbour"]
    assert dt.datetime.fromisoformat(item["published_at"]) == harbour.first_published_at.replace(
        microsecond=harbour.first_published_at.microsecond // 1000 * 1000
    )
    assert item["updated_at"] is None
    assert item["reading_minutes"] == harbour.reading_minutes
    image = item["featured_image"]
    assert image["url"].startswith("http://testserver/media/")
    assert (image["width"], image["height"]) == (800, 450)
    assert image["alt"] == "Harbour at dawn"
    assert image["caption"] == "Boats at the quay"
    assert image["credit"] == "Staff photographer"
    assert item["syndication"] is None


def test_syndicated_article_carries_attribution(client, newsroom):
    items = client.get("/api/v1/articles").json()["items"]
    wire = next(i for i in items if i["id"] == newsroom["wire"].pk)
    assert wire["syndication"] == {
        "source_name": "Harbour Wire",
        "original_url": "https://wire.example/rail-timetable",
        "original_author": "Dee Marsh",
    }
    assert wire["featured_image"] is None


def test_filter_by_section(client, newsroom):
    response = client.get("/api/v1/articles?section=analysis")
    assert titles(response) == [
        "What the budget means for schools",
        *[a.title for a in newsroom["older"]],
    ]
    assert response.json()["count"] == 5


def test_filter_by_all_articles_section_lists_everything(client, newsroom):
    assert client.get("/api/v1/articles?section=latest").json()["count"] == 7


def test_filter_by_tag(client, newsroom):
    response = client.get("/api/v1/articles?tag=council")
    assert titles(response) == ["Harbour dredging approved", "What the budget means for schools"]


def test_filter_by_author_includes_co_authored(client, newsroom):
    response = client.get("/api/v1/articles?author=ada-reyes")
    assert titles(response) == ["Harbour dredging approved", "What the budget means for schools"]
    assert response.json()["count"] == 2


def test_text_query_searches_headline_body_and_authors(client, newsroom):
    assert titles(client.get("/api/v1/articles?q=dredging")) == ["Harbour dredging approved"]
    assert titles(client.get("/api/v1/articles?q=Lindqvist")) == [
        "Regional rail timetable changes",
        *[a.title for a in newsroom["older"]],
    ]
    assert client.get("/api/v1/articles?q=scoop").json()["count"] == 0


def test_filters_combine(client, newsroom):
    response = client.get("/api/v1/articles?tag=council&author=ben-okafor&section=analysis")
    assert titles(response) == ["What the budget means for schools"]


def test_published_after_and_before_take_dates_and_datetimes(client, newsroom):
    four_days_ago = (timezone.now() - dt.timedelta(days=4)).replace(microsecond=0)
    after = client.get("/api/v1/articles", {"published_after": four_days_ago.isoformat()})
    assert titles(after) == ["Harbour dredging approved", "What the budget means for schools"]
    before = client.get("/api/v1/articles", {"published_before": four_days_ago.isoformat()})
    assert before.json()["count"] == 5
    day = (timezone.now() - dt.timedelta(days=2)).date().isoformat()
    assert titles(client.get("/api/v1/articles", {"published_after": day})) == [
        "Harbour dredging approved"
    ]
    window = client.get(
        "/api/v1/articles",
        {"published_after": "2000-01-01", "published_before": "2000-12-31T00:00:00Z"},
    )
    assert window.json() == {"items": [], "count": 0, "next": None}


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("published_after=0001-01-01T00:00:00%2B05:00", 7),
        ("published_before=0001-01-01T00:00:00%2B05:00", 0),
        ("published_after=9999-12-31T23:00:00-05:00", 0),
        ("published_before=9999-12-31T23:00:00-05:00", 7),
    ],
)
def test_dates_at_the_ends_of_the_calendar_are_clamped(client, newsroom, query, count):
    response = client.get(f"/api/v1/articles?{query}")
    assert response.status_code == 200
    assert response.json()["count"] == count


def test_detail_has_body_as_html_and_blocks(client, newsroom):
    harbour = newsroom["harbour"]
    response = client.get(f"/api/v1/articles/{harbour.pk}")
    assert response.status_code == 200
    data = response.json()
    assert data["title"] == "Harbour dredging approved"
    assert data["canonical_url"] == data["url"] == f"http://testserver{harbour.url}"
    assert "The vote was close." in data["body_html"]
    assert 'src="/' not in data["body_html"] and 'href="/' not in data["body_html"]
    assert "http://testserver/media/" in data["body_html"]
    types = [block["type"] for block in data["body_blocks"]]
    assert types == ["paragraph", "heading", "image", "pull_quote"]
    assert all(block["id"] for block in data["body_blocks"])
    paragraph, heading, image, quote = (block["value"] for block in data["body_blocks"])
    assert paragraph == "<p>The vote was close. Dredging starts in spring.</p>"
    assert heading == {"text": "What happens next", "level": "h2"}
    assert image["caption"] == "The quay"
    assert image["image"]["id"] == harbour.featured_image_id
    assert image["image"]["url"].startswith("http://testserver/media/")
    assert image["image"]["alt"] == "Harbour at dawn"
    assert quote == {"text": "It is about time.", "attribution": "A fisher"}
    assert data["corrections"] == [
        {
            "kind": "correction",
            "date": timezone.localdate().isoformat(),
            "text": "An earlier version misdated the vote.",
        }
    ]


def test_detail_of_syndicated_article_points_canonical_at_original(client, newsroom):
    data = client.get(f"/api/v1/articles/{newsroom['wire'].pk}").json()
    assert data["canonical_url"] == "https://wire.example/rail-timetable"
    assert data["corrections"] == []


def test_internal_links_in_rich_text_become_absolute(client, newsroom):
    target = newsroom["budget"]
    linking = make_article(
        section=newsroom["sections"]["news"],
        title="Linking piece",
        body=[("paragraph", f'<p>See <a linktype="page" id="{target.pk}">the budget</a>.</p>')],
    )
    data = client.get(f"/api/v1/articles/{linking.pk}").json()
    expected = f'href="http://testserver{target.url}"'
    assert expected in data["body_blocks"][0]["value"]
    assert expected in data["body_html"]


def test_draft_is_not_found(client, newsroom):
    response = client.get(f"/api/v1/articles/{newsroom['draft'].pk}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_anonymous_gets_are_publicly_cacheable(client, newsroom):
    for url in ["/api/v1/articles", f"/api/v1/articles/{newsroom['budget'].pk}"]:
        cache_control = client.get(url)["Cache-Control"]
        assert "public" in cache_control and "max-age=60" in cache_control


def test_list_queries_do_not_grow_with_the_page(client, newsroom, django_assert_max_num_queries):
    for n in range(12):
        make_article(section=newsroom["sections"]["news"], tags=[f"extra-{n}", "council"])
    client.get("/api/v1/articles?limit=2")  # warms Wagtail's per-process site cache
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/articles?limit=100")
    assert len(response.json()["items"]) == 19


def test_detail_queries_are_bounded(client, newsroom, django_assert_max_num_queries):
    url = f"/api/v1/articles/{newsroom['harbour'].pk}"
    client.get(url)  # creates the image renditions once
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200
