"""{% ad_slots "sidebar" page %}: the reserved, labelled boxes of a placement kind.

The boxes are part of the cached page; ads.js fills them after load from the
short list in slots.json (the choice is made in the browser, so cached pages
still rotate).  Nothing per reader, no nonce: safe inside fragments.
"""

from django import template
from django.template.loader import render_to_string

from masthead.ads import selectors
from masthead.ads.models import AdsSettings, Placement

register = template.Library()


def _ads_settings(context):
    request = context.get("request")
    if request is None:
        return None
    ads = AdsSettings.for_request(request)
    return ads if ads.enabled else None


@register.simple_tag(takes_context=True)
def ad_slots(context, kind: str, page=None):
    ads = _ads_settings(context)
    if ads is None or getattr(context.get("request"), "is_preview", False):
        return ""
    section_id = selectors.section_id_of(page)
    placements = selectors.placements_for(kind, section_id, allow_tags=ads.allow_third_party_tags)
    if kind == Placement.Kind.IN_ARTICLE:
        return ""  # rendered at their paragraph by {% in_article_ads %}
    return render_to_string(
        "ads/includes/slots.html",
        {"placements": placements, "label": ads.label, "section_id": section_id or ""},
    )


@register.simple_tag(takes_context=True)
def in_article_ads(context, page) -> dict:
    """{block index: rendered slot} for the in-article placements of `page`."""
    ads = _ads_settings(context)
    if ads is None or getattr(context.get("request"), "is_preview", False):
        return {}
    section_id = selectors.section_id_of(page)
    breaks: dict[int, list] = {}
    for placement in selectors.placements_for(
        Placement.Kind.IN_ARTICLE, section_id, allow_tags=ads.allow_third_party_tags
    ):
        index = selectors.in_article_break(page, placement)
        if index is not None:
            breaks.setdefault(index, []).append(placement)
    return {
        index: render_to_string(
            "ads/includes/slots.html",
            {"placements": placements, "label": ads.label, "section_id": section_id or ""},
        )
        for index, placements in breaks.items()
    }


@register.filter
def ad_after(breaks: dict, index: int) -> str:
    return breaks.get(index, "")
