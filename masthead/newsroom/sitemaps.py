"""XML sitemaps: an index over pages, authors and tags, and a Google News sitemap.

Every sitemap here is built per request (wagtail.contrib.sitemaps instantiates
its Sitemap subclasses with the request), so each site of a multi-site install
lists only its own pages, on the host the crawler asked for. Syndicated
articles whose canonical URL is the original elsewhere are left out: a sitemap
lists canonical URLs only.
"""

import datetime as dt

from django.conf import settings
from django.contrib.sitemaps import Sitemap as DjangoSitemap
from django.db.models import Max, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag
from wagtail.contrib.sitemaps import Sitemap as WagtailSitemap

from .models import ArticlePage, Author, HomePage, PublicationSettings, SectionPage

# Google News reads at most this many URLs from a news sitemap.
NEWS_SITEMAP_LIMIT = 1000


class SiteSitemap(WagtailSitemap):
    """A sitemap of plain Django objects that still knows the request's Wagtail site."""

    def _urls(self, page, protocol, domain):
        return DjangoSitemap._urls(self, page, protocol, domain)

    def site_articles(self):
        return (
            ArticlePage.objects.live()
            .public()
            .descendant_of(self.get_wagtail_site().root_page)
            .filter(first_published_at__isnull=False, original_url="")
        )


class PagesSitemap(WagtailSitemap):
    """Home, sections and articles, each with the time it was last published."""

    def items(self):
        return super().items().exclude(articlepage__original_url__gt="")

    def lastmod(self, obj):
        """A listing page changes whenever an article in it is published."""
        own = super().lastmod(obj)
        if isinstance(obj, SectionPage):
            articles = ArticlePage.objects.live().public().in_section(obj)
        elif isinstance(obj, HomePage):
            articles = ArticlePage.objects.live().public().descendant_of(obj)
        else:
            return own
        newest = articles.aggregate(newest=Max("last_published_at"))["newest"]
        return max((when for when in (own, newest) if when), default=None)

    def _urls(self, page, protocol, domain):
        urls = []
        last_mods = set()
        for item in self.paginator.page(page).object_list.iterator():
            lastmod = self.lastmod(item)
            urls.append(
                {
                    "item": item,
                    "location": self.request.build_absolute_uri(item.get_url(self.request)),
                    "lastmod": lastmod,
                    "changefreq": None,
                    "priority": None,
                    "alternates": [],
                }
            )
            last_mods.add(lastmod)
        if last_mods and None not in last_mods:
            self.latest_lastmod = max(last_mods)
        return urls


class AuthorsSitemap(SiteSitemap):
    """Author pages of everyone with a live article on this site."""

    def items(self):
        latest = (
            self.site_articles()
            .filter(article_authors__author=OuterRef("pk"))
            .order_by("-last_published_at")
            .values("last_published_at")[:1]
        )
        return (
            Author.objects.filter(pk__in=self.site_articles().values("article_authors__author"))
            .annotate(last_article_at=Subquery(latest))
            .order_by("slug")
        )

    def location(self, obj):
        return obj.get_absolute_url()

    def lastmod(self, obj):
        return obj.last_article_at


class TagsSitemap(SiteSitemap):
    """Tag pages of every tag on a live article of this site."""

    def items(self):
        latest = (
            self.site_articles()
            .filter(tags=OuterRef("pk"))
            .order_by("-last_published_at")
            .values("last_published_at")[:1]
        )
        return (
            Tag.objects.filter(pk__in=self.site_articles().values("tags"))
            .annotate(last_article_at=Subquery(latest))
            .order_by("slug")
        )

    def location(self, obj):
        return reverse("newsroom:tag", kwargs={"slug": obj.slug})

    def lastmod(self, obj):
        return obj.last_article_at


class NewsSitemap(SiteSitemap):
    """Articles first published in the last MASTHEAD_NEWS_SITEMAP_HOURS, for Google News."""

    limit = NEWS_SITEMAP_LIMIT

    def items(self):
        since = timezone.now() - dt.timedelta(hours=settings.MASTHEAD_NEWS_SITEMAP_HOURS)
        return (
            self.site_articles()
            .filter(first_published_at__gte=since)
            .newest_first()
            .defer_streamfields()[: self.limit]
        )

    def location(self, obj):
        return obj.get_url(self.request)

    def lastmod(self, obj):
        return obj.last_published_at

    def get_urls(self, page=1, site=None, protocol=None):
        publication = PublicationSettings.for_site(self.get_wagtail_site())
        language = news_language(settings.LANGUAGE_CODE)
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        for url in urls:
            article = url["item"]
            url["news"] = {
                "publication_name": publication.name,
                "language": language,
                "publication_date": article.first_published_at.isoformat(timespec="seconds"),
                "title": article.title,
            }
        return urls


def news_language(language_code: str) -> str:
    """Google News wants ISO 639 codes, except for the two Chinese scripts."""
    code = language_code.lower()
    if code in {"zh-cn", "zh-hans"}:
        return "zh-cn"
    if code in {"zh-tw", "zh-hant"}:
        return "zh-tw"
    return code.split("-")[0]


SITEMAPS = {"pages": PagesSitemap, "authors": AuthorsSitemap, "tags": TagsSitemap}
NEWS_SITEMAPS = {"news": NewsSitemap}
