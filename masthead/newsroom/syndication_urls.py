"""The URLs machines read: feeds and sitemaps (robots.txt is routed in masthead/urls.py).

Spliced into the root URLconf before Wagtail's catch-all, so section feeds live
under /feed/section/<slug>/ rather than under the section's own page URL.
"""

from django.urls import path
from django.views.decorators.cache import cache_control
from wagtail.contrib.sitemaps import views as sitemap_views

from . import feeds
from .sitemaps import NEWS_SITEMAPS, SITEMAPS

# Crawlers revisit sitemaps on their own schedule; the news sitemap changes
# with every publication, so it is kept fresher.
SITEMAP_MAX_AGE = 900
NEWS_SITEMAP_MAX_AGE = 300

urlpatterns = [
    path("feed/rss/", feeds.ArticleFeed.as_view(), name="feed_rss"),
    path("feed/atom/", feeds.SiteAtomFeed.as_view(), name="feed_atom"),
    path("feed/section/<slug:slug>/rss/", feeds.SectionFeed.as_view(), name="section_feed_rss"),
    path(
        "feed/section/<slug:slug>/atom/",
        feeds.SectionAtomFeed.as_view(),
        name="section_feed_atom",
    ),
    path("feed/author/<slug:slug>/rss/", feeds.AuthorFeed.as_view(), name="author_feed_rss"),
    path("feed/author/<slug:slug>/atom/", feeds.AuthorAtomFeed.as_view(), name="author_feed_atom"),
    path("feed/tag/<slug:slug>/rss/", feeds.TagFeed.as_view(), name="tag_feed_rss"),
    path("feed/tag/<slug:slug>/atom/", feeds.TagAtomFeed.as_view(), name="tag_feed_atom"),
    path(
        "sitemap.xml",
        cache_control(public=True, max_age=SITEMAP_MAX_AGE)(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap_index",
    ),
    path(
        "sitemap-news.xml",
        cache_control(public=True, max_age=NEWS_SITEMAP_MAX_AGE)(sitemap_views.sitemap),
        {"sitemaps": NEWS_SITEMAPS, "template_name": "newsroom/sitemaps/news.xml"},
        name="sitemap_news",
    ),
    path(
        "sitemap-<section>.xml",
        cache_control(public=True, max_age=SITEMAP_MAX_AGE)(sitemap_views.sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
]
