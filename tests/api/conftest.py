import pytest

from masthead.newsroom.models import ArticlePage, Correction
from tests.newsroom.factories import (
    AuthorFactory,
    days_ago,
    make_article,
    make_image,
    make_section,
)


@pytest.fixture
def newsroom(db):
    """Two sections plus Latest, three authors, tagged articles, one syndicated, one corrected,
    one draft."""
    latest = make_section("Latest", lists_all=True, order=0)
    news = make_section("News", order=1)
    analysis = make_section("Analysis", order=2)
    ada = AuthorFactory(name="Ada Reyes", slug="ada-reyes", role="Editor")
    ben = AuthorFactory(name="Ben Okafor", slug="ben-okafor")
    cy = AuthorFactory(name="Cy Lindqvist", slug="cy-lindqvist")
    picture = make_image(title="Harbour at dawn")
    harbour = make_article(
        section=news,
        title="Harbour dredging approved",
        standfirst="The council voted to deepen the channel.",
        authors=[ada],
        tags=["harbour", "council"],
        published_at=days_ago(1),
        featured_image=picture,
        featured_caption="Boats at the quay",
        featured_credit="Staff photographer",
        body=[
            ("paragraph", "<p>The vote was close. Dredging starts in spring.</p>"),
            ("heading", {"text": "What happens next", "level": "h2"}),
            ("image", {"image": picture, "caption": "The quay", "credit": "Staff"}),
            ("pull_quote", {"text": "It is about time.", "attribution": "A fisher"}),
        ],
    )
    Correction.objects.create(
        page=harbour,
        kind="correction",
        date=days_ago(0).date(),
        text="An earlier version misdated the vote.",
    )
    budget = make_article(
        section=analysis,
        title="What the budget means for schools",
        authors=[ben, ada],
        tags=["council", "schools"],
        published_at=days_ago(3),
    )
    wire = make_article(
        section=news,
        title="Regional rail timetable changes",
        authors=[cy],
        tags=["transport"],
        published_at=days_ago(5),
        source_name="Harbour Wire",
        original_url="https://wire.example/rail-timetable",
        original_author="Dee Marsh",
    )
    older = [
        make_article(
            section=analysis,
            title=f"Archive piece {n}",
            authors=[cy],
            published_at=days_ago(10 + n),
        )
        for n in range(4)
    ]
    draft = make_article(
        section=news, title="Unpublished scoop", authors=[ada], tags=["secret"], live=False
    )
    # make_article(live=False) saves an unpublished revision, but add_child leaves the page
    # itself live; a draft in the admin has live=False.
    ArticlePage.objects.filter(pk=draft.pk).update(live=False)
    return {
        "sections": {"latest": latest, "news": news, "analysis": analysis},
        "authors": {"ada": ada, "ben": ben, "cy": cy},
        "harbour": harbour,
        "budget": budget,
        "wire": wire,
        "older": older,
        "draft": draft,
        "live": [harbour, budget, wire, *older],
    }
