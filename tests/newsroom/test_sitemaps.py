"""The sitemap index, its sitemaps and the Google News sitemap, parsed as XML."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.utils import timezone

from masthead.newsroom.models import PublicationSettings
from tests.newsroom.factories import (
    AuthorFactory,
    days_ago,
    default_site,
    make_article,
    make_draft_article,
    make_section,
)

pytestmark = pytest.mark.django_db

NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


def fetch_xml(client, url) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200, url
    assert "xml" in response["Content-Type"]
    return ET.fromstring(response.content)


def locations(root: ET.Element) -> dict[str, ET.Element]:
    return {el.findtext("sm:loc", namespaces=NS): el for el in root.findall("sm:url", NS)}


def test_index_points_to_pages_authors_and_tags_sitemaps(client):
    make_article(section=make_section("News"), tags=["Harbour"])

    root = fetch_xml(client, "/sitemap.xml")

    assert root.tag == f"{{{NS['sm']}}}sitemapindex"
    locs = [el.findtext("sm:loc", namespaces=NS) for el in root.findall("sm:sitemap", NS)]
    assert locs == [
        "http://testserver/sitemap-pages.xml",
        "http://testserver/sitemap-authors.xml",
        "http://testserver/sitemap-tags.xml",
    ]
    for loc in locs:
        child = fetch_xml(client, loc.removeprefix("http://testserver"))
        assert child.tag == f"{{{NS['sm']}}}urlset"
        assert child.findall("sm:url", NS)


def test_pages_sitemap_lists_home_sections_and_live_articles_with_lastmod(client):
    news = make_section("News")
    live = make_article(section=news, published_at=days_ago(3))
    draft = make_draft_article(section=news)
    syndicated = make_article(
        section=news, source_name="Harbour Wire", original_url="https://wire.example/story"
    )

    urls = locations(fetch_xml(client, "/sitemap-pages.xml"))

    assert f"http://testserver{live.url}" in urls
    assert "http://testserver/" in urls
    assert "http://testserver/news/" in urls
    assert urls[f"http://testserver{live.url}"].findtext("sm:lastmod", namespaces=NS) == (
        live.last_published_at.date().isoformat()
    )
    # The section changed when its newest article came out.
    newest = syndicated.last_published_at.date().isoformat()
    assert urls["http://testserver/news/"].findtext("sm:lastmod", namespaces=NS) == newest
    assert not any(loc.endswith(f"/{draft.slug}/") for loc in urls)
    # Only canonical URLs belong in a sitemap; this one's canonical is elsewhere.
    assert not any(loc.endswith(f"/{syndicated.slug}/") for loc in urls)


def test_authors_and_tags_sitemaps_list_only_what_has_live_articles(client):
    news = make_section("News")
    ada = AuthorFactory(name="Ada Reporter", slug="ada-reporter")
    ghost = AuthorFactory(name="Draft Writer", slug="draft-writer")
    make_article(section=news, authors=[ada], tags=["Harbour"], published_at=days_ago(2))
    make_draft_article(section=news, authors=[ghost], tags=["Unreleased"])

    authors = locations(fetch_xml(client, "/sitemap-authors.xml"))
    tags = locations(fetch_xml(client, "/sitemap-tags.xml"))

    assert list(authors) == ["http://testserver/authors/ada-reporter/"]
    assert (
        authors["http://testserver/authors/ada-reporter/"].findtext("sm:lastmod", namespaces=NS)
        == days_ago(2).date().isoformat()
    )
    assert list(tags) == ["http://testserver/tags/harbour/"]


def test_news_sitemap_lists_only_the_last_48_hours(client):
    publication = PublicationSettings.for_site(default_site())
    publication.name = "The Harbour Times"
    publication.save()
    news = make_section("News")
    fresh = make_article(
        section=news,
        title="Tides & ferries <today>",
        published_at=timezone.now() - dt.timedelta(hours=47),
    )
    stale = make_article(
        section=news, title="Old news", published_at=timezone.now() - dt.timedelta(hours=49)
    )
    make_draft_article(section=news, title="Draft news")

    response = client.get("/sitemap-news.xml")
    root = ET.fromstring(response.content)

    assert "public" in response["Cache-Control"]
    urls = locations(root)
    assert list(urls) == [f"http://testserver{fresh.url}"]
    entry = urls[f"http://testserver{fresh.url}"].find("news:news", NS)
    assert entry.findtext("news:publication/news:name", namespaces=NS) == "The Harbour Times"
    assert entry.findtext("news:publication/news:language", namespaces=NS) == "en"
    assert entry.findtext("news:title", namespaces=NS) == "Tides & ferries <today>"
    published = dt.datetime.fromisoformat(entry.findtext("news:publication_date", namespaces=NS))
    assert published == fresh.first_published_at.replace(microsecond=0)
    assert f"/{stale.slug}/" not in response.content.decode()


def test_an_article_leaves_the_news_sitemap_48_hours_after_publication(client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        article = make_article(section=make_section("News"), title="Breaking")

    with time_machine.travel(start + dt.timedelta(hours=47, minutes=59), tick=False):
        assert f"http://testserver{article.url}" in locations(
            fetch_xml(client, "/sitemap-news.xml")
        )
    with time_machine.travel(start + dt.timedelta(hours=48, minutes=1), tick=False):
        assert locations(fetch_xml(client, "/sitemap-news.xml")) == {}


def test_news_sitemap_language_follows_language_code(client, settings):
    settings.LANGUAGE_CODE = "zh-tw"
    make_article(section=make_section("News"))

    root = fetch_xml(client, "/sitemap-news.xml")

    assert root.findtext("sm:url/news:news/news:publication/news:language", namespaces=NS) == (
        "zh-tw"
    )
