"""Template tags for view counts, trending and most-read lists."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import ngettext

from masthead.core.sites import current_site

from .. import selectors

register = template.Library()


@register.simple_tag
def view_count(article) -> int:
    return selectors.view_count(article.pk)


@register.filter
def views_label(count: int) -> str:
    """10283 -> "10,283 views", grouped as the active locale groups numbers."""
    return ngettext("%(count)s view", "%(count)s views", count) % {"count": intcomma(count)}


def _site_root(context):
    site = current_site(context.get("request"))
    return site.root_page if site is not None else None


@register.simple_tag(takes_context=True)
def trending_articles(context, window: str = "24h", limit: int = 5) -> list:
    root = _site_root(context)
    if root is None:
        return []
    return selectors.trending_articles(window=window, site_root=root, limit=limit)


@register.simple_tag
def most_read_articles(section, days: int = 7, limit: int = 5) -> list:
    return selectors.most_read_articles(section=section, days=days, limit=limit)


@register.inclusion_tag("metrics/includes/view_count.html")
def view_count_badge(article) -> dict:
    """The count as text, with the wording views.js needs to update it after load."""
    count = selectors.view_count(article.pk)
    return {
        "article_id": article.pk,
        "label": views_label(count),
        "one": ngettext("%(count)s view", "%(count)s views", 1) % {"count": "%s"},
        "other": ngettext("%(count)s view", "%(count)s views", 2) % {"count": "%s"},
    }
