"""The demo publication comes with discussions an editor can moderate."""

import pytest
from django.core.management import call_command

from masthead.discussion.models import Comment, CommentStatus, CommentVote

pytestmark = pytest.mark.django_db


def test_demo_has_threads_votes_a_staff_reply_and_a_moderation_queue():
    call_command("demo", articles=6, verbosity=0)
    approved = Comment.objects.filter(status=CommentStatus.APPROVED)
    assert approved.filter(parent__isnull=True).exists()
    assert approved.filter(depth__gte=1).exists()
    assert approved.filter(is_staff_reply=True, user__isnull=False).count() == 1
    assert approved.filter(is_pinned=True).count() == 1
    assert Comment.objects.filter(status=CommentStatus.PENDING).exists()
    for comment in approved.exclude(upvotes=0)[:5]:
        assert CommentVote.objects.filter(comment=comment, value=1).count() == comment.upvotes
    # Loading the demo again adds nothing.
    before = Comment.objects.count()
    call_command("demo", articles=6, verbosity=0)
    assert Comment.objects.count() == before
