from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from taggit.models import Tag

from . import selectors
from .models import Author


@require_safe
def author_detail(request, slug):
    author = get_object_or_404(Author, slug=slug)
    page = selectors.paginate(
        selectors.articles_by_author(author), request.GET.get("page"), settings.MASTHEAD_PAGE_SIZE
    )
    return TemplateResponse(
        request, "newsroom/author_page.html", {"author": author, "articles": page}
    )


@require_safe
def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    articles = selectors.articles_tagged(slug)
    if not articles.exists():
        raise Http404("No articles with this tag")
    page = selectors.paginate(articles, request.GET.get("page"), settings.MASTHEAD_PAGE_SIZE)
    return TemplateResponse(request, "newsroom/tag_page.html", {"tag": tag, "articles": page})


@require_safe
def search(request):
    query = request.GET.get("q", "")
    results = selectors.search_articles(query)
    page = selectors.paginate(results, request.GET.get("page"), settings.MASTHEAD_PAGE_SIZE)
    return TemplateResponse(
        request, "newsroom/search_results.html", {"query": query[:200], "results": page}
    )


@require_safe
@cache_control(max_age=3600, public=True)
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/",
        "Disallow: /api/",
        "",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
        f"Sitemap: {request.build_absolute_uri('/sitemap-news.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
