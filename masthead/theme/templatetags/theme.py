"""Template helpers of the public theme: the section menu, icons, pagination links."""

from django import template
from django.http import QueryDict
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from masthead.core.memo import per_generation
from masthead.core.sites import current_site
from masthead.newsroom import selectors
from masthead.newsroom.models import SectionPage

register = template.Library()

# Simple line icons drawn for this theme on a 24px grid; they inherit the text
# colour through currentColor, so they follow the light and dark palettes.
ICONS = {
    "youtube": '<rect x="2.5" y="5" width="19" height="14" rx="4"/>'
    '<path d="M10 9.2v5.6l4.8-2.8z" fill="currentColor"/>',
    "x": '<path d="M4 4h4.5L20 20h-4.5z"/><path d="M19.5 4 13.4 10.8M10.6 13.2 4.5 20"/>',
    "facebook": '<rect x="3" y="3" width="18" height="18" rx="4"/>'
    '<path d="M15.5 7.5h-1.8a2 2 0 0 0-2 2V21M9 13h6"/>',
    "instagram": '<rect x="3" y="3" width="18" height="18" rx="5"/><circle cx="12" cy="12" r="4"/>'
    '<circle cx="17.3" cy="6.7" r=".9" fill="currentColor"/>',
    "telegram": '<path d="M21 4 3 11.2l6.3 2.3L18 7.6l-6.6 7.6L17.6 20z"/>'
    '<path d="M9.3 13.5 10 19l2.6-3"/>',
    "mastodon": '<path d="M6 4h12a2 2 0 0 1 2 2v8a4 4 0 0 1-4 4H9.5L7 20.5V18H6a2 2 0 0 1-2-2V6'
    'a2 2 0 0 1 2-2z"/><path d="M8 14v-3.5a2 2 0 0 1 4 0V14m0-3.5a2 2 0 0 1 4 0V14"/>',
    "bluesky": '<path d="M12 11.2C10.4 7.8 6.9 5 5 5.4c-2 .4-1.2 5.3 2.3 6.4-2.8.9-2.6 3.7-.9 4.7'
    " 1.8 1.1 4-.7 5.6-4.3 1.6 3.6 3.8 5.4 5.6 4.3 1.7-1 1.9-3.8-.9-4.7 3.5-1.1 4.3-6 2.3-6.4"
    '-1.9-.4-5.4 2.4-7 5.8z"/>',
    "linkedin": '<rect x="3" y="3" width="18" height="18" rx="3"/>'
    '<path d="M8 10.5V17M8 7.2v.1M11.5 17v-6.5m0 3a3 3 0 0 1 6 0V17"/>',
    "rss": '<circle cx="6" cy="18" r="1.6" fill="currentColor"/>'
    '<path d="M4.5 11a8.5 8.5 0 0 1 8.5 8.5M4.5 4.5a15 15 0 0 1 15 15"/>',
    "website": '<circle cx="12" cy="12" r="9"/>'
    '<path d="M3 12h18M12 3c2.5 2.6 3.6 5.6 3.6 9s-1.1 6.4-3.6 9'
    'c-2.5-2.6-3.6-5.6-3.6-9S9.5 5.6 12 3z"/>',
    "search": '<circle cx="10.5" cy="10.5" r="6.5"/><path d="m15.5 15.5 5 5"/>',
    "moon": '<path d="M20 14.5A8.5 8.5 0 0 1 9.5 4a8.5 8.5 0 1 0 10.5 10.5z"/>',
    "sun": '<circle cx="12" cy="12" r="4"/><path d="M12 2.5v2M12 19.5v2M2.5 12h2M19.5 12h2M5.3 5.3'
    'l1.4 1.4M17.3 17.3l1.4 1.4M5.3 18.7l1.4-1.4M17.3 6.7l1.4-1.4"/>',
    "play": '<path d="M8 5.5v13l11-6.5z" fill="currentColor"/>',
}


@register.simple_tag
def icon(name: str, css_class: str = "icon"):
    """An inline SVG icon, hidden from assistive technology (its link or button is labelled)."""
    paths = ICONS.get(name)
    if paths is None:
        return ""
    return format_html(
        '<svg class="{}" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" '
        'focusable="false" fill="none" stroke="currentColor" stroke-width="1.8" '
        'stroke-linecap="round" stroke-linejoin="round">{}</svg>',
        css_class,
        mark_safe(paths),  # noqa: S308 - constant markup defined above
    )


def _site(request):
    return current_site(request)


def _sections_by_path(context) -> dict[str, SectionPage]:
    """The live sections of this site by tree path, loaded once per request."""
    request = context.get("request")
    cached = getattr(request, "_theme_sections", None) if request is not None else None
    if cached is None:
        site = _site(request)
        cached = per_generation(
            ("theme:sections", site.pk if site else None),
            lambda: {s.path: s for s in selectors.sections_for_menu(site)},
        )
        if request is not None:
            request._theme_sections = cached
    return cached


@register.simple_tag(takes_context=True)
def section_menu(context):
    """The sections for the header navigation, in menu order."""
    return list(_sections_by_path(context).values())


@register.simple_tag(takes_context=True)
def section_of(context, article):
    """The section an article sits in, without a query per teaser.

    An article's section is its tree parent, so its path minus the last step
    names it among the sections the menu already loaded.
    """
    section = _sections_by_path(context).get(article.path[: -article.steplen])
    return section if section is not None else article.section


@register.simple_tag(takes_context=True)
def is_current_section(context, section) -> bool:
    page = context.get("page")
    if page is None or not hasattr(page, "path"):
        return False
    return page.path == section.path or page.path[: -page.steplen] == section.path


@register.simple_tag(takes_context=True)
def query_with(context, **params) -> str:
    """The current query string with `params` replaced, e.g. a page number that keeps ?q=."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else QueryDict(mutable=True)
    for key, value in params.items():
        query[key] = value
    return "?" + query.urlencode()
