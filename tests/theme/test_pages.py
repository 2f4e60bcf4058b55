"""Every public page type, through the Django test client: status and what a reader must see."""

import re

import pytest

from masthead.newsroom.models import ArticlePage
from tests.newsroom.factories import AuthorFactory, days_ago, make_article, make_section
from tests.theme.html import parse

pytestmark = pytest.mark.django_db


def story_markup(html: str) -> str:
    match = re.search(r'<article class="story".*?</article>', html, re.S)
    assert match, "no story article in the page"
    return match.group(0)


def test_home_shows_lead_top_stories_latest_and_sections(client, publication, news):
    analysis = make_section("Analysis", order=2)
    articles = [
        make_article(
            section=news if n % 2 else analysis, title=f"Story {n}", published_at=days_ago(n)
        )
        for n in range(1, 12)
    ]
    response = client.get("/")
    assert response.status_code == 200
    doc = parse(response)
    assert [h.get("class") for h in doc.all("h1")] == ["visually-hidden"]
    html = response.content.decode()
    lead_pos = html.index(articles[0].title)
    assert lead_pos < html.index("Top stories") < html.index("More latest")
    assert "teaser--lead" in html[: lead_pos + 1000]
    assert 'id="top-stories-heading"' in html and "Story 5" in html
    assert f'href="{analysis.url}"' in html and "More from Analysis" in html
    assert "The Harbour Ledger" in doc.text and "News from the bay" in doc.text


def test_base_layout_landmarks_nav_search_footer_and_connect(client, publication, news):
    make_article(section=news, title="Only story")
    response = client.get("/")
    doc = parse(response)
    for landmark in ("header", "nav", "main", "aside", "footer"):
        assert doc.all(landmark), f"no <{landmark}>"
    assert doc.one("a", class_="skip-link").get("href") == "#main"
    assert doc.one("main").get("id") == "main"
    assert doc.one("html").get("lang")
    nav_links = [a.get("href") for a in doc.all("a") if a.get("href") == news.url]
    assert nav_links
    search_input = doc.one("input", name="q")
    assert doc.one("label", **{"for": search_input.get("id")})
    assert doc.one("form", role="search").get("action") == "/search/"
    assert "Connect with us" in doc.text
    assert doc.all("a", href="https://www.youtube.com/@harbourledger")
    assert doc.all("a", href="/feed/rss/")
    assert doc.one("link", rel="alternate", type="application/rss+xml").get("href") == "/feed/rss/"
    assert (
        doc.one("link", rel="alternate", type="application/atom+xml").get("href") == "/feed/atom/"
    )
    assert "Published by the Harbour Ledger cooperative." in doc.text
    toggle = doc.one("button", class_="theme-toggle")
    # Hidden by CSS until the head script marks <html class="js">: no shift when it appears.
    assert "hidden" not in toggle.attrs and toggle.get("aria-pressed") == "false"
    assert "Before first paint" not in doc.text  # the template comment stays a comment


def test_rss_link_and_connect_box_follow_settings(client, publication, news):
    publication.youtube_url = ""
    publication.show_rss_link = False
    publication.save()
    make_article(section=news)
    doc = parse(client.get("/"))
    assert "Connect with us" not in doc.text
    assert not doc.all(".connect")


def test_section_page_lists_articles_newest_first_with_pagination(client, settings, publication):
    settings.MASTHEAD_PAGE_SIZE = 2
    section = make_section("Analysis", order=2)
    section.description = "Explainers and long reads."
    section.save_revision().publish()
    for n in range(1, 6):
        make_article(section=section, title=f"Analysis piece {n}", published_at=days_ago(n))
    response = client.get(section.url)
    assert response.status_code == 200
    doc = parse(response)
    assert len(doc.all("h1")) == 1 and "Analysis" in doc.text
    assert "Explainers and long reads." in doc.text
    html = response.content.decode()
    assert html.index("Analysis piece 1") < html.index("Analysis piece 2")
    assert "Analysis piece 3" not in html
    assert "Page 1 of 3" in doc.text
    assert doc.one("a", rel="next").get("href") == "?page=2"
    second = client.get(section.url + "?page=2").content.decode()
    assert "Analysis piece 3" in second and "Analysis piece 1" not in second


def test_teaser_shows_section_headline_standfirst_byline_date_and_image(client, article, news):
    doc = parse(client.get(news.url))
    html = client.get(news.url).content.decode()
    page = article["page"]
    assert doc.all("a", href=page.url)
    assert "The vote ends a decade of debate." in doc.text
    assert "Ana Rivera and Ben Okafor" in doc.text
    assert page.published_at.strftime("%-d %b %Y") in doc.text
    teaser_imgs = [img for img in doc.all("img") if "webp" not in img.get("src", "")]
    assert teaser_imgs and all(img.get("loading") == "lazy" for img in teaser_imgs)
    assert 'class="teaser__section"' in html


def test_article_page_shows_everything_a_reader_needs(client, article):
    page = article["page"]
    response = client.get(page.url)
    assert response.status_code == 200
    doc = parse(response)
    html = response.content.decode()
    [h1] = doc.all("h1")
    assert h1.get("class") == "story__headline"
    assert "Council approves new pier" in doc.text
    assert "The vote ends a decade of debate." in doc.text
    assert doc.one("a", href="/authors/ana-rivera/", rel="author")
    assert doc.one("a", href="/authors/ben-okafor/", rel="author")
    assert "By Ana Rivera and Ben Okafor" in doc.text
    assert "Published on" in doc.text
    assert doc.all("time", datetime=page.published_at.isoformat())
    assert f"{page.reading_minutes} min read" in doc.text
    assert "Updated" not in doc.text
    section_link = doc.one("p", class_="story__section")
    assert section_link and doc.all("a", href="/news/")
    # Body blocks
    assert doc.one("h2", id="what-was-decided")
    assert "We will rebuild the pier." in doc.text and "The mayor" in doc.text
    assert "The pier is older than the town." in doc.text and "Town history" in doc.text
    assert "The quay" in doc.text and "Photo: Staff" in doc.text
    assert doc.one("a", href="https://example.org/pier").get("rel") == "noopener"
    # Tags, corrections, support, bios, continue reading
    assert doc.one("a", href="/tags/harbour/", rel="tag")
    assert "Correction, " in doc.text and "An earlier version misnamed the mayor." in doc.text
    assert "Liked it? Support us" in doc.text and "Readers keep us independent." in doc.text
    assert doc.one("a", class_="button", href="/support/")
    assert "Writes about the port." in doc.text and "Reporter" in doc.text
    next_link = doc.one("a", class_="next-article")
    assert next_link.get("href") == article["older"].url and next_link.get("rel") == "next"
    assert "Next article: Older story" in doc.text
    # Order: corrections, then support, then bios, then the next article.
    positions = [
        html.index("An earlier version misnamed"),
        html.index("Liked it? Support us</h2>"),
        html.index('class="author-card"'),
        html.index('class="next-article"'),
    ]
    assert positions == sorted(positions)
    story = doc.one("article", class_="story")
    assert story.get("data-article-id") == str(page.pk)
    assert story.get("data-url") == page.url
    assert story.get("data-title") == page.title
    assert doc.one("div", class_="story-extensions").get("data-article-id") == str(page.pk)
    assert (
        story_markup(html)
        .rstrip("</article>")
        .rstrip()
        .endswith(f'<div class="story-extensions" data-article-id="{page.pk}"></div>')
    )


def test_featured_image_is_responsive_with_modern_formats_and_dimensions(client, article):
    doc = parse(client.get(article["page"].url))
    featured = doc.one("img", alt="The old pier in winter")
    assert featured.get("width") and featured.get("height")
    assert featured.get("srcset").count("w,") >= 2
    assert featured.get("sizes")
    webp_sources = doc.all("source", type="image/webp")
    assert webp_sources and all(s.get("srcset") for s in webp_sources)
    body_img = doc.one("img", alt="The quay")
    assert body_img.get("loading") == "lazy" and body_img.get("width")
    for img in doc.all("img"):
        assert img.get("alt") is not None, img.attrs
        assert img.get("width") and img.get("height"), img.attrs


def test_updated_date_shown_when_republished_later(client, article):
    page = article["page"]
    ArticlePage.objects.filter(pk=page.pk).update(last_published_at=days_ago(0))
    doc = parse(client.get(page.url))
    assert "Updated" in doc.text
    assert len(doc.all("time")) >= 2


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"source_name": "Coastal Wire", "original_url": "https://example.org/a"},
            "Via Coastal Wire",
        ),
        (
            {
                "source_name": "Coastal Wire",
                "original_url": "https://example.org/a",
                "original_author": "Dana Holt",
            },
            "Authored by Dana Holt via Coastal Wire",
        ),
    ],
)
def test_syndication_line(client, publication, news, fields, expected):
    page = make_article(section=news, **fields)
    doc = parse(client.get(page.url))
    assert expected in doc.text
    assert doc.one("a", href="https://example.org/a").get("rel") == "noopener"
    assert doc.one("p", class_="story__syndication")


def test_unsyndicated_article_has_no_via_line(client, article):
    doc = parse(client.get(article["page"].url))
    assert not doc.all("p", class_="story__syndication")


def test_support_link_goes_to_the_support_page_without_url(client, publication, news):
    publication.support_url = ""
    publication.save()
    page = make_article(section=news)
    doc = parse(client.get(page.url))
    assert "Liked it? Support us" in doc.text
    assert doc.all("a", class_="button", href="/support/")


def test_support_link_goes_to_an_external_page_when_set(client, publication, news):
    publication.support_url = "https://www.patreon.com/example"
    publication.save()
    page = make_article(section=news)
    doc = parse(client.get(page.url))
    assert doc.one("a", class_="button", href="https://www.patreon.com/example")
    assert not doc.all("a", class_="button", href="/support/")


def test_last_article_links_back_to_its_section_instead_of_next(client, article):
    doc = parse(client.get(article["older"].url))
    assert not doc.all("a", class_="next-article")
    assert doc.one("a", class_="more-from-section").get("href") == "/news/"


def test_fragment_is_the_same_story_without_the_page_around_it(client, article):
    page = article["page"]
    full = client.get(page.url).content.decode()
    response = client.get(page.url + "?fragment=1")
    assert response.status_code == 200
    fragment = response.content.decode()
    assert not re.search(r"<(html|head|body)[\s>]", fragment)
    assert "site-header" not in fragment
    assert story_markup(fragment) == story_markup(full)
    doc = parse(response)
    assert doc.one("a", class_="next-article").get("href") == article["older"].url


def test_video_is_a_click_to_load_facade(client, article):
    html = client.get(article["page"].url).content.decode()
    doc = parse(client.get(article["page"].url))
    assert not doc.all("iframe")
    frame = doc.one("div", class_="video__frame")
    assert frame.get("data-embed-url") == "https://www.youtube-nocookie.com/embed/abcdEFGH123"
    assert doc.one("button", class_="video__play").get("type") == "button"
    assert "Play video: Pier tour" in doc.text
    assert 'src="https://www.youtube' not in html


def test_author_page(client, article):
    response = client.get("/authors/ben-okafor/")
    assert response.status_code == 200
    doc = parse(response)
    assert [h.get("class") for h in doc.all("h1")] == [None]
    assert "Ben Okafor" in doc.text and "Writes about the port." in doc.text
    assert doc.all("a", href=article["page"].url) and doc.all("a", href=article["older"].url)


def test_author_page_without_articles(client, publication):
    AuthorFactory(name="New Writer", slug="new-writer")
    doc = parse(client.get("/authors/new-writer/"))
    assert "No articles by this author yet." in doc.text


def test_tag_page(client, article):
    response = client.get("/tags/harbour/")
    assert response.status_code == 200
    doc = parse(response)
    assert len(doc.all("h1")) == 1 and "harbour" in doc.text
    assert doc.all("a", href=article["page"].url)
    assert not doc.all("a", href=article["older"].url)


def test_search_finds_and_echoes_the_query(client, article):
    response = client.get("/search/", {"q": "pier"})
    assert response.status_code == 200
    doc = parse(response)
    assert doc.one("input", id="page-search").get("value") == "pier"
    assert "for “pier”" in doc.text
    assert doc.all("a", href=article["page"].url)


def test_search_escapes_a_hostile_query(client, article):
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    response = client.get("/search/", {"q": hostile})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    doc = parse(response)
    assert "No results for" in doc.text
    assert doc.one("input", id="page-search").get("value") == hostile


def test_search_pagination_keeps_the_query(client, settings, publication, news):
    settings.MASTHEAD_PAGE_SIZE = 2
    for n in range(5):
        make_article(section=news, title=f"Lighthouse report {n}", published_at=days_ago(n))
    doc = parse(client.get("/search/", {"q": "lighthouse"}))
    next_href = doc.one("a", rel="next").get("href")
    assert "q=lighthouse" in next_href and "page=2" in next_href
    second = parse(client.get("/search/" + next_href))
    assert "Page 2 of 3" in second.text


def test_empty_search_shows_the_form_only(client, publication):
    doc = parse(client.get("/search/"))
    assert doc.one("input", id="page-search")
    assert "No results" not in doc.text


def test_404_is_styled_and_has_status_404(client, publication, news):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    doc = parse(response)
    assert "Page not found" in doc.text
    assert doc.all("link", rel="stylesheet")[0].get("href").startswith("/static/theme/css/")
    assert doc.all("a", href=news.url), "the 404 page keeps the site navigation"
    assert len(doc.all("h1")) == 1
