"""The newsroom's part of /api/v1/: articles, sections, authors and tags, read-only."""

import datetime as dt
import re
from typing import Annotated

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema
from pydantic import BeforeValidator
from taggit.models import Tag
from wagtail.models import Site

from masthead.api.pagination import PageParams, paginate_by_key
from masthead.api.problems import BAD_REQUEST, INVALID, NOT_FOUND, invalid_parameter
from masthead.api.streamfield import absolutize_html, image_json, stream_json
from masthead.metrics import selectors as metrics

from . import selectors
from .models import Author

router = Router()

SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
_ISO_DATE_START = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _iso_8601_only(value):
    # Pydantic would also read "1700000000" or "0.5" as Unix timestamps; we promise ISO 8601.
    if isinstance(value, str) and not _ISO_DATE_START.match(value):
        raise ValueError("Use an ISO 8601 date (2024-05-01) or date and time.")
    return value


IsoMoment = Annotated[dt.datetime | dt.date, BeforeValidator(_iso_8601_only)]


def _absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def _articles_url(request: HttpRequest, **filters) -> str:
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    return _absolute(request, f"{reverse('api-v1:list_articles')}?{query}")


# --- schemas ----------------------------------------------------------------


class SectionRef(Schema):
    slug: str
    title: str
    url: str


class AuthorRef(Schema):
    slug: str
    name: str
    url: str


class FeaturedImage(Schema):
    url: str
    width: int
    height: int
    alt: str
    caption: str
    credit: str


class Syndication(Schema):
    source_name: str
    original_url: str | None
    original_author: str | None


class ArticleSummary(Schema):
    id: int
    url: str
    title: str
    standfirst: str
    section: SectionRef | None
    authors: list[AuthorRef]
    tags: list[str] = Field(description="Tag slugs.")
    published_at: dt.datetime
    updated_at: dt.datetime | None = Field(
        description="When the article was republished well after it first went out."
    )
    reading_minutes: int
    featured_image: FeaturedImage | None
    syndication: Syndication | None
    view_count: int = Field(description="Counted reader views, all time.")


class Block(Schema):
    type: str
    id: str | None
    value: object


class CorrectionOut(Schema):
    kind: str = Field(description='"correction" or "note" (an editor\'s note).')
    date: dt.date
    text: str


class ArticleDetail(ArticleSummary):
    body_html: str
    body_blocks: list[Block]
    corrections: list[CorrectionOut]
    canonical_url: str


class ArticleList(Schema):
    items: list[ArticleSummary]
    count: int = Field(description="How many articles match, on all pages.")
    next: str | None = Field(description="The next page, or null on the last one.")


class SectionOut(Schema):
    slug: str
    title: str
    url: str
    description: str
    articles_url: str


class SectionDetail(SectionOut):
    article_count: int


class SectionList(Schema):
    items: list[SectionOut]
    count: int


class AuthorLink(Schema):
    key: str
    label: str
    url: str


class AvatarImage(Schema):
    url: str
    width: int
    height: int
    alt: str


class AuthorOut(Schema):
    slug: str
    name: str
    role: str
    bio: str
    url: str
    avatar: AvatarImage | None
    links: list[AuthorLink]
    articles_url: str


class AuthorList(Schema):
    items: list[AuthorOut]
    count: int


class TagOut(Schema):
    slug: str
    name: str
    url: str
    article_count: int
    articles_url: str


class TagList(Schema):
    items: list[TagOut]
    count: int


class ArticleFilters(Schema):
    # Typed without None so the schema offers no `null` a client could try to send.
    section: str = Field(None, pattern=SLUG_PATTERN, max_length=255)
    tag: str = Field(None, pattern=SLUG_PATTERN, max_length=100)
    author: str = Field(None, pattern=SLUG_PATTERN, max_length=120)
    q: str = Field(
        None,
        max_length=200,
        description="Text search over headline, standfirst, body, authors, tags.",
    )
    published_after: IsoMoment = Field(
        None, description="Published at or after this date or time (ISO 8601)."
    )
    published_before: IsoMoment = Field(
        None, description="Published before this date or time (ISO 8601)."
    )


# --- shaping ------------------------------------------------------------------


def _section_ref(section, request: HttpRequest) -> dict | None:
    if section is None:
        return None
    return {
        "slug": section.slug,
        "title": section.title,
        "url": _absolute(request, section.get_url(request)),
    }


def _article_summary(article, request: HttpRequest) -> dict:
    image = article.featured_image
    return {
        "id": article.pk,
        "url": _absolute(request, article.get_url(request)),
        "title": article.title,
        "standfirst": article.standfirst,
        "section": _section_ref(article.section, request),
        "authors": [
            {
                "slug": author.slug,
                "name": author.name,
                "url": _absolute(request, author.get_absolute_url()),
            }
            for author in article.author_list
        ],
        "tags": sorted(tag.slug for tag in article.tags.all()),
        "published_at": article.published_at,
        "updated_at": article.updated_at,
        "reading_minutes": article.reading_minutes,
        "view_count": metrics.view_count_of(article),
        "featured_image": None
        if image is None
        else {
            **{k: v for k, v in image_json(image, request).items() if k != "id"},
            "caption": article.featured_caption,
            "credit": article.featured_credit,
        },
        "syndication": {
            "source_name": article.source_name,
            "original_url": article.original_url or None,
            "original_author": article.original_author or None,
        }
        if article.is_syndicated
        else None,
    }


def _article_detail(article, request: HttpRequest) -> dict:
    summary = _article_summary(article, request)
    body_html = article.body.render_as_block(context={"request": request, "page": article})
    return {
        **summary,
        "body_html": absolutize_html(str(body_html), request),
        "body_blocks": stream_json(article.body, request),
        "corrections": [
            {"kind": c.kind, "date": c.date, "text": c.text} for c in article.corrections.all()
        ],
        "canonical_url": article.original_url or summary["url"],
    }


def _section_out(section, request: HttpRequest) -> dict:
    return {
        **_section_ref(section, request),
        "description": section.description,
        "articles_url": _articles_url(request, section=section.slug),
    }


def _author_out(author: Author, request: HttpRequest) -> dict:
    avatar = image_json(author.avatar, request)
    return {
        "slug": author.slug,
        "name": author.name,
        "role": author.role,
        "bio": author.bio,
        "url": _absolute(request, author.get_absolute_url()),
        "avatar": avatar and {k: avatar[k] for k in ("url", "width", "height", "alt")},
        "links": author.social_links(),
        "articles_url": _articles_url(request, author=author.slug),
    }


def _tag_out(tag, request: HttpRequest) -> dict:
    return {
        "slug": tag.slug,
        "name": tag.name,
        "url": _absolute(request, reverse("newsroom:tag", kwargs={"slug": tag.slug})),
        "article_count": tag.article_count,
        "articles_url": _articles_url(request, tag=tag.slug),
    }


def _moment(value: dt.datetime | dt.date) -> dt.datetime:
    """An aware UTC datetime; a date means the start of that day in the publication's zone."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time.min)
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        # Only the first and last hours of the calendar land here: clamp to its ends.
        edge = dt.datetime.min if value.year == dt.MINYEAR else dt.datetime.max
        return edge.replace(tzinfo=dt.UTC)


def _site_sections(request: HttpRequest):
    return selectors.sections_for_menu(Site.find_for_request(request))


def _section_or_none(request: HttpRequest, slug: str):
    return _site_sections(request).filter(slug=slug).first()


# --- handlers -----------------------------------------------------------------


@router.get(
    "/articles",
    response={200: ArticleList, **BAD_REQUEST, **INVALID},
    tags=["articles"],
    summary="List articles, newest first",
)
def list_articles(
    request: HttpRequest,
    filters: Query[ArticleFilters],
    page: Query[PageParams],
):
    articles = selectors.articles_for_api().select_related("view_total")
    if filters.section:
        section = _section_or_none(request, filters.section)
        if section is None:
            raise invalid_parameter("section", "No section has this slug.")
        articles = articles.in_section(section)
    if filters.tag:
        if not Tag.objects.filter(slug=filters.tag).exists():
            raise invalid_parameter("tag", "No tag has this slug.")
        articles = articles.tagged(filters.tag)
    if filters.author:
        author = Author.objects.filter(slug=filters.author).first()
        if author is None:
            raise invalid_parameter("author", "No author has this slug.")
        articles = articles.by_author(author)
    if filters.q and filters.q.strip():
        articles = articles.filter(pk__in=selectors.article_ids_matching(filters.q))
    if filters.published_after is not None:
        after = _moment(filters.published_after)
        articles = articles.filter(first_published_at__gte=after)
    if filters.published_before is not None:
        before = _moment(filters.published_before)
        articles = articles.filter(first_published_at__lt=before)
    result = paginate_by_key(
        request,
        articles,
        params=page,
        keys=("first_published_at", "pk"),
        prepare=selectors.with_sections,
    )
    result["items"] = [_article_summary(a, request) for a in result["items"]]
    return result


@router.get(
    "/articles/{int:article_id}",
    response={200: ArticleDetail, **NOT_FOUND, **INVALID},
    tags=["articles"],
    summary="One article, with its body",
)
def get_article(request: HttpRequest, article_id: int = Path(..., ge=1, le=2**63 - 1)):
    article = (
        selectors.articles_for_api().prefetch_related("corrections").filter(pk=article_id).first()
    )
    if article is None:
        raise Http404
    selectors.with_sections([article])
    return _article_detail(article, request)


@router.get("/sections", response=SectionList, tags=["sections"], summary="All sections")
def list_sections(request: HttpRequest):
    items = [_section_out(s, request) for s in _site_sections(request)]
    return {"items": items, "count": len(items)}


@router.get(
    "/sections/{slug}",
    response={200: SectionDetail, **NOT_FOUND, **INVALID},
    tags=["sections"],
    summary="One section",
)
def get_section(request: HttpRequest, slug: str = Path(..., pattern=SLUG_PATTERN, max_length=255)):
    section = _section_or_none(request, slug)
    if section is None:
        raise Http404
    return {**_section_out(section, request), "article_count": section.articles().count()}


@router.get("/authors", response=AuthorList, tags=["authors"], summary="All authors, by name")
def list_authors(request: HttpRequest):
    items = [_author_out(a, request) for a in Author.objects.select_related("avatar")]
    return {"items": items, "count": len(items)}


@router.get(
    "/authors/{slug}",
    response={200: AuthorOut, **NOT_FOUND, **INVALID},
    tags=["authors"],
    summary="One author",
)
def get_author(request: HttpRequest, slug: str = Path(..., pattern=SLUG_PATTERN, max_length=120)):
    author = Author.objects.select_related("avatar").filter(slug=slug).first()
    if author is None:
        raise Http404
    return _author_out(author, request)


@router.get(
    "/tags", response=TagList, tags=["tags"], summary="Tags in use, with their article counts"
)
def list_tags(request: HttpRequest):
    items = [_tag_out(t, request) for t in selectors.tags_in_use()]
    return {"items": items, "count": len(items)}


@router.get(
    "/tags/{slug}",
    response={200: TagOut, **NOT_FOUND, **INVALID},
    tags=["tags"],
    summary="One tag, with its article count",
)
def get_tag(request: HttpRequest, slug: str = Path(..., pattern=SLUG_PATTERN, max_length=100)):
    tag = selectors.tags_in_use().filter(slug=slug).first()
    if tag is None:
        raise Http404
    return _tag_out(tag, request)
