"""{% signup_box placement [key] as box %}: what a signup form needs, or None where none is shown.

The boxes sit on cached pages (the article box inside the cached story
fragment), so they depend only on the site's settings and open lists, both
read once per content generation: saving either bumps the generation
(settings through masthead.core.signals, lists through this app's signals).
"""

from django import template

from masthead.core.memo import per_generation

from ..subscriptions import newsletter_settings, open_newsletters

register = template.Library()


def _open_lists() -> list:
    return per_generation(("newsletters:open",), lambda: list(open_newsletters()))


@register.simple_tag(takes_context=True)
def signup_box(context, placement: str, key="") -> dict | None:
    request = context.get("request")
    if request is None:
        return None
    rules = newsletter_settings(request)
    shown = {
        "sidebar": rules.signup_in_sidebar and not context.get("hide_signup_sidebar"),
        "article": rules.signup_after_articles,
        "assets": rules.signup_in_sidebar or rules.signup_after_articles,
    }[placement]
    lists = _open_lists() if shown else []
    if not lists:
        return None
    return {
        "placement": placement,
        "prefix": f"nl-{placement}{'-' + str(key) if key != '' else ''}",
        "heading": rules.signup_heading,
        "text": rules.signup_text,
        "newsletters": lists,
    }
