"""Newsroom reads: what pages and the API show."""

import re

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from wagtail.models import Site

from .models import ArticlePage, Author, SectionPage

_WORDS = re.compile(r"[^\W_]+")
MAX_SEARCH_TERMS = 12


def paginate(queryset, page_number, per_page: int):
    paginator = Paginator(queryset, per_page)
    try:
        return paginator.page(page_number or 1)
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        return paginator.page(paginator.num_pages)


def live_articles():
    return ArticlePage.objects.live().public()


def sections_for_menu(site: Site | None = None):
    qs = SectionPage.objects.live().public().order_by("menu_order", "title")
    if site is not None:
        qs = qs.descendant_of(site.root_page)
    return qs


def home_page_context(*, home) -> dict:
    articles = live_articles().descendant_of(home).newest_first().for_listing()
    latest = list(articles[:13])
    sections = []
    for section in sections_for_menu().child_of(home):
        if section.lists_all_articles:
            continue
        items = list(section.articles().for_listing()[:4])
        if items:
            sections.append({"section": section, "articles": items})
    return {
        "lead": latest[0] if latest else None,
        "top_stories": latest[1:5],
        "more_latest": latest[5:13],
        "section_blocks": sections,
    }


def articles_by_author(author: Author):
    return live_articles().by_author(author).newest_first().for_listing().distinct()


def articles_tagged(tag_slug: str):
    return live_articles().tagged(tag_slug).newest_first().for_listing().distinct()


def search_terms(query: str) -> str:
    """The words of a reader's query, lower-cased, with everything else dropped.

    The database backends hand the query to SQLite FTS5 or PostgreSQL full-text
    search, where quotes, operators (AND/OR/NOT in capitals), stars and NUL bytes
    have meaning or raise; readers mean words, so only words are passed on.
    """
    return " ".join(_WORDS.findall((query or "").lower()[:500])[:MAX_SEARCH_TERMS])


def search_articles(query: str):
    """Full-text search over headline, standfirst, body, authors and tags, best match first."""
    terms = search_terms(query)
    if not terms:
        return ArticlePage.objects.none()
    return live_articles().search(terms, operator="and", order_by_relevance=True)


def articles_for_api():
    """Live public articles with what an API listing shows, fetched in a fixed number of queries.

    Pages made live without ever being published (raw imports) have no publication
    date to sort or page by, so they are left out.
    """
    return (
        live_articles()
        .filter(first_published_at__isnull=False)
        .select_related("featured_image")
        .prefetch_related("article_authors__author", "tags")
    )


def with_sections(articles: list) -> list:
    """Set each article's section from one query, instead of one query per article."""
    steplen = ArticlePage.steplen
    parent_paths = {article.path[:-steplen] for article in articles}
    by_path = {s.path: s for s in SectionPage.objects.filter(path__in=parent_paths)}
    for article in articles:
        section = by_path.get(article.path[:-steplen])
        if section is not None:
            article.__dict__["section"] = section  # fills the cached_property
    return articles


def article_ids_matching(query: str):
    """The ids of the articles site search finds for `query`, as a subquery."""
    results = search_articles(query)
    if hasattr(results, "get_queryset"):
        results = results.get_queryset()
    return results.order_by().values("pk")


def tags_in_use():
    """Tags of live public articles, each with `article_count`, by name."""
    from django.db.models import Count
    from taggit.models import Tag

    return (
        Tag.objects.filter(newsroom_articletag_items__content_object__in=live_articles())
        .annotate(article_count=Count("newsroom_articletag_items", distinct=True))
        .order_by("name", "pk")
    )
