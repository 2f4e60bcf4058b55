"""Hostile input in every field of the discussion API: never a server error, always problem
details for what is refused, and what is accepted comes back as data, never as markup."""

import json
from html.parser import HTMLParser

import pytest

from masthead.discussion.models import Comment, Subscription
from tests.discussion import test_api
from tests.discussion.factories import make_comment
from tests.discussion.test_api import assert_problem, comments_url, post_json, send

# The same fixtures as the main API tests: open site rules and one published article.
site_rules = test_api.site_rules
article = test_api.article

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
HANDLER = '<img src=x onerror="alert(1)">'
LINK = '<a href="javascript:alert(1)">click</a>'
ENTITIES = "&lt;b&gt; &amp; &#x3C;script&#x3E; &quot;"
QUOTED_URL = 'https://example.com/"onmouseover="alert(1)'


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_in(html: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def assert_inert(body_html: str) -> None:
    """Only the markup render_body makes: paragraphs, breaks, and plain http(s) links."""
    for tag, attrs in tags_in(body_html):
        assert tag in {"p", "br", "a"}, body_html
        if tag == "a":
            assert set(attrs) == {"href", "rel"}, body_html
            assert attrs["href"].startswith(("http://", "https://")), body_html
            assert attrs["rel"] == "nofollow ugc noopener"
        else:
            assert attrs == {}, body_html


@pytest.fixture(autouse=True)
def _no_server_errors(client):
    # An exception inside a view answers 500 here instead of failing the test with a traceback,
    # so that "never a 500" is what the assertions check.
    client.raise_request_exception = False


@pytest.mark.parametrize(
    "body",
    [
        SCRIPT,
        HANDLER,
        LINK,
        ENTITIES,
        QUOTED_URL,
        "javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "<<script>script>alert(1)<</script>/script>",
        "www.example.com/<svg/onload=alert(1)>",
        "Ünïcödé ✓ \u202eevil\u202c and 🙂",
    ],
)
def test_hostile_bodies_are_stored_as_written_and_shown_escaped(client, article, body):
    response = send(client, article, body=body)
    assert response.status_code == 201, response.content
    assert response["Content-Type"].startswith("application/json")
    shown = response.json()["comment"]
    assert shown["body_text"] == body
    assert Comment.objects.get().body == body
    assert_inert(shown["body_html"])
    listed = client.get(comments_url(article)).json()["comments"][0]
    assert listed["body_html"] == shown["body_html"] and listed["body_text"] == body


def test_entities_are_escaped_again_not_decoded(client, article):
    shown = send(client, article, body=ENTITIES).json()["comment"]
    assert shown["body_html"] == (
        "<p>&amp;lt;b&amp;gt; &amp;amp; &amp;#x3C;script&amp;#x3E; &amp;quot;</p>"
    )


def test_a_quote_cannot_break_out_of_a_made_link(client, article):
    shown = send(client, article, body=QUOTED_URL).json()["comment"]
    links = [attrs for tag, attrs in tags_in(shown["body_html"]) if tag == "a"]
    assert [attrs["href"] for attrs in links] == ["https://example.com/"]
    assert "&quot;onmouseover=&quot;" in shown["body_html"]


@pytest.mark.parametrize("name", [SCRIPT[:80], HANDLER, "&amp; Co", 'O\'Brien "Bob"'])
def test_hostile_names_are_returned_as_plain_data(client, article, name):
    response = send(client, article, name=name)
    assert response.status_code == 201, response.content
    author = response.json()["comment"]["author"]
    assert author["name"] == name
    assert Comment.objects.get().author_name == name
    assert len(author["avatar"]["initials"]) <= 2 and "<" not in author["avatar"]["initials"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "Ann\r\nBcc: victim@example.com"}, "name"),
        ({"name": "Ann\nReader"}, "name"),
        ({"name": "Ann\x00"}, "name"),
        ({"name": "Ann\x1b[31m"}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 81}, "name"),
        ({"email": "ann@example.com\r\nBcc: victim@example.com"}, "email"),
        ({"email": "ann@example.com\nX-Injected: yes"}, "email"),
        ({"email": "ann\x00@example.com"}, "email"),
        ({"email": "<script>@example.com"}, "email"),
        ({"email": "a" * 250 + "@example.com"}, "email"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"website": "JavaScript:alert(1)"}, "website"),
        ({"website": "data:text/html,<script>alert(1)</script>"}, "website"),
        ({"website": "vbscript:msgbox(1)"}, "website"),
        ({"website": "https://example.com/\r\nSet-Cookie: a=b"}, "website"),
        ({"website": "https://" + "a" * 200 + ".example"}, "website"),
        ({"body": "Hello\x00world"}, "body"),
        ({"body": "Bell\x07"}, "body"),
        ({"body": " \n\t "}, "body"),
        ({"body": "x" * 5001}, "body"),
        ({"notify": "everything"}, "notify"),
        ({"parent_id": 0}, "parent_id"),
        ({"parent_id": -1}, "parent_id"),
        ({"parent_id": 2**63}, "parent_id"),
        ({"parent_id": "1"}, "parent_id"),
        ({"parent_id": True}, "parent_id"),
        ({"parent_id": 1.5}, "parent_id"),
        ({"form_token": "x" * 201}, "form_token"),
        ({"phone": "x" * 201}, "phone"),
        ({"name": 5}, "name"),
        ({"body": ["a"]}, "body"),
        ({"email": None}, "email"),
        ({"name": "Ann\ud800"}, "name"),
        ({"body": "lone \udfff surrogate"}, "body"),
    ],
)
def test_hostile_fields_are_422_naming_the_field(client, article, fields, field):
    response = send(client, article, **fields)
    problem = assert_problem(response, 422)
    assert field in {error["loc"][-1] for error in problem["errors"]}
    assert all(error["loc"][0] == "body" for error in problem["errors"])
    assert not Comment.objects.exists()


def test_a_website_with_markup_characters_comes_back_as_data_only(client, article):
    website = 'https://example.com/"><script>alert(1)</script>'
    shown = send(client, article, website=website).json()["comment"]
    assert shown["author"]["website"] == website
    assert "script" not in shown["body_html"]


@pytest.mark.parametrize(
    ("raw", "content_type", "status"),
    [
        (b"\xff\xfe\x00{", "application/json", 400),
        (b'{"name": "Ann\xc3", "email": "a@example.com"}', "application/json", 400),
        (b"not json at all", "application/json", 400),
        (b"name=Ann&email=a%40example.com&body=hi", "application/x-www-form-urlencoded", 400),
        (b"[" * 100_000, "application/json", 400),
        (b'{"name": "Ann"', "application/json", 400),
        (b"[1, 2]", "application/json", 422),
        (b'"a string"', "application/json", 422),
        (b"null", "application/json", 422),
        (b"42", "application/json", 422),
        (b"", "application/json", 422),
        (b"{}", "application/json", 422),
    ],
)
def test_bodies_that_are_not_a_json_object_are_problems(client, article, raw, content_type, status):
    for url in (
        comments_url(article),
        f"/api/v1/articles/{article.pk}/subscriptions",
        f"/api/v1/comments/{make_comment(article).pk}/edit",
        f"/api/v1/comments/{make_comment(article).pk}/votes",
    ):
        assert_problem(client.post(url, raw, content_type=content_type), status)
    assert Comment.objects.count() == 2 and not Subscription.objects.exists()


def test_a_body_over_the_upload_limit_is_413(client, article, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    payload = {"name": "Ann", "email": "a@example.com", "body": "x" * 20_000, "form_token": "t"}
    response = client.post(comments_url(article), payload, content_type="application/json")
    assert_problem(response, 413)


@pytest.mark.parametrize(
    "query",
    [
        "sort=%3Cscript%3Ealert(1)%3C/script%3E",
        "sort=oldest%00",
        "sort=" + "x" * 10_000,
        "page=%3Cscript%3E",
        "page=1%00",
        "page=99999999999999999999999999",
        "page=1e3",
        "page=%0D%0ASet-Cookie:%20a=b",
    ],
)
def test_hostile_thread_parameters_are_422(client, article, query):
    problem = assert_problem(client.get(comments_url(article, query)), 422)
    assert problem["errors"][0]["loc"][0] == "query"
    assert "<script>" not in problem["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/articles/abc/comments",
        "/api/v1/articles/1%0A2/comments",
        "/api/v1/articles/99999999999999999999999/comments",
        "/api/v1/articles/-4/comment-token",
        "/api/v1/articles/%3Cscript%3E/comments",
    ],
)
def test_hostile_ids_in_the_path_are_422(client, path):
    problem = assert_problem(client.get(path), 422)
    assert problem["errors"][0]["loc"][0] == "path"


def test_hostile_ids_in_post_paths_are_422(client, article):
    for path in (
        "/api/v1/comments/%3Cscript%3E/votes",
        "/api/v1/comments/1%0D%0A/edit",
        "/api/v1/articles/0/subscriptions",
    ):
        assert_problem(post_json(client, path, {"value": 1}), 422)


@pytest.mark.parametrize(
    "body", [SCRIPT, "Hello\x00", "x" * 5001, "\r\n\r\n", "lone \ud800", "line\nbreak <b>ok</b>"]
)
def test_hostile_edits_are_refused_or_stored_escaped(client, article, body):
    posted = send(client, article).json()
    url = f"/api/v1/comments/{posted['id']}/edit"
    response = post_json(client, url, {"body": body, "edit_token": posted["edit_token"]})
    if body in (SCRIPT, "line\nbreak <b>ok</b>"):
        assert response.status_code == 200
        assert response.json()["body_text"] == body
        assert_inert(response.json()["body_html"])
        assert "&lt;" in response.json()["body_html"]
    else:
        assert_problem(response, 422)
        assert Comment.objects.get().body == "A thoughtful comment."


@pytest.mark.parametrize(
    "token", ["", "x" * 201, "1:forged\r\nSet-Cookie: a=b", "\x00", "lone \ud800"]
)
def test_hostile_edit_tokens_never_edit(client, article, token):
    posted = send(client, article).json()
    url = f"/api/v1/comments/{posted['id']}/edit"
    response = post_json(client, url, {"body": "Hijacked", "edit_token": token})
    assert response.status_code in (403, 422)
    assert_problem(response, response.status_code)
    assert Comment.objects.get().body == "A thoughtful comment."


@pytest.mark.parametrize(
    "email",
    [
        "a@example.com\r\nBcc: victim@example.com",
        "a@example.com\nBcc: victim@example.com",
        "a@example.com>, victim@example.com",
        "<script>@example.com",
        "a\x00@example.com",
        "a" * 255 + "@example.com",
        "lone\ud800@example.com",
    ],
)
def test_hostile_subscription_addresses_are_422_and_mail_nobody(client, article, email):
    url = f"/api/v1/articles/{article.pk}/subscriptions"
    problem = assert_problem(post_json(client, url, {"email": email, "kind": "all"}), 422)
    assert {error["loc"][-1] for error in problem["errors"]} == {"email"}
    assert not Subscription.objects.exists()


def test_a_comment_id_of_another_article_cannot_be_the_parent(client, site_rules, article):
    from tests.newsroom.factories import make_article

    elsewhere = make_comment(make_article())
    response = send(client, article, parent_id=elsewhere.pk)
    assert_problem(response, 400, "bad_parent")


def test_an_unknown_parent_id_in_range_is_a_refusal_not_an_error(client, article):
    assert_problem(send(client, article, parent_id=2**63 - 1), 400, "bad_parent")


def test_problem_details_never_echo_markup_as_html(client, article):
    response = send(client, article, name="<script>\n", body=SCRIPT)
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["status"] == 422
