"""The verbs of discussion: post, edit, vote, moderate, pin, reply as staff."""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from masthead.core.pagecache import bump_generation

from . import ratelimits, spam, tokens
from .models import Comment, CommentStatus, CommentVote, DiscussionSettings, ModerationMode
from .text import count_links

# One message for every refusal that concerns who the sender is: saying which
# rule matched would teach a spammer what to change.
GENERIC_REFUSAL = "Sorry, your comment could not be posted."
HELD_MESSAGE = "Thank you. Your comment is awaiting moderation and will appear once approved."
PUBLISHED_MESSAGE = "Thank you. Your comment is published."


class CommentRefused(Exception):
    """A comment not accepted; `message` is safe to show the sender as it is."""

    def __init__(self, message: str, *, status: int = 400, code: str = "refused"):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


@dataclass(frozen=True)
class Commenter:
    name: str
    email: str
    ip: str
    user_agent: str
    website: str = ""
    user: object | None = None  # a signed-in user, or None for a guest
    session_binding: str = ""  # tokens.session_binding() of a signed-in reader's session

    def __post_init__(self):
        # Addresses compare case-insensitively everywhere (known commenters, blocks,
        # rate limits, subscriptions), so they are stored one way.
        object.__setattr__(self, "email", self.email.strip().lower())
        object.__setattr__(self, "name", self.name.strip())

    @property
    def is_staff(self) -> bool:
        user = self.user
        if user is None or not user.has_perm("wagtailadmin.access_admin"):
            return False
        # A session that has not passed its second factor is not staff yet: the
        # password alone must not earn the "Staff" mark (django-otp's middleware
        # sets is_verified on the request's user; users loaded otherwise have none).
        is_verified = getattr(user, "is_verified", None)
        if is_verified is None or is_verified():
            return True
        from masthead.staffauth.policy import has_authenticator, is_required

        return not (has_authenticator(user) or is_required(user))


@dataclass(frozen=True)
class PostedComment:
    comment: Comment
    edit_token: str
    message: str


def commenter_for_user(*, user, ip: str, user_agent: str, name: str = "", website: str = ""):
    """A signed-in user as a commenter: the name and email come from their account."""
    from masthead.readers.services import public_name

    full_name = public_name(user)
    return Commenter(
        name=(full_name or name)[:80],
        email=(user.email or "").lower(),
        website=website,
        ip=ip,
        user_agent=user_agent[:300],
        user=user,
    )


def closes_at(*, article, rules: DiscussionSettings) -> dt.datetime | None:
    if not rules.close_after_days:
        return None
    published = article.first_published_at or article.go_live_at
    if published is None:
        return None
    return published + dt.timedelta(days=rules.close_after_days)


def comments_open(*, article, rules: DiscussionSettings, now: dt.datetime | None = None) -> bool:
    """Whether new comments are accepted: on for the site and the article, not closed by age."""
    if not (rules.comments_enabled and article.comments_open and article.live):
        return False
    closing = closes_at(article=article, rules=rules)
    return closing is None or (now or timezone.now()) < closing


def _check_form_token(*, token: str, article_id: int, commenter: Commenter, rules) -> None:
    parsed = tokens.read_form_token(token)
    binding = commenter.session_binding
    if parsed is None or parsed.article_id != article_id or parsed.binding != binding:
        raise CommentRefused(
            "This form has expired. Please check your comment and send it again.",
            code="stale_form",
        )
    age = timezone.now().timestamp() - parsed.issued_at
    if age < rules.min_submit_seconds:
        raise CommentRefused(
            "That was quick. Please take a moment to read your comment over, then send it again.",
            code="too_fast",
        )


def _check_sender(*, commenter: Commenter, rules: DiscussionSettings, honeypot: str) -> None:
    if rules.honeypot_enabled and honeypot:
        raise CommentRefused(GENERIC_REFUSAL, code="refused")
    if spam.ip_blocked(commenter.ip, rules.blocked_ips) or spam.email_blocked(
        commenter.email, rules.blocked_emails
    ):
        raise CommentRefused(GENERIC_REFUSAL, status=403, code="refused")
    over_ip = ratelimits.hit(scope="ip", value=commenter.ip, rate=rules.rate_limit_per_ip)
    over_email = ratelimits.hit(
        scope="email", value=commenter.email, rate=rules.rate_limit_per_email
    )
    if over_ip or over_email:
        raise CommentRefused(
            "You have posted several comments in a short time. "
            "Please wait a while before posting again.",
            status=429,
            code="rate_limited",
        )


DUPLICATE_WINDOW = dt.timedelta(hours=1)


def _check_duplicate(*, article, body: str, commenter: Commenter) -> None:
    """The same words from the same address on the same article within the hour: a
    double click, a refreshed result page or a replay, never a second comment."""
    recent = Comment.objects.filter(
        article_id=article.pk,
        author_email=commenter.email,
        body=body,
        created_at__gte=timezone.now() - DUPLICATE_WINDOW,
    )
    if recent.exists():
        raise CommentRefused("You have already posted this comment.", status=409, code="duplicate")


def _reply_target(*, article, parent_id: int | None, rules: DiscussionSettings):
    """The comment a reply attaches to: the one named, or its ancestor at the deepest
    level the site allows, so a long exchange continues at the last indent."""
    if parent_id is None:
        return None
    parent = (
        Comment.objects.filter(pk=parent_id, article_id=article.pk)
        .approved()
        .select_related("parent__parent__parent__parent__parent__parent__parent")
        .first()
    )
    if parent is None:
        raise CommentRefused("The comment you replied to is not available.", code="bad_parent")
    while parent.depth >= rules.max_depth - 1 and parent.parent_id is not None:
        parent = parent.parent
    if parent.depth >= rules.max_depth - 1:
        return None  # depth 1: every comment is top-level
    return parent


def _status_for(*, body: str, commenter: Commenter, rules: DiscussionSettings):
    """(status, reason) for a comment that passed every refusal."""
    if commenter.is_staff:
        return CommentStatus.APPROVED, ""
    word = spam.listed_word(" ".join((commenter.name, commenter.website, body)), rules.spam_words)
    if word:
        return CommentStatus.SPAM, f"Contains the spam word “{word}”"
    word = spam.listed_word(" ".join((commenter.name, body)), rules.moderation_words)
    if word:
        return CommentStatus.PENDING, f"Contains the moderation word “{word}”"
    mode = rules.moderation_mode
    if mode == ModerationMode.APPROVE_ALL:
        return CommentStatus.APPROVED, ""
    if mode == ModerationMode.HOLD_FIRST:
        known = Comment.objects.approved().by_email(commenter.email).exists()
        if known:
            return CommentStatus.APPROVED, ""
        return CommentStatus.PENDING, "First comment from this address"
    return CommentStatus.PENDING, "Every comment is held"


def post_comment(
    *,
    article,
    body: str,
    commenter: Commenter,
    form_token: str,
    rules: DiscussionSettings,
    honeypot: str = "",
    parent_id: int | None = None,
    notify: str = "",
) -> PostedComment:
    """Check a reader's comment against the site's rules and store it.

    Refusals raise CommentRefused before anything is written.  An accepted
    comment is published, held for moderation or filed as spam; a published
    one empties the page cache and notifies subscribers once the transaction
    commits.  `notify` ("all" or "replies") subscribes the commenter too.
    """
    staff = commenter.is_staff
    if not staff and not comments_open(article=article, rules=rules):
        raise CommentRefused("Comments are closed on this article.", status=403, code="closed")
    if not staff:
        # Staff post from the admin (no form token) and are not screened as strangers.
        _check_form_token(token=form_token, article_id=article.pk, commenter=commenter, rules=rules)
        _check_sender(commenter=commenter, rules=rules, honeypot=honeypot)
    if not commenter.email:
        raise CommentRefused("Your account has no email address.", code="no_email")
    if not staff and count_links(body) > rules.max_links:
        raise CommentRefused(
            f"Comments may contain at most {rules.max_links} link"
            f"{'' if rules.max_links == 1 else 's'}; please remove some.",
            code="too_many_links",
        )
    _check_duplicate(article=article, body=body, commenter=commenter)
    status, reason = _status_for(body=body, commenter=commenter, rules=rules)
    with transaction.atomic():
        parent = _reply_target(article=article, parent_id=parent_id, rules=rules)
        now = timezone.now()
        comment = Comment.objects.create(
            article=article,
            parent=parent,
            root=(parent.root or parent) if parent else None,
            depth=parent.depth + 1 if parent else 0,
            user=commenter.user,
            author_name=commenter.name,
            author_email=commenter.email,
            author_website=commenter.website,
            body=body,
            status=status,
            held_because=reason,
            is_staff_reply=commenter.is_staff,
            created_at=now,
            approved_at=now if status == CommentStatus.APPROVED else None,
            ip_address=commenter.ip or None,
            user_agent=commenter.user_agent[:300],
        )
        if notify and status != CommentStatus.SPAM:
            from .subscriptions import subscribe

            subscribe(article=article, email=commenter.email, kind=notify, user=commenter.user)
        if status == CommentStatus.APPROVED:
            _on_published(comment)
    message = PUBLISHED_MESSAGE if status == CommentStatus.APPROVED else HELD_MESSAGE
    return PostedComment(comment, tokens.edit_token(comment.pk), message)


def _on_published(comment: Comment) -> None:
    """A comment became public: pages must show it, and subscribers hear of it once."""
    from .tasks import notify_subscribers

    comment_id = comment.pk
    transaction.on_commit(bump_generation)
    transaction.on_commit(lambda: notify_subscribers.enqueue(comment_id=comment_id), robust=True)


def edit_comment(*, comment: Comment, token: str, body: str, rules: DiscussionSettings) -> Comment:
    """The author's own correction, within ten minutes of posting, marked as edited."""
    if not tokens.edit_token_matches(token, comment.pk):
        raise CommentRefused("You can only edit your own comment.", status=403, code="not_yours")
    age = (timezone.now() - comment.created_at).total_seconds()
    if age > tokens.EDIT_WINDOW_SECONDS or comment.status in (
        CommentStatus.SPAM,
        CommentStatus.TRASH,
    ):
        raise CommentRefused(
            "Comments can be edited for ten minutes after posting; this one can no longer be.",
            status=403,
            code="edit_closed",
        )
    if count_links(body) > rules.max_links:
        raise CommentRefused(
            f"Comments may contain at most {rules.max_links} links; please remove some.",
            code="too_many_links",
        )
    commenter = Commenter(
        name=comment.author_name,
        email=comment.author_email,
        website=comment.author_website,
        ip="",
        user_agent="",
        user=comment.user,
    )
    status, reason = _status_for(body=body, commenter=commenter, rules=rules)
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        was_public = locked.status == CommentStatus.APPROVED
        locked.body = body
        locked.edited_at = timezone.now()
        if status != CommentStatus.APPROVED and (was_public or status == CommentStatus.SPAM):
            # A listed word added by an edit sends the comment back to the moderators.
            locked.status, locked.held_because = status, reason
        locked.save(update_fields=["body", "edited_at", "status", "held_because"])
        if was_public:
            transaction.on_commit(bump_generation)
    return locked


def cast_vote(*, comment: Comment, voter: str, value: int) -> Comment:
    """Record `voter`'s vote (+1, -1, or 0 to withdraw it) and recount the comment.

    Counts are recomputed from the vote rows inside the transaction, so two
    votes arriving together cannot leave them off by one.
    """
    if value not in (1, -1, 0):
        raise CommentRefused("A vote is 1 (up), -1 (down) or 0 (withdraw).", code="bad_vote")
    if comment.status != CommentStatus.APPROVED:
        raise CommentRefused("That comment is not available.", status=404, code="not_found")
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        if value == 0:
            CommentVote.objects.filter(comment=locked, voter=voter).delete()
        else:
            try:
                with transaction.atomic():
                    CommentVote.objects.update_or_create(
                        comment=locked, voter=voter, defaults={"value": value}
                    )
            except IntegrityError:
                CommentVote.objects.filter(comment=locked, voter=voter).update(value=value)
        tally = CommentVote.objects.filter(comment=locked).aggregate(
            up=Count("pk", filter=Q(value=1)), down=Count("pk", filter=Q(value=-1))
        )
        locked.upvotes, locked.downvotes = tally["up"], tally["down"]
        locked.score = locked.upvotes - locked.downvotes
        locked.save(update_fields=["upvotes", "downvotes", "score"])
    return locked


MODERATION_ACTIONS = ("approve", "spam", "trash", "pending", "delete")


def moderate(*, comment_ids, action: str) -> int:
    """Apply a moderator's decision to comments; returns how many changed.

    Approving publishes (and notifies, the first time only); moving a public
    comment elsewhere or deleting it takes it off the pages.
    """
    if action not in MODERATION_ACTIONS:
        raise ValueError(f"Unknown moderation action {action!r}")
    with transaction.atomic():
        comments = list(Comment.objects.select_for_update().filter(pk__in=list(comment_ids)))
        touched_public = False
        changed = 0
        for comment in comments:
            was_public = comment.status == CommentStatus.APPROVED
            if action == "delete":
                comment.delete()
                touched_public |= was_public
                changed += 1
                continue
            new_status = {
                "approve": CommentStatus.APPROVED,
                "spam": CommentStatus.SPAM,
                "trash": CommentStatus.TRASH,
                "pending": CommentStatus.PENDING,
            }[action]
            if comment.status == new_status:
                continue
            first_approval = new_status == CommentStatus.APPROVED and comment.approved_at is None
            comment.status = new_status
            if first_approval:
                comment.approved_at = timezone.now()
            comment.save(update_fields=["status", "approved_at"])
            changed += 1
            if first_approval:
                _on_published(comment)
            elif was_public or new_status == CommentStatus.APPROVED:
                touched_public = True
        if touched_public:
            transaction.on_commit(bump_generation)
    return changed


def reply_as_staff(*, parent: Comment, user, body: str, rules: DiscussionSettings) -> Comment:
    """An editor's reply from the moderation queue: published at once, marked as staff."""
    commenter = commenter_for_user(user=user, ip="", user_agent="")
    if not commenter.is_staff:
        raise CommentRefused("Only staff can reply from the admin.", status=403, code="forbidden")
    return post_comment(
        article=parent.article,
        body=body,
        commenter=commenter,
        form_token="",
        rules=rules,
        parent_id=parent.pk,
    ).comment


def set_pinned(*, comment: Comment, pinned: bool) -> Comment:
    """Pin a top-level comment above the others (or unpin it)."""
    if comment.parent_id is not None and pinned:
        raise CommentRefused("Only a top-level comment can be pinned.", code="not_top_level")
    Comment.objects.filter(pk=comment.pk).update(is_pinned=pinned)
    comment.is_pinned = pinned
    if comment.status == CommentStatus.APPROVED:
        transaction.on_commit(bump_generation)
    return comment
