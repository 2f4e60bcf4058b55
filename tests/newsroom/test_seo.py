"""What {% seo_meta %} puts in <head>: canonical, description, Open Graph, Twitter, JSON-LD."""

import json
from html.parser import HTMLParser

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from masthead.newsroom.models import PublicationSettings
from tests.newsroom.factories import (
    AuthorFactory,
    days_ago,
    default_site,
    make_article,
    make_image,
    make_section,
)

pytestmark = pytest.mark.django_db


class HeadParser(HTMLParser):
    """Collects <meta>, <link> and JSON-LD <script> elements from a page."""

    def __init__(self):
        super().__init__()
        self.meta: list[dict] = []
        self.links: list[dict] = []
        self.json_ld: list[tuple[dict, str]] = []
        self._script_attrs = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            self.meta.append(attrs)
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._script_attrs = attrs

    def handle_data(self, data):
        if self._script_attrs is not None:
            self.json_ld.append((self._script_attrs, data))

    def handle_endtag(self, tag):
        if tag == "script":
            self._script_attrs = None

    def property(self, name) -> list[str]:
        return [m["content"] for m in self.meta if m.get("property") == name]

    def name(self, name) -> list[str]:
        return [m["content"] for m in self.meta if m.get("name") == name]

    def link(self, rel) -> list[dict]:
        return [link for link in self.links if link.get("rel") == rel]

    def structured(self, schema_type) -> dict:
        [data] = [json.loads(text) for _, text in self.json_ld if schema_type in text]
        return data


def head_of(client, url) -> tuple[HeadParser, object]:
    response = client.get(url)
    assert response.status_code == 200, url
    parser = HeadParser()
    parser.feed(response.content.decode())
    return parser, response


def set_publication(**values) -> PublicationSettings:
    publication = PublicationSettings.for_site(default_site())
    for name, value in values.items():
        setattr(publication, name, value)
    publication.save()
    return publication


@pytest.fixture
def article():
    ada = AuthorFactory(name="Ada Reporter", slug="ada-reporter")
    bo = AuthorFactory(name="Bo Editor", slug="bo-editor")
    return make_article(
        section=make_section("Analysis"),
        title="What the tides tell us",
        standfirst="Three decades of records, read in one afternoon.",
        authors=[ada, bo],
        tags=["Tides", "Harbour"],
        featured_image=make_image(width=1600, height=1000),
        featured_caption="The harbour wall at low tide",
        published_at=days_ago(2),
    )


def test_article_json_ld_is_a_complete_news_article(client, article):
    logo = make_image(title="Logo", width=400, height=100)
    set_publication(name="The Harbour Times", logo=logo, youtube_url="https://youtube.example/c")

    head, _ = head_of(client, article.url)
    data = head.structured("NewsArticle")

    page_url = f"http://testserver{article.url}"
    share = article.featured_image.get_rendition("fill-1200x630")
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "What the tides tell us"
    assert data["description"] == "Three decades of records, read in one afternoon."
    assert data["url"] == page_url
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": page_url}
    assert data["datePublished"] == article.first_published_at.isoformat()
    assert data["dateModified"] == article.last_published_at.isoformat()
    assert data["image"] == [
        {
            "@type": "ImageObject",
            "url": f"http://testserver{share.url}",
            "width": 1200,
            "height": 630,
        }
    ]
    assert data["author"] == [
        {
            "@type": "Person",
            "name": "Ada Reporter",
            "url": "http://testserver/authors/ada-reporter/",
        },
        {"@type": "Person", "name": "Bo Editor", "url": "http://testserver/authors/bo-editor/"},
    ]
    publisher = data["publisher"]
    assert publisher["@type"] == "Organization"
    assert publisher["name"] == "The Harbour Times"
    assert publisher["logo"]["@type"] == "ImageObject"
    assert publisher["logo"]["url"].startswith("http://testserver/media/images/")
    assert (publisher["logo"]["width"], publisher["logo"]["height"]) == (240, 60)
    assert publisher["sameAs"] == ["https://youtube.example/c"]
    assert data["articleSection"] == "Analysis"
    assert sorted(data["keywords"]) == ["Harbour", "Tides"]
    assert "isBasedOn" not in data and "sourceOrganization" not in data


def test_json_ld_scripts_carry_the_csp_nonce(client, article):
    head, response = head_of(client, article.url)

    nonces = {attrs.get("nonce") for attrs, _ in head.json_ld}
    [nonce] = nonces
    assert nonce
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_breadcrumbs_lead_from_home_through_the_section(client, article):
    head, _ = head_of(client, article.url)

    crumbs = head.structured("BreadcrumbList")["itemListElement"]
    assert [(c["position"], c["name"], c["item"]) for c in crumbs] == [
        (1, "Home", "http://testserver/"),
        (2, "Analysis", "http://testserver/analysis/"),
        (3, "What the tides tell us", f"http://testserver{article.url}"),
    ]


def test_article_open_graph_and_twitter_card(client, article):
    set_publication(name="The Harbour Times", x_url="https://x.com/harbourtimes")

    head, _ = head_of(client, article.url)

    share = article.featured_image.get_rendition("fill-1200x630")
    page_url = f"http://testserver{article.url}"
    assert [link["href"] for link in head.link("canonical")] == [page_url]
    assert head.name("description") == ["Three decades of records, read in one afternoon."]
    assert head.property("og:type") == ["article"]
    assert head.property("og:title") == ["What the tides tell us"]
    assert head.property("og:description") == head.name("description")
    assert head.property("og:url") == [page_url]
    assert head.property("og:site_name") == ["The Harbour Times"]
    assert head.property("og:image") == [f"http://testserver{share.url}"]
    assert head.property("og:image:width") == ["1200"]
    assert head.property("og:image:height") == ["630"]
    assert head.property("article:published_time") == [article.first_published_at.isoformat()]
    assert head.property("article:modified_time") == [article.last_published_at.isoformat()]
    assert head.property("article:section") == ["Analysis"]
    assert sorted(head.property("article:tag")) == ["Harbour", "Tides"]
    assert head.property("article:author") == [
        "http://testserver/authors/ada-reporter/",
        "http://testserver/authors/bo-editor/",
    ]
    assert head.name("twitter:card") == ["summary_large_image"]
    assert head.name("twitter:site") == ["@harbourtimes"]
    assert head.name("twitter:image") == head.property("og:image")
    assert head.name("robots") == []


def test_article_without_image_gets_a_summary_card(client):
    article = make_article(section=make_section("News"))

    head, _ = head_of(client, article.url)

    assert head.name("twitter:card") == ["summary"]
    assert head.property("og:image") == []
    assert "image" not in head.structured("NewsArticle")


def test_syndicated_article_points_to_the_original(client):
    article = make_article(
        section=make_section("News"),
        title="Ferry timetable changes",
        source_name="Harbour Wire",
        original_author="Cy Correspondent",
        original_url="https://wire.example/ferry-timetable",
    )

    head, _ = head_of(client, article.url)

    assert [link["href"] for link in head.link("canonical")] == [
        "https://wire.example/ferry-timetable"
    ]
    assert head.property("og:url") == ["https://wire.example/ferry-timetable"]
    data = head.structured("NewsArticle")
    assert data["isBasedOn"] == "https://wire.example/ferry-timetable"
    assert data["sourceOrganization"] == {"@type": "Organization", "name": "Harbour Wire"}
    assert data["mainEntityOfPage"]["@id"] == "https://wire.example/ferry-timetable"
    assert data["author"] == [{"@type": "Person", "name": "Cy Correspondent"}]
    assert data["url"] == f"http://testserver{article.url}"


def test_a_hostile_headline_cannot_break_out_of_the_json_ld(client):
    hostile = "Tides </script><script>alert(1)</script> & <!-- more"
    article = make_article(section=make_section("News"), title=hostile, standfirst=hostile)

    response = client.get(article.url)
    html = response.content.decode()

    assert "<script>alert(1)" not in html
    assert "<!-- more" not in html
    head = HeadParser()
    head.feed(html)
    data = head.structured("NewsArticle")
    assert data["headline"] == hostile
    assert data["description"] == hostile
    assert head.structured("BreadcrumbList")["itemListElement"][-1]["name"] == hostile


def test_section_page_describes_the_section_and_offers_its_feeds(client):
    section = make_section("Analysis")
    section.description = "Long reads on the harbour and the town."
    section.save_revision().publish()
    make_article(section=section)

    head, _ = head_of(client, "/analysis/")

    assert [link["href"] for link in head.link("canonical")] == ["http://testserver/analysis/"]
    assert head.name("description") == ["Long reads on the harbour and the town."]
    assert head.property("og:type") == ["website"]
    feeds = {link["href"]: link["type"] for link in head.link("alternate")}
    assert feeds["/feed/section/analysis/rss/"] == "application/rss+xml"
    assert feeds["/feed/section/analysis/atom/"] == "application/atom+xml"
    assert head.structured("BreadcrumbList")["itemListElement"][-1]["name"] == "Analysis"


def test_home_page_describes_the_publication(client):
    set_publication(name="The Harbour Times", tagline="News from the waterfront")
    make_article(section=make_section("News"))

    head, _ = head_of(client, "/")

    assert [link["href"] for link in head.link("canonical")] == ["http://testserver/"]
    assert head.name("description") == ["News from the waterfront"]
    website = head.structured("WebSite")
    assert website["name"] == "The Harbour Times"
    assert website["potentialAction"]["target"]["urlTemplate"] == (
        "http://testserver/search/?q={search_term_string}"
    )


def test_author_page_uses_the_bio_and_offers_the_author_feeds(client):
    ada = AuthorFactory(name="Ada Reporter", slug="ada-reporter", bio="Ada covers the port.")
    make_article(section=make_section("News"), authors=[ada])

    head, _ = head_of(client, "/authors/ada-reporter/")

    assert [link["href"] for link in head.link("canonical")] == [
        "http://testserver/authors/ada-reporter/"
    ]
    assert head.name("description") == ["Ada covers the port."]
    assert head.property("og:type") == ["profile"]
    hrefs = [link["href"] for link in head.link("alternate")]
    assert "/feed/author/ada-reporter/rss/" in hrefs
    assert "/feed/author/ada-reporter/atom/" in hrefs


def test_tag_page_canonical_and_feeds(client):
    make_article(section=make_section("News"), tags=["Ferries"])

    head, _ = head_of(client, "/tags/ferries/?page=2")

    assert [link["href"] for link in head.link("canonical")] == [
        "http://testserver/tags/ferries/?page=2"
    ]
    hrefs = [link["href"] for link in head.link("alternate")]
    assert "/feed/tag/ferries/rss/" in hrefs


def test_search_results_are_not_indexed(client):
    make_article(section=make_section("News"), title="Tides")

    head, _ = head_of(client, "/search/?q=tides")

    assert any("noindex" in content for content in head.name("robots"))
    assert head.link("canonical") == []


def test_tag_renders_from_a_template_string_with_a_page_in_context(article):
    request = RequestFactory().get(article.url)
    template = Template("{% load seo %}{% seo_meta %}")

    html = template.render(
        Context({"request": request, "page": article, "csp_nonce": "n0nce-value"})
    )

    head = HeadParser()
    head.feed(html)
    assert [attrs["nonce"] for attrs, _ in head.json_ld] == ["n0nce-value", "n0nce-value"]
    assert head.structured("NewsArticle")["headline"] == "What the tides tell us"
