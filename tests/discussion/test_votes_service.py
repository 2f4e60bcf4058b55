"""cast_vote: one vote per voter, changeable, withdrawable, counted from the rows."""

import pytest

from masthead.discussion import services, tokens
from masthead.discussion.models import CommentStatus, CommentVote
from tests.newsroom.factories import make_article

from .factories import make_comment

pytestmark = pytest.mark.django_db


def test_one_vote_per_voter_however_often_they_press():
    comment = make_comment(make_article())
    for _ in range(3):
        comment = services.cast_vote(comment=comment, voter="anon:a", value=1)
    assert (comment.upvotes, comment.downvotes, comment.score) == (1, 0, 1)
    assert CommentVote.objects.filter(comment=comment).count() == 1


def test_a_voter_can_change_and_withdraw_their_vote():
    comment = make_comment(make_article())
    services.cast_vote(comment=comment, voter="anon:a", value=1)
    services.cast_vote(comment=comment, voter="anon:b", value=1)
    comment = services.cast_vote(comment=comment, voter="anon:a", value=-1)
    assert (comment.upvotes, comment.downvotes, comment.score) == (1, 1, 0)
    comment = services.cast_vote(comment=comment, voter="anon:a", value=0)
    assert (comment.upvotes, comment.downvotes, comment.score) == (1, 0, 1)


def test_votes_on_a_hidden_comment_or_out_of_range_are_refused():
    held = make_comment(make_article(), status=CommentStatus.PENDING)
    with pytest.raises(services.CommentRefused) as refused:
        services.cast_vote(comment=held, voter="anon:a", value=1)
    assert refused.value.status == 404
    shown = make_comment(make_article())
    with pytest.raises(services.CommentRefused):
        services.cast_vote(comment=shown, voter="anon:a", value=5)


def test_voter_ids_separate_readers_browsers_and_comments():
    same = dict(ip="192.0.2.1", user_agent="Firefox", comment_id=1, user_id=None)
    assert tokens.voter_id(**same) == tokens.voter_id(**same)
    assert tokens.voter_id(**same) != tokens.voter_id(**{**same, "user_agent": "Chrome"})
    assert tokens.voter_id(**same) != tokens.voter_id(**{**same, "comment_id": 2})
    assert tokens.voter_id(**{**same, "user_id": 7}) == "user:7"
    assert "192.0.2.1" not in tokens.voter_id(**same)
