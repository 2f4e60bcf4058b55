"""Mail about comments: confirmation of a subscription, and news of a new comment.

Runs in background tasks only (see tasks.py).  Every mail is plain text with
an HTML alternative.  Anything a reader wrote (a name, a comment) or an
editor titled (the article) passes through header_text() before it reaches a
header, so no value can add a line to one; Django's mail classes would refuse a
newline anyway, but refusing would lose the mail, and cleaning keeps it.

Links are absolute, on the article's own site (Wagtail's Site for the page),
falling back to settings.SITE_URL for a page outside any site.
"""

import logging
import smtplib

from django.conf import settings
from django.core import mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from masthead.core.mail import UnfoldedHeadersMail, header_text

from . import subscriptions
from .models import Comment, CommentStatus, Notification, Subscription, SubscriptionKind
from .text import CONTROL_CHARACTERS, render_body

logger = logging.getLogger(__name__)


def _clean_text(value: str) -> str:
    """A reader's text for a mail body: line breaks kept, other controls dropped."""
    return CONTROL_CHARACTERS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


class _Site:
    """Where the article lives: its site's root URL and the publication's name."""

    def __init__(self, article):
        parts = article.get_url_parts()
        root = parts[1] if parts and parts[1] else settings.SITE_URL
        self.root = root.rstrip("/")
        self.article_url = self.root + (parts[2] if parts else article.url_path)
        site = article.get_site()
        self.name = settings.SITE_URL
        if site is not None:
            from masthead.newsroom.models import PublicationSettings

            self.name = PublicationSettings.for_site(site).name
        self.name = header_text(self.name, limit=120)

    def url(self, name: str, token: str) -> str:
        return self.root + reverse(f"discussion:{name}", kwargs={"token": token})


def _message(
    *, subject, to, template, context, headers=None, unfolded_headers=None
) -> mail.EmailMultiAlternatives:
    text = render_to_string(f"discussion/email/{template}.txt", context)
    html = render_to_string(f"discussion/email/{template}.html", context)
    message = UnfoldedHeadersMail(
        subject=header_text(subject),
        body=text,
        to=[to],
        # Auto-Submitted keeps vacation responders from answering a notification.
        headers={"Auto-Submitted": "auto-generated", **(headers or {})},
    )
    message.unfolded_headers = unfolded_headers or {}
    message.attach_alternative(html, "text/html")
    return message


# --- confirmation ----------------------------------------------------------------


def confirmation_message(subscription: Subscription) -> mail.EmailMultiAlternatives:
    article = subscription.article
    site = _Site(article)
    title = header_text(article.title)
    context = {
        "publication": site.name,
        "article_title": title,
        "article_url": site.article_url,
        "kind": subscription.get_kind_display(),
        "confirm_url": site.url("confirm", subscriptions.confirm_token(subscription)),
        "days": subscriptions.CONFIRM_MAX_AGE.days,
    }
    return _message(
        subject=f"Please confirm: comments on “{title}”",
        to=subscription.email,
        template="confirmation",
        context=context,
    )


def send_confirmation(*, subscription_id: int) -> bool:
    """Mail the confirmation link of a subscription still waiting for it; True if sent."""
    subscriptions.expire_unconfirmed()
    subscription = Subscription.objects.select_related("article").filter(pk=subscription_id).first()
    if subscription is None or subscription.is_confirmed:
        return False
    return mail.mailers.default.send_messages([confirmation_message(subscription)]) == 1


# --- notification of a new comment ---------------------------------------------------


def recipients(comment: Comment) -> dict[str, Subscription]:
    """Who hears of `comment`: address -> the subscription that brings them the mail.

    Confirmed "all" subscribers of the article, and confirmed "replies"
    subscribers of the article who wrote the comment's direct parent (a reply
    to a reply notifies the author of the comment replied to, not the whole
    chain above it), minus the comment's own author.  An address with both
    kinds is mailed once, with the "all" subscription as the one its
    unsubscribe link removes (that is the one sending it every comment).
    """
    wanted = Q(kind=SubscriptionKind.ALL)
    parent = comment.parent
    if parent is not None:
        wanted |= Q(kind=SubscriptionKind.REPLIES, email=parent.author_email.lower())
    rows = Subscription.objects.filter(
        wanted, article_id=comment.article_id, confirmed_at__isnull=False
    ).exclude(email=comment.author_email.lower())
    chosen: dict[str, Subscription] = {}
    for row in rows.order_by("email", "kind"):  # "all" sorts before "replies"
        chosen.setdefault(row.email, row)
    return chosen


def notification_message(
    *, comment: Comment, subscription: Subscription, site: _Site
) -> mail.EmailMultiAlternatives:
    article = comment.article
    title = header_text(article.title)
    name = header_text(comment.author_name, limit=80) or "Someone"
    parent = comment.parent
    reply_to_them = parent is not None and parent.author_email.lower() == subscription.email
    body = _clean_text(comment.body)
    unsubscribe_url = site.url("unsubscribe", subscriptions.unsubscribe_token(subscription))
    context = {
        "publication": site.name,
        "article_title": title,
        "article_url": site.article_url,
        "comment_url": f"{site.article_url}#{comment.anchor}",
        "commenter": name,
        "is_staff": comment.is_staff_reply,
        "reply_to_them": reply_to_them,
        "parent_excerpt": header_text(_clean_text(parent.body), limit=140) if parent else "",
        "quoted": "\n".join(f"> {line}".rstrip() for line in body.split("\n")),
        "body_html": render_body(body),
        "kind": subscription.get_kind_display(),
        "unsubscribe_url": unsubscribe_url,
        "manage_url": site.url("manage", subscriptions.manage_token(subscription.email)),
    }
    if reply_to_them:
        subject = f"{name} replied to your comment on “{title}”"
    else:
        subject = f"{name} commented on “{title}”"
    return _message(
        subject=subject,
        to=subscription.email,
        template="notification",
        context=context,
        headers={"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        unfolded_headers={"List-Unsubscribe": f"<{unsubscribe_url}>"},
    )


def _claim(comment: Comment, email: str) -> bool:
    """Take the ledger row for (comment, email); False if already sent or being sent.

    The row is marked before the mail goes out, so two workers running the same
    task cannot both send it; a failed send releases it for the next attempt.
    """
    return bool(
        Notification.objects.filter(comment=comment, email=email, sent_at__isnull=True).update(
            sent_at=timezone.now()
        )
    )


def _release(comment: Comment, email: str) -> None:
    Notification.objects.filter(comment=comment, email=email).update(sent_at=None)


def send_comment_notifications(*, comment_id: int) -> int:
    """Mail the subscribers of a public comment, once each; returns how many mails went out.

    A comment that is not approved (held, spam, trash, deleted) notifies nobody;
    moderation enqueues this again when it approves one.  The Notification
    ledger makes a repeated or retried run send only what is still unsent, and
    one SMTP connection carries the whole batch.
    """
    subscriptions.expire_unconfirmed()
    comment = Comment.objects.select_related("article", "parent").filter(pk=comment_id).first()
    if comment is None or comment.status != CommentStatus.APPROVED:
        return 0
    chosen = recipients(comment)
    if not chosen:
        return 0
    Notification.objects.bulk_create(
        [Notification(comment=comment, email=email) for email in chosen], ignore_conflicts=True
    )
    due = sorted(
        Notification.objects.filter(
            comment=comment, email__in=list(chosen), sent_at__isnull=True
        ).values_list("email", flat=True)
    )
    if not due:
        return 0
    site = _Site(comment.article)
    sent = 0
    with mail.mailers.default as connection:
        for email in due:
            if not _claim(comment, email):
                continue
            message = notification_message(comment=comment, subscription=chosen[email], site=site)
            try:
                delivered = connection.send_messages([message])
            except smtplib.SMTPRecipientsRefused:
                # This address is refused; the others may still be delivered.
                _release(comment, email)
                logger.warning("Notification of comment %s refused for one address", comment.pk)
                continue
            except Exception:
                _release(comment, email)
                raise
            if not delivered:
                _release(comment, email)
                continue
            Notification.objects.filter(comment=comment, email=email).update(sent_at=timezone.now())
            sent += 1
    return sent
