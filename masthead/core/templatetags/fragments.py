"""{% fragment name part ... %}…{% endfragment %}: render once per content generation.

The parts of a page that depend only on published content (an article's own
markup, a ranked list of teasers) are the bulk of its render time.  They are
kept, rendered, in the shared cache under the content generation, so every app
process reuses them until the next publish or edit bumps it; a fragment must
therefore hold nothing per reader and no CSP nonce.  Previews always render
fresh: a draft shares its page id with the live article.
"""

from django import template
from django.conf import settings
from django.core.cache import caches
from django.utils.safestring import mark_safe

from masthead.core.pagecache import current_generation

register = template.Library()


class FragmentNode(template.Node):
    def __init__(self, nodelist, parts):
        self.nodelist = nodelist
        self.parts = parts

    def render(self, context):
        request = context.get("request")
        if request is None or getattr(request, "is_preview", False):
            return self.nodelist.render(context)
        parts = ":".join(str(part.resolve(context)) for part in self.parts)
        generation = current_generation()
        if isinstance(generation, tuple):  # (size, inode) of the generation file
            generation = "-".join(map(str, generation))
        key = f"fragment:{generation}:{parts}"
        cache = caches[settings.FRAGMENT_CACHE_ALIAS]
        html = cache.get(key)
        if html is None:
            html = self.nodelist.render(context)
            cache.set(key, str(html), settings.FRAGMENT_CACHE_SECONDS)
        return mark_safe(html)  # noqa: S308 - our own rendered template output


@register.tag("fragment")
def do_fragment(parser, token):
    parts = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    if not parts:
        raise template.TemplateSyntaxError("{% fragment %} needs a name")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(nodelist, parts)


@register.filter
def pks(objects) -> str:
    """The ids of a list of objects, for a fragment key: "12,7,31"."""
    return ",".join(str(obj.pk) for obj in objects)
