"""Comments made the way readers make them: through services.post_comment."""

import itertools

from masthead.discussion import services, tokens
from masthead.discussion.models import Comment, CommentStatus, DiscussionSettings
from masthead.newsroom.models import ArticlePage

_counter = itertools.count(1)


def open_rules(**fields) -> DiscussionSettings:
    """Site rules that let any reasonable comment straight through, changed by `fields`."""
    base = {
        "moderation_mode": "approve_all",
        "min_submit_seconds": 0,
        "rate_limit_per_ip": "",
        "rate_limit_per_email": "",
        "max_links": 2,
    }
    base.update(fields)
    return DiscussionSettings(**base)


def guest(name: str = "Ann Reader", email: str | None = None, ip: str = "203.0.113.9", **kw):
    email = email or f"reader{next(_counter)}@example.com"
    return services.Commenter(name=name, email=email, ip=ip, user_agent="pytest", **kw)


def post(
    article: ArticlePage,
    body: str = "A thoughtful comment.",
    *,
    rules=None,
    who=None,
    parent=None,
    notify: str = "",
    honeypot: str = "",
) -> services.PostedComment:
    return services.post_comment(
        article=article,
        body=body,
        commenter=who or guest(),
        form_token=tokens.issue_form_token(article_id=article.pk),
        rules=rules or open_rules(),
        parent_id=parent.pk if parent is not None else None,
        notify=notify,
        honeypot=honeypot,
    )


def make_comment(article: ArticlePage, **fields) -> Comment:
    """A stored comment without the posting checks (for fixtures of any status)."""
    parent = fields.pop("parent", None)
    defaults = {
        "author_name": "Ann Reader",
        "author_email": f"reader{next(_counter)}@example.com",
        "body": "Stored comment.",
        "status": CommentStatus.APPROVED,
    }
    defaults.update(fields)
    if parent is not None:
        defaults.update(parent=parent, root=parent.root or parent, depth=parent.depth + 1)
    return Comment.objects.create(article=article, **defaults)
