"""The metrics part of /api/v1/: trending articles and live view counts."""

from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from wagtail.models import Site

from masthead.api.problems import BAD_REQUEST, INVALID, invalid_parameter
from masthead.newsroom.selectors import sections_for_menu, with_sections

from . import selectors

router = Router()

SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"


class TrendingParams(Schema):
    window: Literal["24h", "7d", "30d"] = Field(
        "24h", description="How far back views count; recent views weigh more."
    )
    section: str = Field(None, pattern=SLUG_PATTERN, max_length=255)
    limit: int = Field(10, ge=1, le=50)


class TrendingItem(Schema):
    id: int
    url: str
    title: str
    section: str | None = Field(description="The section's slug.")
    score: float = Field(
        description="Views, each weighted by 2^(-age in hours / half-life); "
        "half-lives: 6 h (24h), 36 h (7d), 7 days (30d)."
    )
    view_count: int


class TrendingList(Schema):
    window: str
    items: list[TrendingItem]


class ViewCountsParams(Schema):
    ids: str = Field(
        ..., pattern=r"^[1-9][0-9]{0,17}(,[1-9][0-9]{0,17}){0,49}$", description="1,2,3"
    )


class ViewCount(Schema):
    id: int
    view_count: int


class ViewCountList(Schema):
    items: list[ViewCount]


@router.get(
    "/trending",
    response={200: TrendingList, **BAD_REQUEST, **INVALID},
    tags=["readership"],
    summary="Trending articles, by time-decayed views",
)
def trending(request: HttpRequest, params: Query[TrendingParams]):
    site = Site.find_for_request(request)
    section = None
    if params.section:
        section = sections_for_menu(site).filter(slug=params.section).first()
        if section is None:
            raise invalid_parameter("section", "No section has this slug.")
    root = site.root_page if site else None
    scores = dict(
        selectors.trending_scores(
            window=params.window, site_root=root, section=section, limit=params.limit
        )
    )
    articles = selectors.trending_articles(
        window=params.window, site_root=root, section=section, limit=params.limit
    )
    with_sections(articles)
    counts = selectors.view_counts([a.pk for a in articles])
    items = []
    for article in articles:
        parent = article.section
        items.append(
            {
                "id": article.pk,
                "url": request.build_absolute_uri(article.get_url(request)),
                "title": article.title,
                "section": parent.slug if parent else None,
                "score": round(scores[article.pk], 4),
                "view_count": counts[article.pk],
            }
        )
    return {"window": params.window, "items": items}


@router.get(
    "/views",
    response={200: ViewCountList, **INVALID},
    tags=["readership"],
    summary="View counts of up to 50 articles",
)
def view_counts(request: HttpRequest, params: Query[ViewCountsParams]):
    ids = list(dict.fromkeys(int(part) for part in params.ids.split(",")))
    counts = selectors.view_counts(ids)
    return {"items": [{"id": pk, "view_count": counts[pk]} for pk in ids]}
