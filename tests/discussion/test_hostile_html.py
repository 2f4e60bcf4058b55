"""Hostile input in every field of the comment form never becomes markup on the page.

Each value is either refused with a field error (and shown back escaped on the
"check your comment" page) or stored as typed and shown escaped in the article.
"""

import re
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.utils.csp import build_policy

from masthead.discussion.models import Comment
from tests.newsroom.factories import make_article

from .factories import make_comment
from .test_views import JSON, article_html, comments_url, form_data, section_of, use_rules

pytestmark = pytest.mark.django_db

# Strings that must never reach a page as they are: each would be live markup.
LIVE_MARKUP = (
    "<script>alert",
    "<img src=x onerror",
    'onmouseover="alert',
    'href="javascript:',
    "<b>bold</b>",
    "<svg onload",
)


@pytest.fixture
def article():
    use_rules(max_links=5)
    return make_article()


def assert_inert(html: str) -> None:
    for live in LIVE_MARKUP:
        assert live not in html, live
    # Only our own attributes: no inline style, no event handler anywhere in the thread.
    soup = BeautifulSoup(html, "html.parser")
    for section in soup.find_all("section", class_="discussion"):
        for element in section.find_all(True):
            assert "style" not in element.attrs, element
            assert not [a for a in element.attrs if a.lower().startswith("on")], element


ACCEPTED = [
    # (field, value, what the page must show instead, escaped)
    ("name", '<script>alert("n")</script>', "&lt;script&gt;alert(&quot;n&quot;)&lt;/script&gt;"),
    ("name", "<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
    ("name", "Tom &amp; Jerry &#60;b&#62;", "Tom &amp;amp; Jerry &amp;#60;b&amp;#62;"),
    ("body", '<script>alert("b")</script>', "&lt;script&gt;alert(&quot;b&quot;)&lt;/script&gt;"),
    ("body", "<b>bold</b> and <svg onload=alert(1)>", "&lt;b&gt;bold&lt;/b&gt; and &lt;svg"),
    ("body", '<a href="javascript:alert(1)">x</a>', "&lt;a href=&quot;javascript:alert(1)"),
    ("body", "javascript:alert(document.cookie)", "javascript:alert(document.cookie)"),
    ("body", "&lt;script&gt; &#x3C;b&#x3E;", "&amp;lt;script&amp;gt; &amp;#x3C;b&amp;#x3E;"),
    ("body", 'See https://ok.example/"onmouseover="alert(1) now', "https://ok.example/"),
    ("website", 'https://x.example/"onmouseover="alert(1)', "https://x.example/&quot;onmouseover"),
    ("website", "https://x.example/<script>alert(1)</script>", "https://x.example/&lt;script&gt;"),
]


@pytest.mark.parametrize(("field", "value", "shown"), ACCEPTED)
def test_accepted_hostile_values_are_stored_as_typed_and_shown_escaped(
    client, article, field, value, shown
):
    response = client.post(
        comments_url(article), form_data(article, **{field: value}), headers=JSON
    )
    assert response.status_code == 201, response.json()
    comment = Comment.objects.get(pk=response.json()["comment_id"])
    stored = {"name": comment.author_name, "body": comment.body, "website": comment.author_website}
    assert stored[field] == value
    assert_inert(response.json()["html"])
    html = article_html(client, article)
    assert_inert(html)
    assert shown in str(section_of(html, article)) or shown in html


def test_a_link_in_a_comment_is_a_plain_nofollow_link(client, article):
    body = "Sources: https://ok.example/report?a=1&b=<2> and www.example.org"
    response = client.post(comments_url(article), form_data(article, body=body), headers=JSON)
    links = BeautifulSoup(response.json()["html"], "html.parser").select(".comment__body a")
    assert [a["rel"] for a in links] == [["nofollow", "ugc", "noopener"]] * 2
    assert [a.get_text() for a in links] == ["https://ok.example/report?a=1&b=", "www.example.org"]
    assert all(set(a.attrs) == {"href", "rel"} for a in links)


REFUSED = [
    ("name", "Ann\r\nBcc: victim@example.com", "Your name must be on one line."),
    ("name", "Ann\x00Reader", "Null characters are not allowed."),
    ("name", "N" * 81, "Ensure this value has at most 80 characters (it has 81)."),
    ("email", "ann@example.com\r\nBcc: victim@example.com", "Enter a valid email address."),
    ("email", "<script>alert(1)</script>@example.com", "Enter a valid email address."),
    ("email", "ann\x00@example.com", "Enter a valid email address."),
    ("email", "a" * 250 + "@example.com", None),
    ("website", "javascript:alert(1)", "Enter a valid URL."),
    ("website", "data:text/html,<script>alert(1)</script>", "Enter a valid URL."),
    ("website", "https://x.example/\r\nSet-Cookie: a=b", None),
    ("body", "Hello\x00<script>alert(1)</script>", "Null characters are not allowed."),
    ("body", "Bell \x07 <b>bold</b>", None),
    ("body", "x" * 5001, "Ensure this value has at most 5000 characters (it has 5001)."),
]


@pytest.mark.parametrize(("field", "value", "message"), REFUSED)
def test_refused_values_get_a_field_error_and_are_shown_back_escaped(
    client, article, field, value, message
):
    response = client.post(
        comments_url(article), form_data(article, **{field: value}), headers=JSON
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == [field]
    if message:
        assert errors[field][0] == message
    assert len(errors[field]) == len(set(errors[field]))  # each error said once
    no_js = client.post(comments_url(article), form_data(article, **{field: value}))
    assert no_js.status_code == 400
    page = no_js.content.decode()
    assert_inert(page)
    error = BeautifulSoup(page, "html.parser").find(id=f"c{article.pk}-{field}-error")
    assert error.get_text() and not error.has_attr("hidden")
    assert not Comment.objects.exists()
    assert_inert(article_html(client, article))


def test_invalid_utf8_in_the_form_body_is_replaced_not_rendered(client, article):
    token = form_data(article)["form_token"]
    raw = (
        b"name=Ann&email=ann%40example.com&body=caf%C3%A9%FF%FE%3Cscript%3Ealert(1)%3C%2Fscript%3E"
        b"&form_token=" + quote(token).encode()
    )
    response = client.post(
        comments_url(article),
        raw,
        content_type="application/x-www-form-urlencoded",
        headers=JSON,
    )
    assert response.status_code == 201
    comment = Comment.objects.get()
    assert comment.body == "café\ufffd\ufffd<script>alert(1)</script>"
    html = article_html(client, article)
    assert_inert(html)
    assert "café\ufffd\ufffd&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_invalid_utf8_and_nul_in_a_no_js_post_re_render_safely(client, article):
    raw = b"name=%00%FF%3Cscript%3E&email=x%0D%0ABcc%3Ay&body=%3Csvg%20onload%3Dalert(1)%3E"
    response = client.post(
        comments_url(article), raw, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert_inert(response.content.decode())
    assert not Comment.objects.exists()


def test_hostile_values_in_stored_comments_cannot_break_out_even_if_stored_by_other_paths(
    client, article
):
    """Comments written by the admin or imported skip the form; the page still escapes them."""
    make_comment(
        article,
        author_name='"><script>alert(1)</script>',
        author_website="javascript:alert(1)",
        body="</textarea><script>alert(1)</script>\n\n<img src=x onerror=alert(1)>",
    )
    html = article_html(client, article)
    assert_inert(html)
    author = section_of(html, article).find(class_="comment__author")
    assert author.find("a") is None  # a javascript: website is shown as no link at all
    assert author.get_text() == '"><script>alert(1)</script>'


def _normalised_policy(header: str) -> str:
    return re.sub(r"'nonce-[^']+'", "'nonce-N'", header)


def test_the_article_keeps_its_strict_content_security_policy(client, article):
    empty = client.get(article.url)
    make_comment(article, author_name="<script>x</script>", body="<img src=x onerror=alert(1)>")
    html = article_html(client, article)
    response = client.get(article.url)
    policy = response["Content-Security-Policy"]
    assert _normalised_policy(policy) == _normalised_policy(build_policy(settings.SECURE_CSP, "N"))
    assert _normalised_policy(policy) == _normalised_policy(empty["Content-Security-Policy"])
    assert "unsafe-inline" not in policy and "gravatar" not in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    scripts = BeautifulSoup(response.content, "html.parser").find_all("script")
    assert any(s.get("src", "").endswith("discussion/js/discussion.js") for s in scripts)
    assert all(s.get("nonce") == nonce for s in scripts)
    assert_inert(html)
