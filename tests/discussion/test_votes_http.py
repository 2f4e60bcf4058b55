"""Votes over HTTP: one per reader or visitor, counts kept right, own votes reported back."""

import pytest
from django.contrib.auth.models import User

from masthead.discussion.models import Comment, CommentStatus, CommentVote
from tests.newsroom.factories import make_article

from .factories import make_comment
from .test_views import JSON, article_html, section_of, use_rules

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/140.0 Safari/537.36"


@pytest.fixture
def comment():
    use_rules()
    return make_comment(make_article(), body="Vote on me.")


def vote(client, comment, value, *, ip="198.51.100.7", agent=FIREFOX, headers=None):
    return client.post(
        f"/discussion/comments/{comment.pk}/vote/",
        {"value": value},
        headers={"User-Agent": agent, **JSON, **(headers or {})},
        REMOTE_ADDR=ip,
    )


def counts(comment) -> tuple[int, int, int]:
    fresh = Comment.objects.get(pk=comment.pk)
    return fresh.upvotes, fresh.downvotes, fresh.score


def test_one_vote_per_visitor_and_a_different_browser_counts_apart(client, comment):
    first = vote(client, comment, "1")
    assert first.status_code == 200
    assert first.json() == {"up": 1, "down": 0, "mine": 1}
    again = vote(client, comment, "1")
    assert again.json() == {"up": 1, "down": 0, "mine": 1}
    assert counts(comment) == (1, 0, 1)
    other_browser = vote(client, comment, "1", agent=CHROME)
    assert other_browser.json()["up"] == 2
    other_address = vote(client, comment, "-1", ip="198.51.100.8")
    assert other_address.json() == {"up": 2, "down": 1, "mine": -1}
    assert counts(comment) == (2, 1, 1)
    assert CommentVote.objects.filter(comment=comment).count() == 3


def test_a_visitor_can_change_and_withdraw_their_vote(client, comment):
    vote(client, comment, "1")
    assert vote(client, comment, "-1").json() == {"up": 0, "down": 1, "mine": -1}
    assert vote(client, comment, "0").json() == {"up": 0, "down": 0, "mine": 0}
    assert counts(comment) == (0, 0, 0)
    assert not CommentVote.objects.exists()


def test_a_signed_in_reader_votes_once_from_any_browser(client, comment):
    reader = User.objects.create_user("mlee", password="x")
    client.force_login(reader)
    vote(client, comment, "1", agent=FIREFOX, ip="198.51.100.1")
    second = vote(client, comment, "1", agent=CHROME, ip="198.51.100.2")
    assert second.json() == {"up": 1, "down": 0, "mine": 1}
    assert CommentVote.objects.get().voter == f"user:{reader.pk}"


def test_the_proxy_header_names_the_visitor_when_configured(client, comment, settings):
    settings.MASTHEAD_VIEW_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    # The proxy appends the address it saw: the last entry; earlier ones are the client's say.
    for forwarded in ("10.9.9.9, 203.0.113.50", "10.9.9.9, 203.0.113.51", "1.2.3.4, 203.0.113.50"):
        vote(client, comment, "1", headers={"X-Forwarded-For": forwarded})
    assert counts(comment) == (2, 0, 2)


@pytest.mark.parametrize("value", ["2", "-2", "", "up", "1.0", "1; DROP TABLE", "\x00"])
def test_anything_but_up_down_or_withdraw_is_refused(client, comment, value):
    response = vote(client, comment, value)
    assert response.status_code == 400
    assert response.json()["code"] == "bad_vote"
    assert counts(comment) == (0, 0, 0)


def test_votes_on_hidden_or_missing_comments_are_not_found(client, comment):
    held = make_comment(comment.article, status=CommentStatus.PENDING)
    assert vote(client, held, "1").status_code == 404
    missing = Comment(pk=987654)
    assert vote(client, missing, "1").status_code == 404
    assert not CommentVote.objects.exists()


def test_cross_site_votes_and_gets_are_refused(client, comment):
    assert vote(client, comment, "1", headers={"Origin": "https://evil.example"}).status_code == 403
    assert vote(client, comment, "1", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert client.get(f"/discussion/comments/{comment.pk}/vote/").status_code == 405
    assert counts(comment) == (0, 0, 0)


def test_a_vote_without_javascript_goes_back_to_the_comment(client, comment):
    response = client.post(
        f"/discussion/comments/{comment.pk}/vote/",
        {"value": "1"},
        headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},
    )
    assert response.status_code == 303
    assert response["Location"] == f"{comment.article.url}#comment-{comment.pk}"
    assert counts(comment) == (1, 0, 1)


def test_vote_counts_report_current_numbers_and_the_visitors_own_votes(client, comment):
    other = make_comment(comment.article)
    elsewhere = make_comment(make_article())
    vote(client, comment, "1")
    vote(client, other, "-1", agent=CHROME)  # someone else
    url = f"/discussion/articles/{comment.article_id}/votes.json"
    ids = f"{comment.pk},{other.pk},{elsewhere.pk},abc,-4,{'9' * 40}"
    response = client.get(
        url, {"ids": ids}, headers={"User-Agent": FIREFOX}, REMOTE_ADDR="198.51.100.7"
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert response.json() == {
        "comments": {
            str(comment.pk): {"up": 1, "down": 0, "mine": 1},
            str(other.pk): {"up": 0, "down": 1, "mine": 0},
        }
    }
    as_chrome = client.get(
        url, {"ids": ids}, headers={"User-Agent": CHROME}, REMOTE_ADDR="198.51.100.7"
    )
    assert as_chrome.json()["comments"][str(other.pk)]["mine"] == -1
    assert as_chrome.json()["comments"][str(comment.pk)]["mine"] == 0
    assert client.get(url).json() == {"comments": {}}


def test_the_counts_endpoint_has_a_new_vote_at_once(client, comment):
    """Votes do not empty the page cache: a cached page keeps the old number and the
    script reads the new one from votes.json."""
    before = section_of(article_html(client, comment.article), comment.article)
    assert before.find(attrs={"data-up": True}).get_text() == "0"
    vote(client, comment, "1")
    url = f"/discussion/articles/{comment.article_id}/votes.json"
    assert client.get(url, {"ids": str(comment.pk)}).json()["comments"][str(comment.pk)]["up"] == 1
