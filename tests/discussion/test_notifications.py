"""Notification mail about new comments, delivered to a real SMTP server on loopback."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from masthead.core import mail as core_mail
from masthead.discussion import notifications, services
from masthead.discussion.models import CommentStatus, Notification, Subscription
from tests.newsroom.factories import make_article

from .factories import guest, make_comment, open_rules, post

pytestmark = pytest.mark.django_db


def confirmed(article, email, kind="all") -> Subscription:
    return Subscription.objects.create(
        article=article, email=email, kind=kind, confirmed_at=timezone.now()
    )


def publish(article, body="A new comment.", *, who=None, parent=None, rules=None, capture):
    """Post through the service, running what it leaves for after the commit (the mail task)."""
    with capture(execute=True):
        return post(article, body, who=who, parent=parent, rules=rules).comment


def test_a_follow_up_subscriber_is_mailed_about_a_new_comment(
    smtp_server, django_capture_on_commit_callbacks
):
    article = make_article(title="Bridge reopens")
    confirmed(article, "fan@example.com")
    comment = publish(
        article,
        "Good news at last.\nSee you there.",
        who=guest(name="Bea", email="bea@example.com"),
        capture=django_capture_on_commit_callbacks,
    )

    [message] = smtp_server.wait_for(1)
    assert message.envelope_to == ["fan@example.com"]
    assert message["To"] == "fan@example.com"
    assert message["Subject"] == "Bea commented on “Bridge reopens”"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    text, html = message.text(), message.html()
    comment_url = f"{article.get_full_url()}#comment-{comment.pk}"
    for part in (text, html):
        assert "Bridge reopens" in part
        assert "Bea" in part
        assert comment_url in part
        assert "/discussion/subscriptions/unsubscribe/" in part
        assert "/discussion/subscriptions/manage/" in part
    assert "> Good news at last.\n> See you there." in text
    assert "<p>Good news at last.<br>See you there.</p>" in html
    assert Notification.objects.get(comment=comment, email="fan@example.com").sent_at is not None


def test_list_unsubscribe_headers_follow_rfc_8058(smtp_server, django_capture_on_commit_callbacks):
    article = make_article()
    confirmed(article, "fan@example.com")
    publish(article, capture=django_capture_on_commit_callbacks)

    [message] = smtp_server.wait_for(1)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = message["List-Unsubscribe"]
    match = re.fullmatch(r"<(https?://[^>]+)>", header)
    assert match, header
    url = match.group(1)
    # On the wire: one line, the URL in plain sight (not RFC 2047-encoded, which mail
    # clients do not decode here and would then show no unsubscribe button).
    assert message.raw_header("List-Unsubscribe") == header
    assert message.raw_header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert urlsplit(url).path.startswith("/discussion/subscriptions/unsubscribe/")
    # The same link is visible in the mail for people whose client offers no button.
    assert url in message.text() and url in message.html()


def test_recipients_are_the_right_subscribers_only(smtp_server, django_capture_on_commit_callbacks):
    article, elsewhere = make_article(), make_article()
    mine = make_comment(article, author_email="replies@example.com", body="My view.")
    theirs = make_comment(article, author_email="other@example.com", body="Another view.")
    make_comment(elsewhere, author_email="elsewhere@example.com")
    confirmed(article, "all@example.com", "all")
    confirmed(article, "replies@example.com", "replies")
    confirmed(article, "other@example.com", "replies")
    confirmed(article, "author@example.com", "all")
    Subscription.objects.create(article=article, email="unconfirmed@example.com", kind="all")
    confirmed(elsewhere, "elsewhere@example.com", "all")
    confirmed(elsewhere, "elsewhere@example.com", "replies")
    author = guest(name="Author", email="author@example.com")

    publish(
        article,
        "A reply to you.",
        who=author,
        parent=mine,
        capture=django_capture_on_commit_callbacks,
    )
    received = {address for m in smtp_server.wait_for(2) for address in m.envelope_to}
    assert received == {"all@example.com", "replies@example.com"}
    [reply_mail] = smtp_server.to("replies@example.com")
    assert reply_mail["Subject"].startswith("Author replied to your comment on")
    assert "My view." in reply_mail.text()

    smtp_server.clear()
    publish(article, "On top.", who=author, capture=django_capture_on_commit_callbacks)
    # Not the replies-subscribers (nobody replied to them), not the author, not the
    # unconfirmed, and nobody who only commented on another article.
    assert [m.envelope_to for m in smtp_server.wait_for(1)] == [["all@example.com"]]
    assert theirs.pk  # (a comment by other@ exists on this article, and still no mail)


def test_a_reply_to_a_reply_notifies_the_direct_parent_only(
    smtp_server, django_capture_on_commit_callbacks
):
    article = make_article()
    top = make_comment(article, author_email="first@example.com")
    middle = make_comment(article, parent=top, author_email="second@example.com")
    confirmed(article, "first@example.com", "replies")
    confirmed(article, "second@example.com", "replies")

    publish(
        article,
        parent=middle,
        rules=open_rules(max_depth=5),
        capture=django_capture_on_commit_callbacks,
    )
    assert [m.envelope_to for m in smtp_server.wait_for(1)] == [["second@example.com"]]


def test_an_address_with_both_kinds_gets_one_mail(smtp_server, django_capture_on_commit_callbacks):
    article = make_article()
    mine = make_comment(article, author_email="both@example.com")
    confirmed(article, "both@example.com", "all")
    confirmed(article, "both@example.com", "replies")
    publish(article, parent=mine, capture=django_capture_on_commit_callbacks)
    assert len(smtp_server.wait_for(1)) == 1
    assert Notification.objects.filter(email="both@example.com").count() == 1


def test_a_held_comment_notifies_nobody_until_approved_then_once(
    smtp_server, django_capture_on_commit_callbacks
):
    article = make_article()
    confirmed(article, "fan@example.com")
    held = publish(
        article,
        rules=open_rules(moderation_mode="hold_all"),
        capture=django_capture_on_commit_callbacks,
    )
    assert held.status == CommentStatus.PENDING
    assert notifications.send_comment_notifications(comment_id=held.pk) == 0
    assert smtp_server.messages == []

    with django_capture_on_commit_callbacks(execute=True):
        services.moderate(comment_ids=[held.pk], action="approve")
    assert len(smtp_server.wait_for(1)) == 1

    # Unpublished and approved again: the first approval was the only news.
    with django_capture_on_commit_callbacks(execute=True):
        services.moderate(comment_ids=[held.pk], action="pending")
        services.moderate(comment_ids=[held.pk], action="approve")
    assert notifications.send_comment_notifications(comment_id=held.pk) == 0
    assert len(smtp_server.messages) == 1


@pytest.mark.parametrize("status", [CommentStatus.SPAM, CommentStatus.TRASH, CommentStatus.PENDING])
def test_comments_that_are_not_public_notify_nobody(smtp_server, status):
    article = make_article()
    confirmed(article, "fan@example.com")
    comment = make_comment(article, status=status)
    assert notifications.send_comment_notifications(comment_id=comment.pk) == 0
    assert notifications.send_comment_notifications(comment_id=comment.pk + 1000) == 0
    assert smtp_server.messages == []
    assert not Notification.objects.exists()


def test_the_task_run_twice_sends_once(smtp_server):
    article = make_article()
    confirmed(article, "a@example.com")
    confirmed(article, "b@example.com")
    comment = make_comment(article)

    assert notifications.send_comment_notifications(comment_id=comment.pk) == 2
    assert notifications.send_comment_notifications(comment_id=comment.pk) == 0
    messages = smtp_server.wait_for(2)
    assert sorted(m.envelope_to[0] for m in messages) == ["a@example.com", "b@example.com"]
    # One SMTP connection carried the batch.
    assert len({m.session_peer for m in messages}) == 1


def test_a_failed_send_is_retried_and_then_sent_once(smtp_server, settings):
    article = make_article()
    confirmed(article, "fan@example.com")
    comment = make_comment(article)
    working = settings.MAILERS
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            # A port nothing listens on: the connection is refused.
            "OPTIONS": {"host": "127.0.0.1", "port": _closed_port(), "timeout": 5},
        }
    }
    with pytest.raises(OSError):
        notifications.send_comment_notifications(comment_id=comment.pk)
    assert Notification.objects.get(comment=comment).sent_at is None

    settings.MAILERS = working
    assert notifications.send_comment_notifications(comment_id=comment.pk) == 1
    assert notifications.send_comment_notifications(comment_id=comment.pk) == 0
    assert len(smtp_server.wait_for(1)) == 1


def test_a_hostile_name_and_body_cannot_break_headers_or_become_markup(smtp_server):
    article = make_article(title="Budget\r\nX-Injected: title")
    confirmed(article, "fan@example.com")
    comment = make_comment(
        article,
        author_name="Eve\r\nBcc: victim@example.com\n<script>alert(1)</script>",
        author_email="eve@example.com",
        body='<script>alert("x")</script> <img src=x onerror=alert(1)> &amp; javascript:alert(1)',
    )
    assert notifications.send_comment_notifications(comment_id=comment.pk) == 1

    [message] = smtp_server.wait_for(1)
    assert message.envelope_to == ["fan@example.com"]
    assert message["Bcc"] is None and message["X-Injected"] is None
    subject = message["Subject"]
    assert "\n" not in subject and "\r" not in subject
    assert subject.startswith("Eve Bcc: victim@example.com <script>")
    html = message.html()
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the name, shown as text
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&amp;amp;" in html
    assert 'href="javascript' not in html
    assert '<script>alert("x")</script>' in message.text()  # plain text shows it as typed


def test_django_itself_refuses_a_newline_in_a_header():
    message = mail.EmailMessage(subject="Hi\r\nBcc: x@example.com", body="b", to=["a@example.com"])
    with pytest.raises(ValueError):
        message.message()


def test_header_text_flattens_and_shortens():
    assert core_mail.header_text("a\r\nb\tc\x00d\u2028e") == "a b c d e"
    long = core_mail.header_text("x" * 500)
    assert len(long) == core_mail.SUBJECT_MAX and long.endswith("…")


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
