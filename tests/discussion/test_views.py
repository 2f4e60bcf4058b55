"""Posting comments over HTTP, as the article page's form does it, with and without JavaScript."""

import datetime as dt
import re

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import caches
from django.utils import timezone

from masthead.core import memo
from masthead.discussion import services, tokens
from masthead.discussion.models import Comment, CommentStatus, DiscussionSettings, Subscription
from tests.newsroom.factories import days_ago, default_site, make_article

from .factories import make_comment

pytestmark = pytest.mark.django_db

JSON = {"Accept": "application/json"}
OPEN = {
    "moderation_mode": "approve_all",
    "min_submit_seconds": 0,
    "rate_limit_per_ip": "",
    "rate_limit_per_email": "",
}


# --- helpers shared by the discussion HTTP tests ----------------------------


def use_rules(**fields) -> DiscussionSettings:
    """Save the site's discussion settings (permissive unless `fields` say otherwise)."""
    rules = DiscussionSettings.for_site(default_site())
    for name, value in {**OPEN, **fields}.items():
        setattr(rules, name, value)
    rules.save()
    memo.clear()  # the test's transaction never commits, so no generation bump says so
    return rules


def article_html(client, article) -> str:
    """The article page as a reader would get it after the last change."""
    # What the generation bump after a commit does; test transactions never commit.
    caches[settings.FRAGMENT_CACHE_ALIAS].clear()
    memo.clear()
    response = client.get(article.url)
    assert response.status_code == 200
    return response.content.decode()


def comments_url(article) -> str:
    return f"/discussion/articles/{article.pk}/comments/"


def form_data(article, **fields) -> dict:
    data = {
        "name": "Ann Reader",
        "email": "ann@example.com",
        "website": "",
        "body": "A thoughtful comment.",
        "notify": "",
        "phone": "",
        "parent": "",
        "form_token": tokens.issue_form_token(article_id=article.pk),
    }
    data.update(fields)
    return data


def section_of(html: str, article) -> BeautifulSoup:
    soup = BeautifulSoup(html, "html.parser")
    section = soup.find("section", id=f"comments-{article.pk}")
    assert section is not None, "no comments section"
    return section


@pytest.fixture
def article():
    use_rules()
    return make_article(title="Harbour wall to be rebuilt")


# --- the section in the article page -----------------------------------------


def test_an_article_without_comments_invites_the_first(client, article):
    section = section_of(article_html(client, article), article)
    heading = section.find("h2")
    assert heading.get_text(strip=True) == "Click to comment"
    assert heading.find("a")["href"] == f"#respond-{article.pk}"
    form = section.find("form", attrs={"data-comment-form": True})
    assert form["action"] == comments_url(article)
    assert form.find("h3").get_text(strip=True) == "Leave a reply"
    assert {i["name"] for i in form.find_all(["input", "textarea", "select"])} == {
        "parent",
        "form_token",
        "body",
        "name",
        "email",
        "website",
        "phone",
        "notify",
    }
    assert form.find("input", attrs={"name": "form_token"})["value"] == ""
    assert "Never shown." in form.get_text()
    select = form.find("select", attrs={"name": "notify"})
    notify = [option.get_text() for option in select.find_all("option")]
    assert notify == ["Don't notify me", "New follow-up comments", "New replies to my comments"]
    honeypot = form.find("input", attrs={"name": "phone"})
    assert honeypot["tabindex"] == "-1" and honeypot["autocomplete"] == "off"
    assert honeypot.parent["aria-hidden"] == "true"
    assert "comment-form__hp" in honeypot.parent["class"] and not honeypot.parent.get("style")
    subscribe = section.find("form", attrs={"data-subscribe-form": True})
    assert subscribe["action"] == f"/discussion/articles/{article.pk}/subscribe/"
    assert "csrfmiddlewaretoken" not in str(section)  # the section is cached for everyone


def test_counts_and_comments_are_shown_with_their_authors(client, article):
    first = make_comment(article, author_name="Ann Reader", body="First!")
    make_comment(article, author_name="Bo Writer", body="Second.", parent=first)
    make_comment(article, author_name="Held Back", status=CommentStatus.PENDING)
    make_comment(article, author_name="Spammer", status=CommentStatus.SPAM)
    section = section_of(article_html(client, article), article)
    assert section.find("h2").get_text(strip=True) == "2 comments"
    text = section.get_text()
    assert "Ann Reader" in text and "Bo Writer" in text
    assert "Held Back" not in text and "Spammer" not in text
    one = make_comment(make_article(), body="Lonely.")
    assert (
        section_of(article_html(client, one.article), one.article).find("h2").get_text(strip=True)
        == "1 comment"
    )


def test_comment_markup_carries_anchor_avatar_time_badges_and_votes(client, article):
    staff = make_comment(
        article,
        author_name="Desk Editor",
        author_website="https://paper.example/",
        is_staff_reply=True,
        is_pinned=True,
        upvotes=4,
        downvotes=1,
    )
    html = article_html(client, article)
    item = section_of(html, article).find("li", id=f"comment-{staff.pk}")
    assert item.find("svg", class_="comment__avatar").find("circle")["fill"].startswith("#")
    assert item.find("svg").find("text").get_text() == "DE"
    link = item.find("span", class_="comment__author").find("a")
    assert link["href"] == "https://paper.example/"
    assert link["rel"] == ["nofollow", "ugc", "noopener"]
    badges = [b.get_text() for b in item.find_all(class_="comment__badge")]
    assert badges == ["Staff", "Pinned"]
    assert item.find("time")["datetime"] == staff.created_at.isoformat()
    vote_form = item.find("form", attrs={"data-vote-form": True})
    assert vote_form["action"] == f"/discussion/comments/{staff.pk}/vote/"
    assert item.find(attrs={"data-up": True}).get_text() == "4"
    assert item.find(attrs={"data-down": True}).get_text() == "1"
    assert "gravatar" not in html


def test_gravatar_only_when_the_site_turns_it_on_and_the_policy_allows_it(client, article):
    make_comment(article, author_email="ann@example.com")
    response = client.get(article.url)
    assert "gravatar.com" not in response.content.decode()
    assert "gravatar.com" not in response["Content-Security-Policy"]
    use_rules(gravatar_enabled=True)
    html = article_html(client, article)
    response = client.get(article.url)
    assert 'src="https://gravatar.com/avatar/' in html
    assert "img-src 'self' data: blob: https://gravatar.com" in response["Content-Security-Policy"]


def test_closed_comments_keep_the_thread_and_drop_the_form(client, article):
    make_comment(article, body="Before the close.")
    article.comments_open = False
    article.save_revision().publish()
    section = section_of(article_html(client, article), article)
    assert "Before the close." in section.get_text()
    assert section.find("p", class_="discussion__closed").get_text() == "Comments are closed."
    assert section.find("form", attrs={"data-comment-form": True}) is None
    assert section.find("a", attrs={"data-reply": True}) is None
    response = client.post(comments_url(article), form_data(article), headers=JSON)
    assert response.status_code == 403
    assert response.json()["code"] == "closed"
    assert Comment.objects.filter(article=article).count() == 1


def test_comments_close_by_age(client):
    use_rules(close_after_days=3)
    article = make_article()
    assert section_of(article_html(client, article), article).find("form") is not None
    with time_machine.travel(timezone.now() + dt.timedelta(days=3, minutes=1)):
        section = section_of(article_html(client, article), article)
        assert section.find("form", attrs={"data-comment-form": True}) is None
        assert "Comments are closed." in section.get_text()
        token = client.get(f"/discussion/articles/{article.pk}/token/").json()
        assert token["open"] is False
        response = client.post(comments_url(article), form_data(article), headers=JSON)
        assert response.status_code == 403 and response.json()["code"] == "closed"


# --- posting with JavaScript -------------------------------------------------


def test_json_post_publishes_and_returns_the_rendered_comment(client, article):
    response = client.post(
        comments_url(article),
        form_data(article, body="Well reported.\nThanks.", notify=""),
        headers=JSON,
    )
    assert response.status_code == 201
    data = response.json()
    comment = Comment.objects.get(pk=data["comment_id"])
    assert comment.status == CommentStatus.APPROVED and comment.author_name == "Ann Reader"
    assert data["status"] == "approved" and data["message"] == services.PUBLISHED_MESSAGE
    assert tokens.edit_token_matches(data["edit_token"], comment.pk)
    assert f'id="comment-{comment.pk}"' in data["html"]
    assert "<p>Well reported.<br>Thanks.</p>" in data["html"]
    assert "awaiting moderation" not in data["html"]
    assert "no-store" in response["Cache-Control"]
    assert f'id="comment-{comment.pk}"' in article_html(client, article)


def test_held_comment_answers_with_a_moderation_note_and_stays_off_the_page(client):
    use_rules(moderation_mode="hold_all")
    article = make_article()
    response = client.post(comments_url(article), form_data(article), headers=JSON)
    data = response.json()
    assert response.status_code == 201 and data["status"] == "held"
    assert data["message"] == services.HELD_MESSAGE
    assert "awaiting moderation" in data["html"]
    assert "data-vote-form" not in data["html"]
    assert f'id="comment-{data["comment_id"]}"' not in article_html(client, article)


def test_a_reply_is_filed_under_its_parent(client, article):
    parent = make_comment(article)
    response = client.post(
        comments_url(article), form_data(article, parent=str(parent.pk)), headers=JSON
    )
    data = response.json()
    assert data["parent_id"] == parent.pk
    assert Comment.objects.get(pk=data["comment_id"]).parent_id == parent.pk


def test_form_errors_come_back_per_field_as_json(client, article):
    response = client.post(
        comments_url(article),
        form_data(article, name="", email="not-an-address", body="   ", website="ftp://x.example"),
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"name", "email", "body", "website"}
    assert errors["name"] == ["This field is required."]
    assert not Comment.objects.exists()


def test_a_refusal_answers_with_its_status_and_message(client):
    use_rules(blocked_emails="@spam.example")
    article = make_article()
    response = client.post(
        comments_url(article), form_data(article, email="x@spam.example"), headers=JSON
    )
    assert response.status_code == 403
    assert response.json() == {"code": "refused", "message": services.GENERIC_REFUSAL}


def test_a_post_from_another_site_is_refused(client, article):
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        response = client.post(comments_url(article), form_data(article), headers=headers)
        assert response.status_code == 403
    same_site = client.post(
        comments_url(article),
        form_data(article),
        headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin", **JSON},
    )
    assert same_site.status_code == 201
    assert Comment.objects.count() == 1


def test_comments_on_unpublished_or_missing_articles_are_not_found(client):
    use_rules()
    draft = make_article()
    draft.unpublish()
    for article_id in (draft.pk, 999999):
        assert client.get(f"/discussion/articles/{article_id}/token/").status_code == 404
        response = client.post(
            f"/discussion/articles/{article_id}/comments/", {"body": "x"}, headers=JSON
        )
        assert response.status_code == 404


# --- the form token ----------------------------------------------------------


def test_token_endpoint_issues_a_private_token_for_the_article(client, article):
    response = client.get(f"/discussion/articles/{article.pk}/token/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    data = response.json()
    parsed = tokens.read_form_token(data["token"])
    assert parsed.article_id == article.pk and parsed.binding == ""
    assert data["open"] is True
    assert client.post(f"/discussion/articles/{article.pk}/token/").status_code == 405


def test_signed_in_reader_posts_under_their_account_with_a_session_bound_token(client, article):
    reader = User.objects.create_user(
        "mlee", email="min@example.com", first_name="Min", last_name="Lee", password="x"
    )
    client.force_login(reader)
    token = client.get(f"/discussion/articles/{article.pk}/token/").json()["token"]
    assert tokens.read_form_token(token).binding == tokens.session_binding(
        client.session.session_key
    )
    guest_token = tokens.issue_form_token(article_id=article.pk)
    stale = client.post(
        comments_url(article), form_data(article, form_token=guest_token), headers=JSON
    )
    assert stale.status_code == 400 and stale.json()["code"] == "stale_form"
    response = client.post(
        comments_url(article),
        form_data(article, name="", email="", form_token=token, body="Signed in."),
        headers=JSON,
    )
    assert response.status_code == 201
    comment = Comment.objects.get(pk=response.json()["comment_id"])
    assert (comment.user, comment.author_name, comment.author_email) == (
        reader,
        "Min Lee",
        "min@example.com",
    )


# --- posting without JavaScript ----------------------------------------------


def test_without_a_token_the_reader_checks_the_comment_and_sends_it_again(client, article):
    data = form_data(article, form_token="", body="Sent from a plain form.", name="No Script")
    response = client.post(comments_url(article), data)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find("h1").get_text() == "Check your comment"
    assert (
        "press “Post comment” to publish it" in soup.find(class_="comment-form__message").get_text()
    )
    form = soup.find("form", attrs={"data-comment-form": True})
    assert form.find("textarea").get_text().strip() == "Sent from a plain form."
    assert form.find("input", attrs={"name": "name"})["value"] == "No Script"
    fresh = form.find("input", attrs={"name": "form_token"})["value"]
    assert tokens.read_form_token(fresh).article_id == article.pk
    assert not Comment.objects.exists()

    resent = {
        field["name"]: field.get("value", "")
        for field in form.find_all("input")
        if field.get("name")
    }
    resent.update(body=form.find("textarea").get_text().strip(), notify="")
    done = client.post(comments_url(article), resent)
    assert done.status_code == 200
    comment = Comment.objects.get()
    page = BeautifulSoup(done.content, "html.parser")
    assert page.find("h1").get_text() == "Your comment is published"
    back = page.find("a", class_="button")["href"]
    assert back == f"{article.url}#comment-{comment.pk}"


def test_a_held_comment_without_javascript_links_back_to_the_thread(client):
    use_rules(moderation_mode="hold_all")
    article = make_article()
    response = client.post(comments_url(article), form_data(article))
    page = BeautifulSoup(response.content, "html.parser")
    assert page.find("h1").get_text() == "Your comment was received"
    assert services.HELD_MESSAGE in page.get_text()
    assert page.find("a", class_="button")["href"] == f"{article.url}#comments-{article.pk}"


def test_form_errors_without_javascript_are_shown_beside_the_fields(client, article):
    response = client.post(
        comments_url(article), form_data(article, email="nope", body="Kept text")
    )
    assert response.status_code == 400
    soup = BeautifulSoup(response.content, "html.parser")
    email = soup.find("input", attrs={"name": "email"})
    assert email["aria-invalid"] == "true"
    error = soup.find(id=f"c{article.pk}-email-error")
    assert error.get_text() == "Enter a valid email address." and not error.has_attr("hidden")
    assert error["id"] in email["aria-describedby"]
    assert soup.find("textarea").get_text().strip() == "Kept text"
    assert soup.find(id=f"c{article.pk}-name-error").has_attr("hidden")


def test_too_fast_without_javascript_gets_a_fresh_token_and_works_later(client):
    use_rules(min_submit_seconds=5)
    article = make_article()
    response = client.post(comments_url(article), form_data(article))
    assert response.status_code == 200
    assert "That was quick" in response.content.decode()
    token = re.search(rb'name="form_token" value="([^"]+)"', response.content).group(1).decode()
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=30)):
        done = client.post(comments_url(article), form_data(article, form_token=token))
    assert done.status_code == 200 and Comment.objects.count() == 1


def test_a_reply_without_javascript_starts_from_the_thread_page(client, article):
    parent = make_comment(article, author_name="Tom Lindqvist")
    section = section_of(article_html(client, article), article)
    reply_link = section.find("a", attrs={"data-reply": str(parent.pk)})
    assert reply_link["href"] == f"{comments_url(article)}?reply={parent.pk}#respond-{article.pk}"
    page = BeautifulSoup(client.get(reply_link["href"]).content, "html.parser")
    form = page.find("form", attrs={"data-comment-form": True})
    assert form.find("input", attrs={"name": "parent"})["value"] == str(parent.pk)
    replying = form.find(attrs={"data-replying": True})
    assert not replying.has_attr("hidden") and "Tom Lindqvist" in replying.get_text()


# --- editing within ten minutes ----------------------------------------------


def _posted(client, article, body="Orginal text.") -> dict:
    response = client.post(comments_url(article), form_data(article, body=body), headers=JSON)
    assert response.status_code == 201
    return response.json()


def test_the_author_may_edit_for_ten_minutes_and_the_edit_is_marked(client, article):
    posted = _posted(client, article)
    edit_url = f"/discussion/comments/{posted['comment_id']}/edit/"
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=9)):
        response = client.post(
            edit_url, {"body": "Original text.", "edit_token": posted["edit_token"]}
        )
    assert response.status_code == 200
    data = response.json()
    assert "<p>Original text.</p>" in data["html"] and "(edited)" in data["html"]
    comment = Comment.objects.get(pk=posted["comment_id"])
    assert comment.body == "Original text." and comment.edited_at is not None
    item = section_of(article_html(client, article), article).find(id=f"comment-{comment.pk}")
    assert item.find(class_="comment__edited").get_text() == "(edited)"


def test_an_edit_after_ten_minutes_is_refused(client, article):
    posted = _posted(client, article)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        response = client.post(
            f"/discussion/comments/{posted['comment_id']}/edit/",
            {"body": "Too late.", "edit_token": posted["edit_token"]},
        )
    assert response.status_code == 403 and response.json()["code"] == "edit_closed"
    assert Comment.objects.get(pk=posted["comment_id"]).body == "Orginal text."


def test_an_edit_with_another_comments_token_is_refused(client, article):
    mine = _posted(client, article)
    other = _posted(client, article, body="Someone else's.")
    for token in (mine["edit_token"], "", "forged:token"):
        response = client.post(
            f"/discussion/comments/{other['comment_id']}/edit/",
            {"body": "Hijacked.", "edit_token": token},
        )
        assert response.status_code in (400, 403)
    assert Comment.objects.get(pk=other["comment_id"]).body == "Someone else's."
    cross = client.post(
        f"/discussion/comments/{mine['comment_id']}/edit/",
        {"body": "From elsewhere.", "edit_token": mine["edit_token"]},
        headers={"Origin": "https://evil.example"},
    )
    assert cross.status_code == 403
    assert Comment.objects.get(pk=mine["comment_id"]).body == "Orginal text."


def test_edit_form_errors_are_field_errors(client, article):
    posted = _posted(client, article)
    response = client.post(
        f"/discussion/comments/{posted['comment_id']}/edit/",
        {"body": "x" * 5001, "edit_token": posted["edit_token"]},
    )
    assert response.status_code == 400
    assert "body" in response.json()["errors"]


def test_a_comment_older_than_its_article_page_is_still_editable_only_by_token(client):
    """Closing by age does not stop an author fixing a typo in the ten minutes."""
    use_rules(close_after_days=1)
    article = make_article(published_at=days_ago(0.999))  # closes in about a minute and a half
    posted = _posted(client, article)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        response = client.post(
            f"/discussion/comments/{posted['comment_id']}/edit/",
            {"body": "Fixed.", "edit_token": posted["edit_token"]},
        )
    assert response.status_code == 200


def test_notify_of_subscribes_the_commenter(client, article):
    response = client.post(
        comments_url(article),
        form_data(article, notify="replies", email="Notify.Me@example.com"),
        headers=JSON,
    )
    assert response.status_code == 201
    subscription = Subscription.objects.get(article=article)
    assert (subscription.email, subscription.kind) == ("notify.me@example.com", "replies")
    bad = client.post(comments_url(article), form_data(article, notify="everything"), headers=JSON)
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["notify"]
