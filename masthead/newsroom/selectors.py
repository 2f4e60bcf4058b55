"""Newsroom reads: what pages and the API show."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from wagtail.models import Site

from .models import ArticlePage, Author, SectionPage


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


def search_articles(query: str):
    """Full-text search over headline, standfirst, body, authors and tags, newest match first."""
    query = (query or "").strip()[:200]
    if not query:
        return ArticlePage.objects.none()
    return live_articles().search(query, operator="and", order_by_relevance=True)
