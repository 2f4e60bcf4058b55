"""The safelist for HTML creatives.

Advertisers' HTML is shown inside our own pages and our own link (the click redirect
wraps it), so it may format text and show an image, and nothing more: no links of its
own (they would bypass click counting), no scripts, no styles or classes (which could
restyle or hide the page around the ad), no event handlers.  Images load only over
https or from this site's media, since the page's CSP allows nothing else anyway.
"""

import re

import nh3

TAGS = frozenset(
    {"p", "br", "strong", "b", "em", "i", "span", "img", "h3", "h4", "ul", "ol", "li", "small"}
)
ATTRIBUTES = {"img": {"src", "alt", "width", "height"}}
# Dropped together with their content: their text is code, not copy.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "template", "noscript", "iframe", "object"})

_DIMENSION = re.compile(r"\d{1,4}")


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        if value.startswith("https://") or (value.startswith("/media/") and ".." not in value):
            return value
        return None
    if tag == "img" and attribute in {"width", "height"}:
        return value if _DIMENSION.fullmatch(value) else None
    return value


def clean_html(markup: str) -> str:
    """Markup reduced to the safelist; anything else is removed (text kept, except
    inside script-like elements)."""
    return nh3.clean(
        markup or "",
        tags=set(TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        attribute_filter=_filter_attribute,
        url_schemes={"https"},
        url_relative="pass_through",
        link_rel=None,
        strip_comments=True,
    ).strip()
