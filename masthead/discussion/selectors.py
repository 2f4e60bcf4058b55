"""Reading discussions: threads a page at a time, counts, a comment's context."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from .avatars import AVATAR_RELATIONS
from .models import Comment, CommentStatus

SORTS = {
    "oldest": ("created_at", "pk"),
    "newest": ("-created_at", "-pk"),
    "votes": ("-score", "created_at", "pk"),
}
DEFAULT_SORT = "oldest"


@dataclass
class ThreadNode:
    comment: Comment
    replies: list["ThreadNode"] = field(default_factory=list)


@dataclass
class ThreadPage:
    nodes: list[ThreadNode]
    sort: str
    page: int
    has_next: bool
    total: int  # approved comments on the article, replies included
    top_level_total: int


def clean_sort(value: str | None) -> str:
    return value if value in SORTS else DEFAULT_SORT


def clean_page(value) -> int:
    try:
        page = int(value)
    except (TypeError, ValueError):
        return 1
    return page if 1 <= page <= 10_000 else 1


def comment_count(article_id: int) -> int:
    return Comment.objects.approved().on_article(article_id).count()


def comment_counts(article_ids) -> dict[int, int]:
    """Approved comments per article, for lists of teasers; articles without any are absent."""
    rows = (
        Comment.objects.approved()
        .filter(article_id__in=list(article_ids))
        .values("article_id")
        .annotate(n=Count("pk"))
    )
    return {row["article_id"]: row["n"] for row in rows}


def thread_page(*, article_id: int, sort: str = DEFAULT_SORT, page: int = 1, per_page: int = 20):
    """One page of top-level comments (pinned first, then by `sort`) with all their
    approved replies nested under them, oldest reply first: two queries."""
    sort = clean_sort(sort)
    page = clean_page(page)
    approved = Comment.objects.approved().on_article(article_id)
    totals = approved.aggregate(total=Count("pk"), top=Count("pk", filter=Q(parent=None)))
    start = (page - 1) * per_page
    top = list(
        approved.top_level()
        .select_related(*AVATAR_RELATIONS)
        .order_by("-is_pinned", *SORTS[sort])[start : start + per_page + 1]
    )
    has_next = len(top) > per_page
    top = top[:per_page]
    nodes = {c.pk: ThreadNode(c) for c in top}
    if nodes:
        replies = (
            approved.filter(root_id__in=list(nodes))
            .select_related(*AVATAR_RELATIONS)
            .order_by("depth", "created_at", "pk")
        )
        for reply in replies:
            node = ThreadNode(reply)
            parent = nodes.get(reply.parent_id)
            if parent is not None:  # a reply under a held or removed comment stays hidden
                parent.replies.append(node)
                nodes[reply.pk] = node
    return ThreadPage(
        nodes=[nodes[c.pk] for c in top],
        sort=sort,
        page=page,
        has_next=has_next,
        total=totals["total"],
        top_level_total=totals["top"],
    )


def comment_context(comment: Comment) -> dict:
    """A comment as a moderator sees it: its ancestors, and its direct replies of any status."""
    ancestors = []
    node = comment.parent
    while node is not None:
        ancestors.append(node)
        node = node.parent
    ancestors.reverse()
    return {
        "ancestors": ancestors,
        "replies": list(comment.replies.order_by("created_at", "pk")),
        "earlier_by_author": Comment.objects.by_email(comment.author_email)
        .exclude(pk=comment.pk)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by("status"),
    }


def pending_count() -> int:
    return Comment.objects.filter(status=CommentStatus.PENDING).count()


def daily_comments(*, days: int = 14, today: dt.date | None = None) -> list[tuple]:
    """[(date, comments)] for each of the last `days` UTC days, oldest first, zeros
    included; spam is not counted (a bot's burst says nothing about the readers)."""
    today = today or timezone.now().astimezone(dt.UTC).date()
    first = today - dt.timedelta(days=days - 1)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=dt.UTC)
    per_day = dict(
        Comment.objects.filter(created_at__gte=start)
        .exclude(status=CommentStatus.SPAM)
        .annotate(day=TruncDate("created_at", tzinfo=dt.UTC))
        .order_by()
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    return [
        (first + dt.timedelta(days=i), per_day.get(first + dt.timedelta(days=i), 0))
        for i in range(days)
    ]
