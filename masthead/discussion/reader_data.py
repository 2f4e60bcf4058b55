"""The discussion's part of a reader's account: their comment subscriptions on their
page, their comments, votes and subscriptions in "export my data", and what
"delete my account" does to them.

A reader's comments are those their account wrote and those filed under their
address (written before they had an account, or while signed out): the
address is proven by the sign-in link, so it is theirs.

On deletion, a comment nobody has replied to is deleted.  One with replies
stays, because deleting it would take the replies (other people's words) with
it and leave the thread answering nothing: it keeps its place as "Former
reader" with its text replaced by a marker, and every trace of the person
(address, website, IP, browser, account) is removed.  Deleting a reply can
leave its parent without replies, so leaves are removed until none are left.
Votes keep counting, under a random voter id that links them to no one.
"""

import secrets

from django.db import transaction
from django.db.models import Q

from masthead.core.pagecache import bump_generation
from masthead.readers.registry import ReaderDataProvider, register

from . import subscriptions
from .models import Comment, CommentStatus, CommentVote, Notification, Subscription

FORMER_READER = "Former reader"
DELETED_BODY = "[This comment was deleted by its author.]"


def _email(user) -> str:
    return (user.email or "").strip().lower()


def _comments(user):
    email = _email(user)
    mine = Q(user=user)
    if email:
        mine |= Q(author_email__iexact=email)
    return Comment.objects.filter(mine)


def _subscriptions(user):
    email = _email(user)
    mine = Q(user=user)
    if email:
        mine |= Q(email=email)
    return Subscription.objects.filter(mine)


def _voter(user) -> str:
    return f"user:{user.pk}"


def _article(article) -> dict:
    return {"id": article.pk, "title": article.title, "url": article.get_full_url()}


def _iso(value):
    return value.isoformat() if value else None


def export(user) -> dict:
    comments = _comments(user).select_related("article").order_by("created_at", "pk")
    votes = (
        CommentVote.objects.filter(voter=_voter(user))
        .select_related("comment__article")
        .order_by("created_at", "pk")
    )
    return {
        "comments": [
            {
                "id": c.pk,
                "article": _article(c.article),
                "in_reply_to": c.parent_id,
                "name": c.author_name,
                "email": c.author_email,
                "website": c.author_website,
                "body": c.body,
                "status": c.status,
                "created_at": _iso(c.created_at),
                "edited_at": _iso(c.edited_at),
                "ip_address": c.ip_address,
                "user_agent": c.user_agent,
            }
            for c in comments
        ],
        "votes": [
            {
                "comment": v.comment_id,
                "article": _article(v.comment.article),
                "value": v.value,
                "created_at": _iso(v.created_at),
            }
            for v in votes
        ],
        "subscriptions": [
            {
                "article": _article(s.article),
                "email": s.email,
                "kind": s.kind,
                "created_at": _iso(s.created_at),
                "confirmed_at": _iso(s.confirmed_at),
            }
            for s in _subscriptions(user).select_related("article").order_by("created_at", "pk")
        ],
    }


def erase(user) -> None:
    email = _email(user)
    _subscriptions(user).delete()
    if email:
        Notification.objects.filter(email__iexact=email).delete()
    for vote in CommentVote.objects.filter(voter=_voter(user)):
        CommentVote.objects.filter(pk=vote.pk).update(voter=f"anon:{secrets.token_hex(20)}")

    comments = _comments(user)
    public = comments.filter(status=CommentStatus.APPROVED).exists()
    ids = set(comments.values_list("pk", flat=True))
    while ids:
        leaves = set(
            Comment.objects.filter(pk__in=ids, replies__isnull=True).values_list("pk", flat=True)
        )
        if not leaves:
            break
        Comment.objects.filter(pk__in=leaves).delete()
        ids -= leaves
    if ids:
        Comment.objects.filter(pk__in=ids).update(
            author_name=FORMER_READER,
            author_email="",
            author_website="",
            ip_address=None,
            user_agent="",
            user=None,
            body=DELETED_BODY,
            held_because="",
        )
    if public:
        # Cached pages show these comments: they must be drawn again.
        transaction.on_commit(bump_generation)


def email_changed(user, old: str, new: str) -> None:
    """Subscriptions and comments follow the reader to the new address (so replies to
    their comments still reach them); where the new address already had the same
    subscription, the old one is dropped."""
    old, new = old.lower(), new.lower()
    taken = set(Subscription.objects.filter(email=new).values_list("article_id", "kind"))
    for row in Subscription.objects.filter(email=old):
        if (row.article_id, row.kind) in taken:
            row.delete()
    Subscription.objects.filter(email=old).update(email=new, user=user)
    Comment.objects.filter(Q(user=user) | Q(author_email__iexact=old)).update(author_email=new)


def section_context(request, user) -> dict:
    rows = (
        _subscriptions(user)
        .select_related("article")
        .order_by("article__title", "article_id", "kind")
    )
    return {"comment_subscriptions": list(rows)}


def handle_post(request, user) -> str | None:
    raw = request.POST.get("remove", "")
    email = _email(user)
    if not email:
        return None
    if raw == "all":
        removed = subscriptions.remove_for_address(email=email)
    elif raw.isdigit() and len(raw) < 19:
        removed = subscriptions.remove_for_address(email=email, subscription_id=int(raw))
    else:
        return None
    if not removed:
        return "That subscription was already gone."
    return "Unsubscribed." if removed == 1 else f"Unsubscribed from {removed} articles' comments."


def register_provider() -> None:
    register(
        ReaderDataProvider(
            key="discussion",
            label="Comment notifications",
            export=export,
            erase=erase,
            section_template="discussion/reader/section.html",
            section_context=section_context,
            email_changed=email_changed,
            handle_post=handle_post,
            order=50,
        )
    )
