"""RSS 2.0 and Atom feeds, read back the way a feed reader reads them (feedparser)."""

import calendar
import datetime as dt

import feedparser
import pytest
from django.utils import timezone
from django.utils.http import http_date

from masthead.newsroom.models import PublicationSettings
from tests.newsroom.factories import (
    AuthorFactory,
    days_ago,
    default_site,
    make_article,
    make_draft_article,
    make_image,
    make_section,
)

pytestmark = pytest.mark.django_db


def feed_settings(**values) -> PublicationSettings:
    publication = PublicationSettings.for_site(default_site())
    for name, value in values.items():
        setattr(publication, name, value)
    publication.save()
    return publication


def fetch(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response, feedparser.parse(response.content)


def timestamp(when: dt.datetime) -> int:
    return int(when.timestamp())


def test_site_rss_lists_live_articles_newest_first_with_their_details(client):
    news = make_section("News")
    writer = AuthorFactory(name="Ada Reporter", slug="ada-reporter")
    older = make_article(
        section=news, title="Older story", published_at=days_ago(3), tags=["Harbour"]
    )
    newer = make_article(
        section=news,
        title="Newer story",
        authors=[writer, AuthorFactory(name="Bo Editor", slug="bo-editor")],
        tags=["Harbour", "Ferries"],
        published_at=days_ago(1),
    )

    response, feed = fetch(client, "/feed/rss/")

    assert response["Content-Type"].startswith("application/rss+xml")
    assert feed.version == "rss20"
    assert feed.feed.title == "Masthead"
    assert [e.title for e in feed.entries] == ["Newer story", "Older story"]
    entry = feed.entries[0]
    assert entry.link == f"http://testserver{newer.url}"
    assert calendar.timegm(entry.published_parsed) == timestamp(newer.first_published_at)
    assert {t.term for t in entry.tags} == {"News", "Harbour", "Ferries"}
    assert [a.name for a in entry.authors] == ["Ada Reporter", "Bo Editor"]
    assert entry.id == f"urn:uuid:{newer.translation_key}"
    assert entry.guidislink is False
    assert older.title in [e.title for e in feed.entries]


def test_guid_survives_a_change_of_slug(client):
    article = make_article(section=make_section("News"))
    _, before = fetch(client, "/feed/rss/")
    article.slug = "a-better-slug"
    article.save_revision().publish()

    _, after = fetch(client, "/feed/rss/")

    assert after.entries[0].link.endswith("/a-better-slug/")
    assert after.entries[0].id == before.entries[0].id


def test_rss_enclosure_and_media_content_describe_a_real_rendition(client):
    image = make_image(width=1600, height=900)
    article = make_article(
        section=make_section("News"),
        featured_image=image,
        featured_caption="The harbour at dawn",
        featured_credit="Photo: Desk",
    )

    _, feed = fetch(client, "/feed/rss/")

    entry = feed.entries[0]
    [enclosure] = entry.enclosures
    assert enclosure.type == "image/jpeg"
    assert enclosure.href.startswith("http://testserver/")
    path = enclosure.href.removeprefix("http://testserver")
    rendition = next(r for r in image.renditions.all() if r.url == path)
    assert int(enclosure.length) == rendition.file.size > 0
    [media] = entry.media_content
    assert media["url"] == enclosure.href
    assert media["type"] == "image/jpeg"
    assert (int(media["width"]), int(media["height"])) == (rendition.width, rendition.height)
    assert entry.media_credit[0]["content"] == "Photo: Desk"
    assert article.featured_caption in response_text(client, "/feed/rss/")


def response_text(client, url) -> str:
    return client.get(url).content.decode()


def test_full_content_has_the_body_with_absolute_urls(client):
    news = make_section("News")
    linked = make_article(section=news, title="Linked story", published_at=days_ago(2))
    figure = make_image(title="Chart of tides")
    make_article(
        section=news,
        title="Full story",
        standfirst="Only the standfirst.",
        body=[
            (
                "paragraph",
                f'<p>The tide turned. See <a linktype="page" id="{linked.pk}">earlier</a>.</p>',
            ),
            ("heading", {"text": "What next", "level": "h2"}),
            ("image", {"image": figure, "caption": "Tides in May", "credit": "Desk"}),
            ("video", {"url": "https://youtu.be/abcDEF12345", "title": "Harbour film"}),
        ],
    )
    feed_settings(feed_full_content=True)

    _, feed = fetch(client, "/feed/rss/")

    entry = next(e for e in feed.entries if e.title == "Full story")
    assert "The tide turned." in entry.summary
    assert f'href="http://testserver{linked.url}"' in entry.summary
    assert "<h2>What next</h2>" in entry.summary
    assert 'src="http://testserver/media/images/' in entry.summary
    assert "Tides in May" in entry.summary
    assert 'href="https://youtu.be/abcDEF12345"' in entry.summary
    assert "<iframe" not in entry.summary and "<script" not in entry.summary


def test_excerpt_setting_gives_the_standfirst_only(client):
    make_article(section=make_section("News"), standfirst="Only the standfirst.")
    feed_settings(feed_full_content=False)

    _, rss = fetch(client, "/feed/rss/")
    _, atom = fetch(client, "/feed/atom/")

    assert rss.entries[0].summary == "Only the standfirst."
    assert "Words follow" not in response_text(client, "/feed/rss/")
    assert atom.entries[0].summary == "Only the standfirst."
    assert "content" not in atom.entries[0]


def test_atom_feed_has_content_summary_authors_and_dates(client):
    writer = AuthorFactory(name="Ada Reporter", slug="ada-reporter")
    article = make_article(
        section=make_section("Analysis"),
        title="Atom story",
        standfirst="The short version.",
        authors=[writer],
        tags=["Tides"],
        featured_image=make_image(),
        published_at=days_ago(2),
    )
    article.title = "Atom story, revised"
    article.save_revision().publish()
    article.refresh_from_db()
    feed_settings(feed_full_content=True)

    response, feed = fetch(client, "/feed/atom/")

    assert response["Content-Type"].startswith("application/atom+xml")
    assert feed.version == "atom10"
    entry = feed.entries[0]
    assert entry.title == "Atom story, revised"
    assert entry.link == f"http://testserver{article.url}"
    assert entry.id == f"urn:uuid:{article.translation_key}"
    assert entry.summary == "The short version."
    assert "Words follow." in entry.content[0].value
    assert calendar.timegm(entry.published_parsed) == timestamp(article.first_published_at)
    assert calendar.timegm(entry.updated_parsed) == timestamp(article.last_published_at)
    assert entry.updated_parsed > entry.published_parsed
    assert [(a.name, a.href) for a in entry.authors] == [
        ("Ada Reporter", "http://testserver/authors/ada-reporter/")
    ]
    assert {t.term for t in entry.tags} == {"Analysis", "Tides"}
    [enclosure] = [link for link in entry.links if link.rel == "enclosure"]
    assert enclosure.type == "image/jpeg" and int(enclosure.length) > 0
    assert entry.media_content[0]["url"] == enclosure.href


def test_drafts_and_scheduled_articles_stay_out_of_feeds(client):
    news = make_section("News")
    make_article(section=news, title="Live story")
    make_draft_article(section=news, title="Draft story")
    scheduled = make_article(
        section=news, title="Scheduled story", go_live_at=timezone.now() + dt.timedelta(days=1)
    )
    scheduled.refresh_from_db()
    assert not scheduled.live

    for url in ("/feed/rss/", "/feed/atom/", "/feed/section/news/rss/"):
        _, feed = fetch(client, url)
        assert [e.title for e in feed.entries] == ["Live story"], url


def test_item_count_follows_the_site_setting(client):
    news = make_section("News")
    for n in range(4):
        make_article(section=news, title=f"Story {n}", published_at=days_ago(4 - n))
    feed_settings(feed_item_count=3)

    _, feed = fetch(client, "/feed/rss/")

    assert [e.title for e in feed.entries] == ["Story 3", "Story 2", "Story 1"]


def test_section_feed_lists_only_its_section_and_latest_lists_all(client):
    news = make_section("News", order=1)
    analysis = make_section("Analysis", order=2)
    make_section("Latest", lists_all=True)
    make_article(section=news, title="News story", published_at=days_ago(2))
    make_article(section=analysis, title="Analysis story", published_at=days_ago(1))

    _, news_feed = fetch(client, "/feed/section/news/rss/")
    _, analysis_feed = fetch(client, "/feed/section/analysis/atom/")
    _, latest_feed = fetch(client, "/feed/section/latest/rss/")

    assert [e.title for e in news_feed.entries] == ["News story"]
    assert news_feed.feed.title == "News · Masthead"
    assert news_feed.feed.link == "http://testserver/news/"
    assert [e.title for e in analysis_feed.entries] == ["Analysis story"]
    assert [e.title for e in latest_feed.entries] == ["Analysis story", "News story"]


def test_author_feed_has_only_that_authors_articles(client):
    news = make_section("News")
    ada = AuthorFactory(name="Ada Reporter", slug="ada-reporter")
    bo = AuthorFactory(name="Bo Editor", slug="bo-editor")
    make_article(section=news, title="By Ada", authors=[ada], published_at=days_ago(3))
    make_article(section=news, title="By Bo", authors=[bo], published_at=days_ago(2))
    make_article(section=news, title="By both", authors=[bo, ada], published_at=days_ago(1))

    _, rss = fetch(client, "/feed/author/ada-reporter/rss/")
    _, atom = fetch(client, "/feed/author/ada-reporter/atom/")

    assert [e.title for e in rss.entries] == ["By both", "By Ada"]
    assert [e.title for e in atom.entries] == ["By both", "By Ada"]
    assert rss.feed.link == "http://testserver/authors/ada-reporter/"


def test_tag_feed_has_only_tagged_articles(client):
    news = make_section("News")
    make_article(section=news, title="Tagged", tags=["Ferries"])
    make_article(section=news, title="Untagged", tags=["Harbour"])

    _, rss = fetch(client, "/feed/tag/ferries/rss/")
    _, atom = fetch(client, "/feed/tag/ferries/atom/")

    assert [e.title for e in rss.entries] == ["Tagged"]
    assert [e.title for e in atom.entries] == ["Tagged"]
    assert rss.feed.link == "http://testserver/tags/ferries/"


@pytest.mark.parametrize(
    "url",
    [
        "/feed/section/nowhere/rss/",
        "/feed/section/nowhere/atom/",
        "/feed/author/nobody/rss/",
        "/feed/author/nobody/atom/",
        "/feed/tag/nothing/rss/",
        "/feed/tag/nothing/atom/",
        "/feed/tag/draft-only/rss/",
    ],
)
def test_unknown_section_author_or_tag_is_404(client, url):
    make_article(section=make_section("News"), tags=["Published"])
    make_draft_article(section=make_section("News"), tags=["Draft only"])

    assert client.get(url).status_code == 404


def test_feed_of_an_unpublished_section_is_404(client):
    section = make_section("Archive")
    section.unpublish()

    assert client.get("/feed/section/archive/rss/").status_code == 404


def test_feeds_are_cacheable_and_answer_unchanged_readers_with_304(client):
    article = make_article(section=make_section("News"), published_at=days_ago(1))

    response = client.get("/feed/rss/")

    cache_control = response["Cache-Control"]
    assert "public" in cache_control and "max-age=300" in cache_control
    assert response["Last-Modified"] == http_date(article.last_published_at.timestamp())
    again = client.get(
        "/feed/rss/",
        headers={"if-modified-since": response["Last-Modified"]},
    )
    assert again.status_code == 304
    by_etag = client.get("/feed/rss/", headers={"if-none-match": response["ETag"]})
    assert by_etag.status_code == 304
    make_article(section=make_section("News"))
    changed = client.get("/feed/rss/", headers={"if-none-match": response["ETag"]})
    assert changed.status_code == 200
