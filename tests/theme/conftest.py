import pytest
from wagtail.models import Site

from masthead.newsroom.models import Correction, PublicationSettings
from tests.newsroom.factories import AuthorFactory, days_ago, make_article, make_image, make_section


@pytest.fixture
def publication(db):
    settings = PublicationSettings.for_site(Site.objects.get(is_default_site=True))
    settings.name = "The Harbour Ledger"
    settings.tagline = "News from the bay"
    settings.footer_text = "Published by the Harbour Ledger cooperative."
    settings.youtube_url = "https://www.youtube.com/@harbourledger"
    settings.support_heading = "Liked it? Support us"
    settings.support_text = "Readers keep us independent."
    settings.support_link_text = "Become a supporter"
    settings.support_url = "/support/"
    settings.save()
    return settings


@pytest.fixture
def news(db):
    return make_section("News", order=1)


@pytest.fixture
def article(publication, news):
    """A full article: two authors, image, every body block, tags, a correction."""
    avatar = make_image(title="Avatar", width=200, height=200)
    ana = AuthorFactory(name="Ana Rivera", slug="ana-rivera", role="Reporter", avatar=avatar)
    ben = AuthorFactory(name="Ben Okafor", slug="ben-okafor", bio="Writes about the port.")
    body = [
        ("paragraph", "<p>The council met on Tuesday to discuss the harbour.</p>"),
        ("heading", {"text": "What was decided", "level": "h2"}),
        (
            "image",
            {
                "image": make_image(title="Quay at dawn"),
                "caption": "The quay",
                "credit": "Photo: Staff",
            },
        ),
        ("pull_quote", {"text": "We will rebuild the pier.", "attribution": "The mayor"}),
        (
            "block_quote",
            {
                "quote": "The pier is older than the town.",
                "citation": "Town history",
                "source_url": "",
            },
        ),
        (
            "video",
            {
                "url": "https://www.youtube.com/watch?v=abcdEFGH123",
                "title": "Pier tour",
                "caption": "",
            },
        ),
        (
            "related_links",
            {
                "heading": "Related",
                "links": [
                    {"page": None, "url": "https://example.org/pier", "title": "Pier history"}
                ],
            },
        ),
    ]
    older = make_article(section=news, title="Older story", published_at=days_ago(3), authors=[ben])
    page = make_article(
        section=news,
        title="Council approves new pier",
        standfirst="The vote ends a decade of debate.",
        body=body,
        authors=[ana, ben],
        tags=["harbour", "council"],
        featured_image=make_image(title="Pier", width=1600, height=900),
        featured_caption="The old pier in winter",
        featured_credit="Photo: J. Doe",
        published_at=days_ago(1),
    )
    Correction.objects.create(
        page=page,
        kind="correction",
        date=days_ago(0).date(),
        text="An earlier version misnamed the mayor.",
    )
    return {"page": page, "older": older}
