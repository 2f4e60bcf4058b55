"""{% comments_section article %} for the story, and the pieces a comment is drawn with.

The section is part of the story fragment, which is shared by every reader until
the next content generation (a published comment bumps it): nothing in it may
depend on who is reading, so the form carries no token and no reader's name.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from .. import selectors, services
from ..avatars import gravatar_url, initials_avatar, uploaded_avatar_url
from ..forms import NOTIFY_CHOICES, CommentForm
from ..models import DiscussionSettings, SubscriptionKind
from ..text import render_body

register = template.Library()

AVATAR_PX = 40
SORT_LINKS = (("oldest", "Oldest"), ("newest", "Newest"), ("votes", "Most voted"))


def section_context(*, request, article, rules, thread) -> dict:
    """What discussion/section.html and its includes need, for any one article."""
    return {
        "request": request,
        "article": article,
        "rules": rules,
        "thread": thread,
        "comments_open": services.comments_open(article=article, rules=rules),
        "form": CommentForm(),
        "notify_choices": NOTIFY_CHOICES,
        "subscribe_kinds": SubscriptionKind.choices,
        # Replies to the deepest level would be filed one level up, so those offer none.
        "reply_depth": rules.max_depth - 1,
        "gravatar": rules.gravatar_enabled,
        "sort_links": SORT_LINKS,
    }


@register.inclusion_tag("discussion/section.html", takes_context=True)
def comments_section(context, article):
    request = context.get("request")
    if request is None or not getattr(article, "pk", None):
        return {"article": None}  # a preview of a page never saved has nothing to show
    rules = DiscussionSettings.for_request(request)
    thread = selectors.thread_page(article_id=article.pk, per_page=rules.page_size)
    return section_context(request=request, article=article, rules=rules, thread=thread)


@register.filter
def comment_body(body: str) -> SafeString:
    return render_body(body)


@register.filter
def comments_label(count: int) -> str:
    if not count:
        return "Click to comment"
    return "1 comment" if count == 1 else f"{count:,} comments"


@register.filter
def error_text(errors) -> str:
    """A field's errors as one sentence run, each said once (two validators may agree)."""
    return " ".join(dict.fromkeys(str(error) for error in errors))


@register.filter
def is_web_address(value: str) -> bool:
    """Only http(s) addresses become links, whatever path a website value was stored by."""
    return str(value).lower().startswith(("https://", "http://"))


@register.simple_tag
def comment_avatar(comment, gravatar: bool = False) -> SafeString:
    """The reader's uploaded avatar, else (when the site allows) Gravatar, else initials."""
    uploaded = uploaded_avatar_url(comment.user)
    if uploaded or gravatar:
        return format_html(
            '<img class="comment__avatar" src="{}" alt="" width="{}" height="{}" '
            'loading="lazy" decoding="async" referrerpolicy="no-referrer">',
            uploaded or gravatar_url(comment.author_email, size=AVATAR_PX * 2),
            AVATAR_PX,
            AVATAR_PX,
        )
    avatar = initials_avatar(comment.author_name)
    # Presentation attributes, not style="": the public CSP allows no inline styles.
    return format_html(
        '<svg class="comment__avatar" viewBox="0 0 40 40" width="{}" height="{}" '
        'aria-hidden="true" focusable="false"><circle cx="20" cy="20" r="20" fill="{}"/>'
        '<text x="20" y="20" dy="0.35em" text-anchor="middle" fill="#ffffff" '
        'font-family="system-ui, sans-serif" font-size="15" font-weight="600">{}</text></svg>',
        AVATAR_PX,
        AVATAR_PX,
        avatar.colour,
        avatar.initials,
    )
