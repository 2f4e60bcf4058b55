"""The ten-minute edit window, and moderators' decisions."""

import datetime as dt

import pytest
import time_machine

from masthead.discussion import services, tokens
from masthead.discussion.models import Comment, CommentStatus
from tests.newsroom.factories import make_article

from .factories import make_comment, open_rules, post

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def test_the_author_may_edit_within_ten_minutes_and_the_edit_is_marked():
    article = make_article()
    with time_machine.travel(START, tick=False):
        posted = post(article)
    with time_machine.travel(START + dt.timedelta(minutes=9), tick=False):
        edited = services.edit_comment(
            comment=posted.comment,
            token=posted.edit_token,
            body="Better words.",
            rules=open_rules(),
        )
    assert edited.body == "Better words."
    assert edited.edited_at == START + dt.timedelta(minutes=9)


def test_no_edit_after_ten_minutes_or_with_another_comments_token():
    article = make_article()
    with time_machine.travel(START, tick=False):
        first, second = post(article), post(article)
    with time_machine.travel(START + dt.timedelta(minutes=1), tick=False):
        with pytest.raises(services.CommentRefused) as refused:
            services.edit_comment(
                comment=first.comment, token=second.edit_token, body="x", rules=open_rules()
            )
        assert refused.value.code == "not_yours"
    with time_machine.travel(START + dt.timedelta(minutes=11), tick=False):
        with pytest.raises(services.CommentRefused) as refused:
            services.edit_comment(
                comment=first.comment, token=first.edit_token, body="x", rules=open_rules()
            )
        assert refused.value.code == "edit_closed"
    assert Comment.objects.get(pk=first.comment.pk).body == "A thoughtful comment."


def test_an_edit_that_adds_a_moderation_word_sends_the_comment_back_to_moderation():
    article = make_article()
    posted = post(article)
    edited = services.edit_comment(
        comment=posted.comment,
        token=posted.edit_token,
        body="Actually he is a crook",
        rules=open_rules(moderation_words="crook"),
    )
    assert edited.status == CommentStatus.PENDING


def test_edit_tokens_are_signed():
    assert not tokens.edit_token_matches("1:forged", 1)
    assert not tokens.edit_token_matches("", 1)
    assert tokens.edit_token_matches(tokens.edit_token(1), 1)


def test_moderation_moves_comments_and_approval_is_recorded_once():
    article = make_article()
    held = [make_comment(article, status=CommentStatus.PENDING) for _ in range(3)]
    ids = [c.pk for c in held]
    assert services.moderate(comment_ids=ids, action="approve") == 3
    first_approved = {c.pk: c.approved_at for c in Comment.objects.filter(pk__in=ids)}
    assert all(first_approved.values())
    assert services.moderate(comment_ids=ids, action="approve") == 0
    assert services.moderate(comment_ids=ids[:1], action="spam") == 1
    assert services.moderate(comment_ids=ids[:1], action="approve") == 1
    assert Comment.objects.get(pk=ids[0]).approved_at == first_approved[ids[0]]
    assert services.moderate(comment_ids=ids[1:], action="delete") == 2
    assert list(Comment.objects.values_list("pk", flat=True)) == ids[:1]
    with pytest.raises(ValueError):
        services.moderate(comment_ids=ids, action="explode")


def test_approving_publishes_and_notifies_after_commit(django_capture_on_commit_callbacks):
    article = make_article()
    held = make_comment(article, status=CommentStatus.PENDING)
    with django_capture_on_commit_callbacks() as callbacks:
        services.moderate(comment_ids=[held.pk], action="approve")
    # One bump of the page cache, one notification task.
    assert len(callbacks) == 2


def test_pinning_is_for_top_level_comments_only():
    article = make_article()
    top = make_comment(article)
    reply = make_comment(article, parent=top)
    assert services.set_pinned(comment=top, pinned=True).is_pinned
    assert Comment.objects.get(pk=top.pk).is_pinned
    with pytest.raises(services.CommentRefused):
        services.set_pinned(comment=reply, pinned=True)


def test_staff_replies_are_published_and_marked(django_user_model):
    article = make_article()
    editor = django_user_model.objects.create_superuser(
        "editor", "editor@example.com", "pw", first_name="Edie", last_name="Tor"
    )
    parent = make_comment(article)
    reply = services.reply_as_staff(
        parent=parent,
        user=editor,
        body="Thanks, corrected.",
        rules=open_rules(
            moderation_mode="hold_all", rate_limit_per_ip="1/h", min_submit_seconds=60
        ),
    )
    assert reply.status == CommentStatus.APPROVED
    assert reply.is_staff_reply and reply.author_name == "Edie Tor"
    assert reply.parent_id == parent.pk


def test_only_staff_may_reply_as_staff(django_user_model):
    reader = django_user_model.objects.create_user("reader", "r@example.com", "pw")
    parent = make_comment(make_article())
    with pytest.raises(services.CommentRefused):
        services.reply_as_staff(parent=parent, user=reader, body="Hi", rules=open_rules())
