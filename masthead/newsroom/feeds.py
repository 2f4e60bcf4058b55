"""RSS 2.0 and Atom feeds: the whole site, each section, each author, each tag.

Built on Django's syndication framework, with feed generators that add what
feed readers expect from a newsroom: every author of a piece, the featured
image as enclosure and Media RSS (media:content), and full content in Atom's
<content>. Whether items carry the full article or only the standfirst, and
how many there are, is a per-site PublicationSettings choice.
"""

import logging
import mimetypes
from functools import cached_property

import nh3
from django.contrib.syndication.views import Feed
from django.core.exceptions import ObjectDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.http import parse_http_date_safe
from taggit.models import Tag
from wagtail.models import Site

from .models import ArticlePage, Author, PublicationSettings, SectionPage

logger = logging.getLogger(__name__)

MEDIA_RSS_NS = "http://search.yahoo.com/mrss/"
DUBLIN_CORE_NS = "http://purl.org/dc/elements/1.1/"
# Feed readers show the image at column width; keep its proportions.
FEED_IMAGE_SPEC = "max-1200x1200"
# Short enough that a correction reaches readers quickly, long enough that a
# CDN absorbs a crowd of polling feed readers.
FEED_MAX_AGE = 300


class MediaRssFeed(Rss201rev2Feed):
    """RSS 2.0 with every author as dc:creator and the featured image as media:content."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:media": MEDIA_RSS_NS, "xmlns:dc": DUBLIN_CORE_NS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for author in item.get("authors", ()):
            handler.addQuickElement("dc:creator", author["name"])
        add_media_content(handler, item.get("image"))


class MediaAtomFeed(Atom1Feed):
    """Atom with one <author> per byline, full content in <content>, and media:content."""

    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:media": MEDIA_RSS_NS}

    def add_item_elements(self, handler, item):
        content = item.get("content")
        if content is not None:
            # The standfirst is the summary; the article itself is the content.
            item = {**item, "description": item.get("summary")}
        super().add_item_elements(handler, item)
        for author in item.get("authors", ()):
            handler.startElement("author", {})
            handler.addQuickElement("name", author["name"])
            handler.addQuickElement("uri", author["url"])
            handler.endElement("author")
        if content is not None:
            handler.addQuickElement("content", content, {"type": "html"})
        # The enclosure <link> comes from Atom1Feed; Media RSS adds size and credit.
        add_media_content(handler, item.get("image"))


def add_media_content(handler, image: dict | None) -> None:
    if not image:
        return
    handler.startElement(
        "media:content",
        {
            "url": image["url"],
            "type": image["mime_type"],
            "medium": "image",
            "width": str(image["width"]),
            "height": str(image["height"]),
            "fileSize": str(image["length"]),
        },
    )
    if image["caption"]:
        handler.addQuickElement("media:description", image["caption"])
    if image["credit"]:
        handler.addQuickElement("media:credit", image["credit"])
    handler.endElement("media:content")


def feed_image(article: ArticlePage, request) -> dict | None:
    """The featured image as a feed reader gets it: an absolute rendition URL, its size and type."""
    if article.featured_image is None:
        return None
    try:
        rendition = article.featured_image.get_rendition(FEED_IMAGE_SPEC)
        length = rendition.file.size
    except (OSError, ObjectDoesNotExist):
        # A missing original file must not take the whole feed down.
        return None
    except Exception:  # noqa: BLE001 -- object storage fails in its own types (botocore's)
        logger.warning("feed image of article %s unavailable", article.pk, exc_info=True)
        return None
    mime_type = mimetypes.guess_type(rendition.file.name)[0] or "application/octet-stream"
    return {
        "url": request.build_absolute_uri(rendition.url),
        "mime_type": mime_type,
        "length": length,
        "width": rendition.width,
        "height": rendition.height,
        "caption": article.featured_caption or article.featured_image.title,
        "credit": article.featured_credit,
    }


def full_content_html(article: ArticlePage, request) -> str:
    """The article body as self-contained HTML: feed-friendly markup, absolute URLs only."""
    html = render_to_string(
        "newsroom/seo/feed_content.html", {"article": article, "request": request}
    )
    base = request.build_absolute_uri("/")
    return nh3.clean(
        html,
        url_relative=("rewrite_with_base", base),
        link_rel=None,
    ).strip()


class ArticleFeed(Feed):
    """Articles of one site, newest first; subclasses narrow them to a section, author or tag."""

    feed_type = MediaRssFeed

    @classmethod
    def as_view(cls):
        """A view making one feed object per request: the feed keeps per-request state."""

        def view(request, *args, **kwargs):
            return cls()(request, *args, **kwargs)

        view.__name__ = view.__qualname__ = cls.__name__
        return view

    def __call__(self, request, *args, **kwargs):
        self.request = request
        response = super().__call__(request, *args, **kwargs)
        patch_cache_control(response, public=True, max_age=FEED_MAX_AGE)
        set_response_etag(response)
        # Feed readers poll; answer the unchanged ones with 304 and no body.
        return get_conditional_response(
            request,
            etag=response.get("ETag"),
            last_modified=parse_http_date_safe(response.get("Last-Modified", "")),
            response=response,
        )

    # --- context of the request ------------------------------------------

    @cached_property
    def site(self) -> Site:
        return Site.find_for_request(self.request) or Site.objects.get(is_default_site=True)

    @cached_property
    def publication(self) -> PublicationSettings:
        return PublicationSettings.for_site(self.site)

    def site_articles(self):
        return (
            ArticlePage.objects.live()
            .public()
            .descendant_of(self.site.root_page)
            .filter(first_published_at__isnull=False)
        )

    def select_articles(self, obj):
        return self.site_articles()

    # --- the channel ----------------------------------------------------

    def items(self, obj):
        articles = (
            self.select_articles(obj)
            .newest_first()
            .select_related("featured_image")
            .prefetch_related("article_authors__author", "tags")
            .distinct()
        )
        return list(articles[: max(self.publication.feed_item_count, 1)])

    def title(self, obj):
        return self.publication.name

    def description(self, obj):
        return self.publication.tagline or f"The latest from {self.publication.name}"

    def link(self, obj):
        return self.request.build_absolute_uri(self.site.root_page.get_url(self.request) or "/")

    def feed_copyright(self, obj):
        return self.publication.name

    # --- the items --------------------------------------------------------

    def item_title(self, item):
        return item.title

    def item_link(self, item):
        return self.request.build_absolute_uri(item.get_url(self.request))

    def item_guid(self, item):
        # Survives a change of slug or section, unlike the link.
        return f"urn:uuid:{item.translation_key}"

    def item_guid_is_permalink(self, item):
        return False

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.last_published_at or item.first_published_at

    def item_description(self, item):
        if self.publication.feed_full_content and not self.is_atom:
            return full_content_html(item, self.request)
        return item.standfirst

    def item_categories(self, item):
        return [item.section.title, *(tag.name for tag in item.tags.all())]

    def item_image(self, item) -> dict | None:
        # Asked for twice per item (enclosure, media:content): look it up once.
        if not hasattr(self, "_images"):
            self._images = {}
        if item.pk not in self._images:
            self._images[item.pk] = feed_image(item, self.request)
        return self._images[item.pk]

    def item_enclosures(self, item):
        image = self.item_image(item)
        if image is None:
            return []
        return [Enclosure(image["url"], str(image["length"]), image["mime_type"])]

    def item_extra_kwargs(self, item):
        extra = {
            "authors": [
                {"name": a.name, "url": self.request.build_absolute_uri(a.get_absolute_url())}
                for a in item.author_list
            ],
            "image": self.item_image(item),
            "summary": item.standfirst,
        }
        if self.is_atom and self.publication.feed_full_content:
            extra["content"] = full_content_html(item, self.request)
        return extra

    @property
    def is_atom(self) -> bool:
        return issubclass(self.feed_type, Atom1Feed)


class SectionFeed(ArticleFeed):
    def get_object(self, request, slug):
        return SectionPage.objects.live().public().descendant_of(self.site.root_page).get(slug=slug)

    def select_articles(self, obj):
        return self.site_articles().in_section(obj)

    def title(self, obj):
        return f"{obj.title} · {self.publication.name}"

    def description(self, obj):
        return obj.description or f"{obj.title} from {self.publication.name}"

    def link(self, obj):
        return self.request.build_absolute_uri(obj.get_url(self.request))


class AuthorFeed(ArticleFeed):
    def get_object(self, request, slug):
        return Author.objects.get(slug=slug)

    def select_articles(self, obj):
        return self.site_articles().by_author(obj)

    def title(self, obj):
        return f"{obj.name} · {self.publication.name}"

    def description(self, obj):
        return obj.bio or f"Articles by {obj.name} in {self.publication.name}"

    def link(self, obj):
        return self.request.build_absolute_uri(obj.get_absolute_url())


class TagFeed(ArticleFeed):
    def get_object(self, request, slug):
        tag = Tag.objects.get(slug=slug)
        # A tag only on drafts (or on another site) is not public yet.
        if not self.site_articles().tagged(slug).exists():
            raise Tag.DoesNotExist
        return tag

    def select_articles(self, obj):
        return self.site_articles().tagged(obj.slug)

    def title(self, obj):
        return f"{obj.name} · {self.publication.name}"

    def description(self, obj):
        return f"Articles tagged “{obj.name}” in {self.publication.name}"

    def link(self, obj):
        return self.request.build_absolute_uri(reverse("newsroom:tag", kwargs={"slug": obj.slug}))


class SiteAtomFeed(ArticleFeed):
    feed_type = MediaAtomFeed


class SectionAtomFeed(SectionFeed):
    feed_type = MediaAtomFeed


class AuthorAtomFeed(AuthorFeed):
    feed_type = MediaAtomFeed


class TagAtomFeed(TagFeed):
    feed_type = MediaAtomFeed
