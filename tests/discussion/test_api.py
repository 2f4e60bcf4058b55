"""The discussion in /api/v1/: threads, posting with every defence, editing, votes, subscribing.

Requests go through the Django test client and the real handlers, services and database;
the site's rules are DiscussionSettings rows, as an editor would save them.
"""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from masthead.core import memo
from masthead.discussion import tokens
from masthead.discussion.models import (
    Comment,
    CommentStatus,
    CommentVote,
    DiscussionSettings,
    Subscription,
)
from masthead.discussion.services import GENERIC_REFUSAL, HELD_MESSAGE, PUBLISHED_MESSAGE
from masthead.newsroom.models import ArticlePage
from tests.discussion.factories import make_comment
from tests.newsroom.factories import default_site, make_article, make_draft_article

pytestmark = pytest.mark.django_db

OPEN_RULES = {
    "moderation_mode": "approve_all",
    "min_submit_seconds": 0,
    "rate_limit_per_ip": "",
    "rate_limit_per_email": "",
}


@pytest.fixture
def site_rules(db):
    """Save the site's discussion rules: open ones, changed by keyword arguments."""

    def configure(**fields) -> DiscussionSettings:
        rules = DiscussionSettings.for_site(default_site())
        for name, value in {**OPEN_RULES, **fields}.items():
            setattr(rules, name, value)
        rules.save()
        memo.clear()  # the test transaction never commits, so no generation bump
        return rules

    configure()
    return configure


@pytest.fixture
def article(site_rules):
    return make_article(title="Harbour dredging approved")


def comments_url(article, query: str = "") -> str:
    return f"/api/v1/articles/{article.pk}/comments" + (f"?{query}" if query else "")


def fetch_token(client, article) -> str:
    response = client.get(f"/api/v1/articles/{article.pk}/comment-token")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def send(client, article, *, token: str | None = None, meta: dict | None = None, **fields):
    payload = {"name": "Ann Reader", "email": "ann@example.com", "body": "A thoughtful comment."}
    payload.update(fields)
    if "form_token" not in payload:
        payload["form_token"] = token or fetch_token(client, article)
    return client.post(
        comments_url(article), payload, content_type="application/json", **(meta or {})
    )


def post_json(client, url: str, payload, **meta):
    return client.post(url, payload, content_type="application/json", **meta)


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status and problem["type"] == "about:blank"
    assert problem["title"] and problem["detail"]
    if code is not None:
        assert problem["code"] == code
    return problem


def error_fields(problem: dict) -> set[str]:
    assert all(error["loc"][0] == "body" and error["msg"] for error in problem["errors"])
    return {error["loc"][-1] for error in problem["errors"]}


# --- reading threads ------------------------------------------------------------


def test_a_thread_nests_replies_and_shows_no_email_or_address(client, article):
    top = make_comment(
        article,
        author_name="Ada Reyes",
        author_email="ada.private@example.com",
        author_website="https://ada.example/",
        body="First line\nsecond line",
        ip_address="203.0.113.77",
        upvotes=3,
        downvotes=1,
        score=2,
    )
    reply = make_comment(article, parent=top, body="A reply", is_staff_reply=True)
    deeper = make_comment(article, parent=reply, body="A reply to the reply")
    make_comment(article, parent=top, body="Held reply", status=CommentStatus.PENDING)
    make_comment(article, body="Spam", status=CommentStatus.SPAM)

    response = client.get(comments_url(article))

    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 3
    assert (data["page"], data["next"], data["sort"]) == (1, None, "oldest")
    assert data["comments_open"] is True and data["max_depth"] == 3
    [first] = data["comments"]
    assert first["id"] == top.pk and first["parent_id"] is None and first["depth"] == 0
    assert first["author"] == {
        "name": "Ada Reyes",
        "website": "https://ada.example/",
        "is_staff": False,
        "avatar": {"initials": "AR", "colour": first["author"]["avatar"]["colour"], "url": None},
    }
    assert first["author"]["avatar"]["colour"].startswith("#")
    assert first["body_text"] == "First line\nsecond line"
    assert first["body_html"] == "<p>First line<br>second line</p>"
    assert first["votes"] == {"up": 3, "down": 1, "score": 2}
    assert first["edited"] is False and first["edited_at"] is None and first["pinned"] is False
    assert first["url"] == f"http://testserver{article.url}#comment-{top.pk}"
    [second] = first["replies"]
    assert (second["id"], second["parent_id"], second["depth"]) == (reply.pk, top.pk, 1)
    assert second["author"]["is_staff"] is True
    [third] = second["replies"]
    assert (third["id"], third["depth"], third["replies"]) == (deeper.pk, 2, [])
    body = response.content.decode()
    assert "ada.private@example.com" not in body and "203.0.113.77" not in body
    assert "Held reply" not in body and "Spam" not in body
    assert "email" not in body and "ip_address" not in body


def test_gravatar_is_offered_only_when_the_site_turns_it_on(client, site_rules, article):
    make_comment(article, author_email="Ann@Example.com")
    avatar = client.get(comments_url(article)).json()["comments"][0]["author"]["avatar"]
    assert avatar["url"] is None
    site_rules(gravatar_enabled=True)
    avatar = client.get(comments_url(article)).json()["comments"][0]["author"]["avatar"]
    assert avatar["url"].startswith("https://gravatar.com/avatar/")
    assert "example.com" not in avatar["url"].lower()


def test_replies_stored_deeper_than_the_site_now_allows_continue_at_the_last_level(
    client, site_rules, article
):
    top = make_comment(article, body="top")
    reply = make_comment(article, parent=top, body="reply")
    deep = make_comment(article, parent=reply, body="deep")
    deeper = make_comment(article, parent=deep, body="deeper")
    later = make_comment(article, parent=top, body="later sibling")
    site_rules(max_depth=2)

    [thread] = client.get(comments_url(article)).json()["comments"]

    assert [(c["id"], c["depth"]) for c in thread["replies"]] == [
        (reply.pk, 1),
        (deep.pk, 1),
        (deeper.pk, 1),
        (later.pk, 1),
    ]
    assert all(c["replies"] == [] for c in thread["replies"])
    # What each one answered stays known.
    assert [c["parent_id"] for c in thread["replies"]] == [top.pk, reply.pk, deep.pk, top.pk]


def test_pages_of_top_level_comments_follow_the_next_link(client, site_rules, article):
    site_rules(page_size=5)
    base = timezone.now() - dt.timedelta(hours=1)
    made = [
        make_comment(article, body=f"c{n}", created_at=base + dt.timedelta(minutes=n))
        for n in range(7)
    ]
    make_comment(article, parent=made[6], body="reply on page two")

    first = client.get(comments_url(article, "sort=oldest")).json()
    assert [c["id"] for c in first["comments"]] == [c.pk for c in made[:5]]
    assert first["count"] == 8
    assert first["next"].startswith("http://testserver/api/v1/articles/")
    assert "page=2" in first["next"] and "sort=oldest" in first["next"]

    second = client.get(first["next"]).json()
    assert second["page"] == 2
    assert [c["id"] for c in second["comments"]] == [c.pk for c in made[5:]]
    assert second["comments"][1]["replies"][0]["body_text"] == "reply on page two"
    assert second["next"] is None


def test_a_page_past_the_end_is_empty_not_an_error(client, article):
    make_comment(article)
    response = client.get(comments_url(article, "page=7"))
    assert response.status_code == 200
    data = response.json()
    assert (data["comments"], data["next"], data["page"], data["count"]) == ([], None, 7, 1)


@pytest.mark.parametrize("query", ["page=0", "page=-1", "page=10001", "page=two", "page=1.5"])
def test_bad_page_numbers_are_422(client, article, query):
    problem = assert_problem(client.get(comments_url(article, query)), 422)
    assert [tuple(e["loc"]) for e in problem["errors"]] == [("query", "page")]


def test_sorting_by_newest_oldest_and_votes_keeps_pinned_first(client, article):
    base = timezone.now() - dt.timedelta(hours=1)
    old = make_comment(article, body="old", created_at=base, score=1)
    mid = make_comment(article, body="mid", created_at=base + dt.timedelta(minutes=1), score=5)
    new = make_comment(article, body="new", created_at=base + dt.timedelta(minutes=2), score=-2)
    pinned = make_comment(
        article, body="pinned", created_at=base + dt.timedelta(minutes=3), is_pinned=True
    )

    def order(sort):
        data = client.get(comments_url(article, f"sort={sort}")).json()
        assert data["sort"] == sort
        return [c["id"] for c in data["comments"]]

    assert order("oldest") == [pinned.pk, old.pk, mid.pk, new.pk]
    assert order("newest") == [pinned.pk, new.pk, mid.pk, old.pk]
    assert order("votes") == [pinned.pk, mid.pk, old.pk, new.pk]
    assert client.get(comments_url(article)).json()["comments"][0]["pinned"] is True


@pytest.mark.parametrize("sort", ["best", "OLDEST", "", "votes;drop"])
def test_an_unknown_sort_is_422_naming_it(client, article, sort):
    problem = assert_problem(client.get(comments_url(article, f"sort={sort}")), 422)
    assert [tuple(e["loc"]) for e in problem["errors"]] == [("query", "sort")]


def test_comments_of_a_missing_or_unpublished_article_are_404(client, site_rules):
    draft = make_draft_article()
    for url in (
        f"/api/v1/articles/{draft.pk}/comments",
        f"/api/v1/articles/{draft.pk}/comment-token",
        "/api/v1/articles/99999999/comments",
    ):
        assert_problem(client.get(url), 404)
    # A page that is not an article (the site's home page).
    assert_problem(client.get(f"/api/v1/articles/{default_site().root_page_id}/comments"), 404)


def test_closed_comments_are_still_listed_and_say_so(client, article):
    make_comment(article)
    ArticlePage.objects.filter(pk=article.pk).update(comments_open=False)
    data = client.get(comments_url(article)).json()
    assert data["comments_open"] is False and len(data["comments"]) == 1


# --- the form token ------------------------------------------------------------


def test_the_comment_token_is_for_this_article_and_never_stored_by_caches(client, site_rules):
    site_rules(min_submit_seconds=4)
    article = make_article()
    response = client.get(f"/api/v1/articles/{article.pk}/comment-token")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    data = response.json()
    assert data["min_seconds"] == 4
    parsed = tokens.read_form_token(data["token"])
    assert parsed.article_id == article.pk and parsed.binding == ""


def test_no_token_is_issued_when_comments_are_closed(client, article):
    ArticlePage.objects.filter(pk=article.pk).update(comments_open=False)
    assert_problem(client.get(f"/api/v1/articles/{article.pk}/comment-token"), 403, "closed")


# --- posting ------------------------------------------------------------------------


def test_a_guest_posts_after_the_minimum_time_and_the_comment_is_listed(client, site_rules):
    site_rules(min_submit_seconds=3)
    article = make_article()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        token = fetch_token(client, article)
        clock.shift(5)
        response = send(
            client, article, token=token, body="Hello <b>there</b>\nhttps://example.org/x"
        )

    assert response.status_code == 201, response.content
    data = response.json()
    comment = Comment.objects.get()
    assert data["id"] == comment.pk
    assert data["status"] == "approved" and data["message"] == PUBLISHED_MESSAGE
    assert tokens.edit_token_matches(data["edit_token"], comment.pk)
    shown = data["comment"]
    assert shown["body_text"] == "Hello <b>there</b>\nhttps://example.org/x"
    assert shown["body_html"] == (
        '<p>Hello &lt;b&gt;there&lt;/b&gt;<br><a href="https://example.org/x" '
        'rel="nofollow ugc noopener">https://example.org/x</a></p>'
    )
    assert comment.author_email == "ann@example.com" and comment.ip_address == "127.0.0.1"
    listed = client.get(comments_url(article)).json()
    assert [c["id"] for c in listed["comments"]] == [comment.pk]


def test_a_reply_is_clamped_to_the_site_depth(client, site_rules, article):
    site_rules(max_depth=2)
    top = make_comment(article)
    reply = make_comment(article, parent=top)

    response = send(client, article, parent_id=reply.pk, body="Replying to the reply")

    shown = response.json()["comment"]
    assert (shown["parent_id"], shown["depth"]) == (top.pk, 1)


def test_replying_to_a_held_comment_is_refused(client, article):
    held = make_comment(article, status=CommentStatus.PENDING)
    assert_problem(send(client, article, parent_id=held.pk), 400, "bad_parent")
    assert Comment.objects.count() == 1


def test_notify_subscribes_the_commenter(client, article):
    send(client, article, notify="replies", email="Notify.Me@Example.com")
    subscription = Subscription.objects.get()
    assert (subscription.email, subscription.kind) == ("notify.me@example.com", "replies")
    assert subscription.article_id == article.pk and subscription.confirmed_at is None


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("approve_all", "approved"), ("hold_all", "pending"), ("hold_first", "pending")],
)
def test_the_moderation_mode_decides_the_status(client, site_rules, article, mode, expected):
    site_rules(moderation_mode=mode)
    data = send(client, article).json()
    assert data["status"] == expected
    assert Comment.objects.get().status == expected
    if expected == "pending":
        assert data["comment"] is None and data["message"] == HELD_MESSAGE
        assert client.get(comments_url(article)).json()["comments"] == []


def test_hold_first_publishes_a_known_commenter(client, site_rules, article):
    site_rules(moderation_mode="hold_first")
    make_comment(article, author_email="ann@example.com")
    assert send(client, article, email="ANN@example.com").json()["status"] == "approved"


def test_a_signed_in_session_does_not_make_an_api_post_a_members_post(
    client, site_rules, article, django_user_model
):
    """API posts carry no CSRF token, so a session cookie must not lend its user."""
    site_rules(moderation_mode="hold_all")
    editor = django_user_model.objects.create_superuser("ed", "ed@example.com", "pw")
    client.force_login(editor)

    problem = assert_problem(send(client, article, name="", email=""), 422)
    assert error_fields(problem) == {"name", "email"}
    response = send(client, article, name="Ed", email="ed@example.com")

    assert response.json()["status"] == "pending"
    comment = Comment.objects.get()
    assert comment.user is None and comment.is_staff_reply is False


# --- each defence through the API ---------------------------------------------------


def test_the_honeypot_refuses_with_the_generic_message(client, article):
    problem = assert_problem(send(client, article, phone="+1 555 0100"), 400, "refused")
    assert problem["detail"] == GENERIC_REFUSAL
    assert not Comment.objects.exists()


def test_a_comment_sent_too_fast_is_refused(client, site_rules):
    site_rules(min_submit_seconds=30)
    article = make_article()
    assert_problem(send(client, article), 400, "too_fast")
    assert not Comment.objects.exists()


@pytest.mark.parametrize("kind", ["forged", "other_article", "stale", "session_bound", "empty"])
def test_a_bad_form_token_is_refused_as_stale(client, article, kind):
    other = make_article()
    token = {
        "forged": "5..1700000000:forgedsignature",
        "other_article": tokens.issue_form_token(article_id=other.pk),
        "stale": tokens.issue_form_token(
            article_id=article.pk, now=timezone.now().timestamp() - 25 * 3600
        ),
        "session_bound": tokens.issue_form_token(article_id=article.pk, binding="abc123"),
        "empty": "",
    }[kind]
    assert_problem(send(client, article, form_token=token), 400, "stale_form")
    assert not Comment.objects.exists()


def test_a_token_older_than_a_day_is_stale(client, article):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        token = fetch_token(client, article)
        clock.shift(dt.timedelta(hours=25))
        assert_problem(send(client, article, token=token), 400, "stale_form")


@pytest.mark.parametrize(
    ("rules", "fields", "meta"),
    [
        ({"blocked_emails": "spammer@example.com"}, {"email": "Spammer@Example.com"}, {}),
        ({"blocked_emails": "@junk.example"}, {"email": "x@junk.example"}, {}),
        ({"blocked_ips": "198.51.100.0/24"}, {}, {"REMOTE_ADDR": "198.51.100.23"}),
    ],
)
def test_blocked_senders_are_refused(client, site_rules, article, rules, fields, meta):
    site_rules(**rules)
    problem = assert_problem(send(client, article, meta=meta, **fields), 403, "refused")
    assert problem["detail"] == GENERIC_REFUSAL


def test_the_client_address_comes_from_the_configured_header(client, site_rules, settings):
    settings.MASTHEAD_VIEW_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    site_rules(blocked_ips="198.51.100.23")
    article = make_article()
    meta = {"HTTP_X_FORWARDED_FOR": "10.0.0.1, 198.51.100.23"}
    assert_problem(send(client, article, meta=meta), 403, "refused")
    assert send(client, article, meta={"HTTP_X_FORWARDED_FOR": "10.0.0.1"}).status_code == 201


def test_the_rate_limit_per_address_is_429(client, site_rules, article):
    site_rules(rate_limit_per_ip="2/h")
    for n in range(2):
        assert send(client, article, email=f"r{n}@example.com").status_code == 201
    problem = assert_problem(send(client, article, email="r9@example.com"), 429, "rate_limited")
    assert "wait" in problem["detail"]
    other = send(client, article, email="r10@example.com", meta={"REMOTE_ADDR": "192.0.2.1"})
    assert other.status_code == 201


def test_the_rate_limit_per_email_is_429(client, site_rules, article):
    site_rules(rate_limit_per_email="2/h")
    for n in range(2):
        meta = {"REMOTE_ADDR": f"192.0.2.{n + 1}"}
        assert send(client, article, body=f"Comment {n}", meta=meta).status_code == 201
    response = send(client, article, email="ANN@example.com", meta={"REMOTE_ADDR": "192.0.2.9"})
    assert_problem(response, 429, "rate_limited")
    assert Comment.objects.count() == 2


def test_too_many_links_are_refused(client, site_rules, article):
    site_rules(max_links=1)
    body = "See https://a.example/ and https://b.example/"
    problem = assert_problem(send(client, article, body=body), 400, "too_many_links")
    assert "at most 1 link" in problem["detail"]


def test_a_spam_word_files_the_comment_as_spam_but_answers_held(client, site_rules, article):
    site_rules(spam_words="cheap pills")
    data = send(client, article, body="Buy CHEAP PILLS now").json()
    assert data["status"] == "pending" and data["message"] == HELD_MESSAGE
    assert data["comment"] is None
    assert Comment.objects.get().status == CommentStatus.SPAM


def test_a_moderation_word_holds_the_comment(client, site_rules, article):
    site_rules(moderation_words="lawsuit")
    assert send(client, article, body="A lawsuit is coming").json()["status"] == "pending"
    assert Comment.objects.get().status == CommentStatus.PENDING


@pytest.mark.parametrize("how", ["article", "site", "age"])
def test_posting_to_closed_comments_is_403(client, site_rules, article, how):
    token = fetch_token(client, article)
    if how == "article":
        ArticlePage.objects.filter(pk=article.pk).update(comments_open=False)
    elif how == "site":
        site_rules(comments_enabled=False)
    else:
        site_rules(close_after_days=3)
        ArticlePage.objects.filter(pk=article.pk).update(
            first_published_at=timezone.now() - dt.timedelta(days=4)
        )
    assert_problem(send(client, article, token=token), 403, "closed")
    assert client.get(comments_url(article)).json()["comments_open"] is False


def test_posting_to_an_unpublished_article_is_404(client, site_rules):
    draft = make_draft_article()
    token = tokens.issue_form_token(article_id=draft.pk)
    assert_problem(send(client, draft, token=token), 404)


# --- editing ------------------------------------------------------------------------


def test_the_author_edits_within_ten_minutes_and_the_edit_is_marked(client, article):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        posted = send(client, article).json()
        clock.shift(dt.timedelta(minutes=9))
        response = post_json(
            client,
            f"/api/v1/comments/{posted['id']}/edit",
            {"body": "Corrected <i>text</i>", "edit_token": posted["edit_token"]},
        )
        assert response.status_code == 200, response.content
        data = response.json()
        assert data["body_text"] == "Corrected <i>text</i>"
        assert data["body_html"] == "<p>Corrected &lt;i&gt;text&lt;/i&gt;</p>"
        assert data["edited"] is True and data["edited_at"] is not None
        assert Comment.objects.get().body == "Corrected <i>text</i>"

        clock.shift(dt.timedelta(minutes=2))
        late = post_json(
            client,
            f"/api/v1/comments/{posted['id']}/edit",
            {"body": "Too late", "edit_token": posted["edit_token"]},
        )
        assert_problem(late, 403, "edit_closed")
    assert Comment.objects.get().body == "Corrected <i>text</i>"


def test_only_the_author_token_edits(client, article):
    first = send(client, article).json()
    second = send(client, article, email="other@example.com").json()
    url = f"/api/v1/comments/{first['id']}/edit"
    for token in (second["edit_token"], "forged:token", "x" * 200):
        assert_problem(post_json(client, url, {"body": "Hijack", "edit_token": token}), 403)
    problem = assert_problem(post_json(client, url, {"body": "   ", "edit_token": "x"}), 422)
    assert error_fields(problem) == {"body"}
    assert_problem(
        post_json(client, "/api/v1/comments/999999/edit", {"body": "b", "edit_token": "t"}), 404
    )
    assert Comment.objects.get(pk=first["id"]).body == "A thoughtful comment."


def test_an_edit_with_a_moderation_word_sends_the_comment_back_to_moderation(
    client, site_rules, article
):
    site_rules(moderation_words="lawsuit")
    posted = send(client, article).json()
    response = post_json(
        client,
        f"/api/v1/comments/{posted['id']}/edit",
        {"body": "Now with a lawsuit", "edit_token": posted["edit_token"]},
    )
    assert response.json()["status"] == "pending"
    assert client.get(comments_url(article)).json()["comments"] == []


# --- votes --------------------------------------------------------------------------


def vote(client, comment_id, value, **meta):
    return post_json(client, f"/api/v1/comments/{comment_id}/votes", {"value": value}, **meta)


def test_one_vote_per_visitor_which_can_change_or_be_withdrawn(client, article):
    comment = make_comment(article)
    assert vote(client, comment.pk, 1).json() == {"up": 1, "down": 0, "score": 1, "mine": 1}
    assert vote(client, comment.pk, 1).json() == {"up": 1, "down": 0, "score": 1, "mine": 1}
    assert vote(client, comment.pk, -1).json() == {"up": 0, "down": 1, "score": -1, "mine": -1}
    other = vote(client, comment.pk, -1, HTTP_USER_AGENT="Another browser")
    assert other.json() == {"up": 0, "down": 2, "score": -2, "mine": -1}
    assert vote(client, comment.pk, 0).json() == {"up": 0, "down": 1, "score": -1, "mine": 0}
    assert CommentVote.objects.count() == 1
    listed = client.get(comments_url(article)).json()["comments"][0]["votes"]
    assert listed == {"up": 0, "down": 1, "score": -1}


def test_a_session_does_not_change_who_votes(client, article, django_user_model):
    comment = make_comment(article)
    vote(client, comment.pk, 1)
    client.force_login(django_user_model.objects.create_user("reader", "r@example.com", "pw"))
    assert vote(client, comment.pk, 1).json()["up"] == 1
    assert CommentVote.objects.get().voter.startswith("anon:")


@pytest.mark.parametrize("status", [CommentStatus.PENDING, CommentStatus.SPAM, CommentStatus.TRASH])
def test_votes_on_unpublished_or_unknown_comments_are_404(client, article, status):
    comment = make_comment(article, status=status)
    assert_problem(vote(client, comment.pk, 1), 404)
    assert_problem(vote(client, 987654, 1), 404)
    assert not CommentVote.objects.exists()


def test_votes_on_comments_of_an_unpublished_article_are_404(client, site_rules):
    comment = make_comment(make_draft_article())
    assert_problem(vote(client, comment.pk, 1), 404)


@pytest.mark.parametrize("value", [2, -2, True, "1", 1.5, None, [1]])
def test_a_vote_is_1_minus_1_or_0(client, article, value):
    comment = make_comment(article)
    problem = assert_problem(vote(client, comment.pk, value), 422)
    assert error_fields(problem) == {"value"}
    assert not CommentVote.objects.exists()


# --- subscribing --------------------------------------------------------------------


def test_subscribing_is_accepted_and_mails_a_confirmation(
    client, article, smtp_server, django_capture_on_commit_callbacks
):
    url = f"/api/v1/articles/{article.pk}/subscriptions"
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(client, url, {"email": "Follower@Example.com", "kind": "all"})
    assert response.status_code == 202
    assert "check your inbox" in response.json()["message"].lower()
    subscription = Subscription.objects.get()
    assert (subscription.email, subscription.kind) == ("follower@example.com", "all")
    assert subscription.confirmed_at is None
    [mail] = smtp_server.wait_for(1)
    assert mail.envelope_to == ["follower@example.com"]
    again = post_json(client, url, {"email": "follower@example.com", "kind": "all"})
    assert again.json() == response.json()
    assert Subscription.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not an address", "kind": "all"}, "email"),
        ({"email": "a@example.com", "kind": "everything"}, "kind"),
        ({"email": "a@example.com"}, "kind"),
        ({"email": "", "kind": "all"}, "email"),
    ],
)
def test_a_bad_subscription_is_422(client, article, payload, field):
    url = f"/api/v1/articles/{article.pk}/subscriptions"
    problem = assert_problem(post_json(client, url, payload), 422)
    assert error_fields(problem) == {field}
    assert not Subscription.objects.exists()


def test_subscriptions_are_rate_limited_per_address_and_refused_when_closed(client, article):
    url = f"/api/v1/articles/{article.pk}/subscriptions"
    statuses = [
        post_json(client, url, {"email": f"s{n}@example.com", "kind": "all"}).status_code
        for n in range(11)
    ]
    assert statuses == [202] * 10 + [429]
    ArticlePage.objects.filter(pk=article.pk).update(comments_open=False)
    closed = post_json(client, url, {"email": "x@example.com", "kind": "all"})
    assert_problem(closed, 403, "closed")


# --- documentation ------------------------------------------------------------------


def test_the_discussion_endpoints_are_documented_under_their_tag(client):
    schema = client.get("/api/v1/openapi.json").json()
    operations = {
        (path, method): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if "discussion" in operation.get("tags", [])
    }
    assert set(operations) == {
        ("/api/v1/articles/{article_id}/comments", "get"),
        ("/api/v1/articles/{article_id}/comments", "post"),
        ("/api/v1/articles/{article_id}/comment-token", "get"),
        ("/api/v1/comments/{comment_id}/edit", "post"),
        ("/api/v1/comments/{comment_id}/votes", "post"),
        ("/api/v1/articles/{article_id}/subscriptions", "post"),
    }
    posting = operations[("/api/v1/articles/{article_id}/comments", "post")]["responses"]
    assert set(posting) == {"201", "400", "403", "404", "413", "422", "429"}
    assert list(posting["429"]["content"]) == ["application/problem+json"]
