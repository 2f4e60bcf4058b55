"""Head metadata for every public page: canonical link, description, Open Graph,
Twitter card, feed discovery and schema.org JSON-LD.  The theme calls
{% seo_meta %} in <head>; the context tells what kind of page this is: `page`
(a Wagtail page), or `author`, `tag` or `query` from the plain views.
"""

import json
from urllib.parse import urlparse

from django import template
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.middleware.csp import get_nonce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from wagtail.models import Page

from masthead.core.memo import per_generation
from masthead.newsroom.models import ArticlePage, PublicationSettings, SectionPage

register = template.Library()

# The size Facebook, LinkedIn and X all show large previews at.
SHARE_IMAGE_SPEC = "fill-1200x630"
AVATAR_IMAGE_SPEC = "fill-400x400"
# Google asks for a publisher logo no taller than 60 px and no wider than 600 px.
LOGO_IMAGE_SPEC = "max-600x60"
DESCRIPTION_CHARS = 300

# What json_script escapes, so that no string in the data can close the
# <script> element or open an HTML comment inside it.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def seo_meta(context):
    request = context.get("request")
    if request is None:
        return ""
    page = context.get("page") or context.get("self")
    if isinstance(page, Page) and page.pk and not getattr(request, "is_preview", False):
        # A published page's metadata changes only with edits, which bump the generation.
        key = ("seo:page", page.pk, request.get_host(), request.get_full_path())
        meta = dict(per_generation(key, lambda: head_metadata(context, request)))
    else:
        meta = head_metadata(context, request)
    nonce = context.get("csp_nonce") or get_nonce(request)
    meta["json_ld"] = [
        mark_safe(json_for_script(data))  # noqa: S308 - escaped by json_for_script
        for data in meta["json_ld"]
    ]
    meta["csp_nonce"] = nonce
    return render_to_string("newsroom/seo/meta.html", meta)


def json_for_script(data) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(
        JSON_SCRIPT_ESCAPES
    )


def head_metadata(context, request) -> dict:
    publication = PublicationSettings.for_request(request)
    meta = {
        "site_name": publication.name,
        "locale": og_locale(settings.LANGUAGE_CODE),
        "title": "",
        "description": publication.tagline,
        "canonical": "",
        "og_type": "website",
        "image": None,
        "twitter_site": x_handle(publication.x_url),
        "robots": "",
        "article": None,
        "feeds": [],
        "json_ld": [],
    }
    page = context.get("page") or context.get("self")
    if isinstance(page, Page):
        page = page.specific
        if isinstance(page, ArticlePage):
            article_metadata(meta, page, request, publication)
        else:
            page_metadata(meta, page, request, publication)
        if getattr(request, "is_preview", False):
            meta["robots"] = "noindex, nofollow"
    elif context.get("author") is not None:
        author_metadata(meta, context["author"], request)
    elif context.get("tag") is not None:
        tag_metadata(meta, context["tag"], request, publication)
    elif "query" in context:
        meta["title"] = f"Search · {publication.name}"
        # Result pages are endless near-duplicates: keep them out of the index,
        # but let crawlers follow the links to the articles.
        meta["robots"] = "noindex, follow"
    if meta["description"]:
        meta["description"] = Truncator(" ".join(meta["description"].split())).chars(
            DESCRIPTION_CHARS
        )
    meta["twitter_card"] = (
        "summary_large_image"
        if meta["image"] and meta["image"]["spec"] == SHARE_IMAGE_SPEC
        else "summary"
    )
    return meta


# --- page kinds ------------------------------------------------------------


def article_metadata(meta, article: ArticlePage, request, publication) -> None:
    own_url = page_url(article, request)
    canonical = article.original_url or own_url
    published = article.first_published_at or article.go_live_at
    modified = article.last_published_at or published
    authors = article.author_list
    author_urls = [request.build_absolute_uri(a.get_absolute_url()) for a in authors]
    tags = [tag.name for tag in article.tag_list]
    section = article.section
    image = rendition_meta(article.featured_image, SHARE_IMAGE_SPEC, request)
    if image:
        image["alt"] = article.featured_caption or article.featured_image.title
    meta.update(
        title=article.seo_title or article.title,
        description=article.search_description or article.standfirst,
        canonical=canonical,
        og_type="article",
        image=image,
        article={
            "published_time": published.isoformat() if published else "",
            "modified_time": modified.isoformat() if modified else "",
            "section": section.title,
            "tags": tags,
            "authors": author_urls,
        },
        feeds=section_feeds(section, request),
    )

    if article.original_author:
        # "Authored by A via B": the byline belongs to the original author.
        json_authors = [{"@type": "Person", "name": article.original_author}]
    else:
        json_authors = [
            {"@type": "Person", "name": a.name, "url": url}
            for a, url in zip(authors, author_urls, strict=True)
        ]
    news_article = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.standfirst,
        "url": own_url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
        "datePublished": published.isoformat() if published else None,
        "dateModified": modified.isoformat() if modified else None,
        "author": json_authors,
        "publisher": publisher_json(publication, request),
        "articleSection": section.title,
        "wordCount": article.word_count,
    }
    if tags:
        news_article["keywords"] = tags
    if image:
        news_article["image"] = [
            {
                "@type": "ImageObject",
                "url": image["url"],
                "width": image["width"],
                "height": image["height"],
            }
        ]
    if article.is_syndicated:
        news_article["sourceOrganization"] = {"@type": "Organization", "name": article.source_name}
        if article.original_url:
            news_article["isBasedOn"] = article.original_url
    meta["json_ld"] = [
        news_article,
        breadcrumbs_json([*breadcrumb_trail(section, request), (article.title, own_url)]),
    ]


def page_metadata(meta, page: Page, request, publication) -> None:
    meta.update(
        title=page.seo_title or page.title,
        canonical=with_page_number(page_url(page, request), request),
        image=rendition_meta(publication.logo, SHARE_IMAGE_SPEC, request),
    )
    if page.search_description:
        meta["description"] = page.search_description
    if isinstance(page, SectionPage):
        meta["description"] = page.search_description or page.description or meta["description"]
        meta["feeds"] = section_feeds(page, request)
        meta["json_ld"] = [breadcrumbs_json(breadcrumb_trail(page, request))]
    elif is_site_root(page, request):
        meta["title"] = publication.name
        meta["json_ld"] = [website_json(publication, request)]


def author_metadata(meta, author, request) -> None:
    image = rendition_meta(author.avatar, AVATAR_IMAGE_SPEC, request)
    if image:
        image["alt"] = author.name
    meta.update(
        title=author.name,
        description=author.bio or meta["description"],
        canonical=with_page_number(request.build_absolute_uri(author.get_absolute_url()), request),
        og_type="profile",
        image=image,
        feeds=feed_links(author.name, "author", author.slug),
    )


def tag_metadata(meta, tag, request, publication) -> None:
    meta.update(
        title=f"{tag.name} · {publication.name}",
        description=f"Articles tagged “{tag.name}” in {publication.name}.",
        canonical=with_page_number(
            request.build_absolute_uri(reverse("newsroom:tag", kwargs={"slug": tag.slug})),
            request,
        ),
        image=rendition_meta(publication.logo, SHARE_IMAGE_SPEC, request),
        feeds=feed_links(tag.name, "tag", tag.slug),
    )


# --- pieces ------------------------------------------------------------------


def page_url(page: Page, request) -> str:
    return request.build_absolute_uri(page.get_url(request) or "/")


def with_page_number(url: str, request) -> str:
    """Each page of a paginated list is its own canonical page."""
    number = request.GET.get("page", "")
    if number.isdigit() and int(number) > 1:
        return f"{url}?page={int(number)}"
    return url


def is_site_root(page: Page, request) -> bool:
    site = page.get_site()
    return site is not None and site.root_page_id == page.pk


def rendition_meta(image, spec: str, request) -> dict | None:
    if image is None:
        return None
    try:
        rendition = image.get_rendition(spec)
    except (OSError, ObjectDoesNotExist):
        # A lost original file costs the preview image, not the page.
        return None
    return {
        "url": request.build_absolute_uri(rendition.url),
        "width": rendition.width,
        "height": rendition.height,
        "alt": image.title,
        "spec": spec,
    }


def section_feeds(section: SectionPage, request) -> list[tuple[str, str, str]]:
    return feed_links(section.title, "section", section.slug)


def feed_links(name: str, kind: str, slug: str) -> list[tuple[str, str, str]]:
    """The RSS and Atom feeds of one section, author or tag, as (title, type, URL)."""
    return [
        (
            f"{name} (RSS)",
            "application/rss+xml",
            reverse(f"{kind}_feed_rss", kwargs={"slug": slug}),
        ),
        (
            f"{name} (Atom)",
            "application/atom+xml",
            reverse(f"{kind}_feed_atom", kwargs={"slug": slug}),
        ),
    ]


def publisher_json(publication, request) -> dict:
    publisher = {
        "@type": "Organization",
        "name": publication.name,
        "url": request.build_absolute_uri("/"),
    }
    logo = rendition_meta(publication.logo, LOGO_IMAGE_SPEC, request)
    if logo:
        publisher["logo"] = {
            "@type": "ImageObject",
            "url": logo["url"],
            "width": logo["width"],
            "height": logo["height"],
        }
    same_as = [link["url"] for link in publication.social_links()]
    if same_as:
        publisher["sameAs"] = same_as
    return publisher


def website_json(publication, request) -> dict:
    home = request.build_absolute_uri("/")
    return {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": publication.name,
        "url": home,
        "publisher": publisher_json(publication, request),
        "potentialAction": {
            "@type": "SearchAction",
            "target": {
                "@type": "EntryPoint",
                "urlTemplate": request.build_absolute_uri(reverse("newsroom:search"))
                + "?q={search_term_string}",
            },
            "query-input": "required name=search_term_string",
        },
    }


def breadcrumb_trail(section: SectionPage, request) -> list[tuple[str, str]]:
    home = section.get_parent()
    return [("Home", page_url(home, request)), (section.title, page_url(section, request))]


def breadcrumbs_json(trail: list[tuple[str, str]]) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": url}
            for n, (name, url) in enumerate(trail, start=1)
        ],
    }


def og_locale(language_code: str) -> str:
    language, _, region = language_code.partition("-")
    return f"{language}_{region.upper()}" if region else language


def x_handle(x_url: str) -> str:
    """ "@name" from a profile link like https://x.com/name, for twitter:site."""
    if not x_url:
        return ""
    path = urlparse(x_url).path.strip("/")
    handle = path.split("/")[0] if path else ""
    return f"@{handle}" if handle else ""
