"""The thread as readers see it: nesting, sorting, pages, "Load more", the script's partial."""

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from masthead.discussion.models import Comment
from tests.newsroom.factories import make_article

from .factories import make_comment
from .test_views import JSON, article_html, comments_url, form_data, section_of, use_rules

pytestmark = pytest.mark.django_db


def _ids(container) -> list[int]:
    """Comment ids at the top level of a list, in page order."""
    return [int(li["data-comment-id"]) for li in container.find_all("li", recursive=False)]


def _top_list(section):
    return section.find("ol", attrs={"data-comment-list": True})


def _comments(article, n, **fields) -> list[Comment]:
    start = timezone.now() - dt.timedelta(hours=n)
    return [
        make_comment(
            article, body=f"Comment {i}", created_at=start + dt.timedelta(minutes=i), **fields
        )
        for i in range(n)
    ]


def test_replies_nest_under_their_parents_and_stop_at_the_site_depth(client):
    use_rules(max_depth=3)
    article = make_article()
    post = f"/discussion/articles/{article.pk}/comments/"
    ids = []
    parent = ""
    for body in ("Top", "Second level", "Third level", "A reply to the third"):
        response = client.post(post, form_data(article, body=body, parent=parent), headers=JSON)
        assert response.status_code == 201
        ids.append(response.json()["comment_id"])
        parent = str(ids[-1])
    section = section_of(article_html(client, article), article)
    top = section.find("li", id=f"comment-{ids[0]}")
    second = top.find("ol", class_="comment-list--replies").find("li", recursive=False)
    assert second["id"] == f"comment-{ids[1]}"
    third_level = second.find("ol", class_="comment-list--replies").find_all("li", recursive=False)
    # The reply to the deepest comment continues beside it, one indent in from the top.
    assert [li["id"] for li in third_level] == [f"comment-{ids[2]}", f"comment-{ids[3]}"]
    assert [li["data-depth"] for li in third_level] == ["2", "2"]
    assert third_level[0].find("ol") is None
    # Reply is offered where a reply can nest deeper, not at the deepest level.
    assert top.find("a", attrs={"data-reply": str(ids[0])}) is not None
    assert second.find("a", attrs={"data-reply": str(ids[1])}) is not None
    assert third_level[0].find("a", attrs={"data-reply": True}) is None


def test_depth_one_shows_no_reply_links(client):
    use_rules(max_depth=1)
    article = make_article()
    make_comment(article)
    section = section_of(article_html(client, article), article)
    assert section.find("a", attrs={"data-reply": True}) is None
    assert section.find("form", attrs={"data-comment-form": True}) is not None


def test_sort_orders_the_thread_and_pinned_comments_lead(client):
    use_rules()
    article = make_article()
    old, middle, new = _comments(article, 3)
    Comment.objects.filter(pk=middle.pk).update(score=5, upvotes=5)
    Comment.objects.filter(pk=old.pk).update(score=-1, downvotes=1)
    url = comments_url(article)
    expectations = {
        "oldest": [old.pk, middle.pk, new.pk],
        "newest": [new.pk, middle.pk, old.pk],
        "votes": [middle.pk, new.pk, old.pk],
    }
    for sort, expected in expectations.items():
        page = BeautifulSoup(client.get(url, {"sort": sort}).content, "html.parser")
        section = page.find("section", attrs={"data-discussion": True})
        assert _ids(_top_list(section)) == expected, sort
        current = section.find("a", attrs={"aria-current": "true"})
        assert current["data-sort"] == sort
    Comment.objects.filter(pk=new.pk).update(is_pinned=True)
    page = BeautifulSoup(client.get(url, {"sort": "oldest"}).content, "html.parser")
    assert _ids(_top_list(page.find("section")))[0] == new.pk


def test_the_article_shows_the_first_page_and_a_load_more_link(client):
    use_rules(page_size=5)
    article = make_article()
    comments = _comments(article, 7)
    section = section_of(article_html(client, article), article)
    assert _ids(_top_list(section)) == [c.pk for c in comments[:5]]
    assert section.find("h2").get_text(strip=True) == "7 comments"
    more = section.find("a", attrs={"data-load-more": True})
    assert more.get_text() == "Load more comments"
    assert more["href"] == f"{comments_url(article)}?sort=oldest&page=2"

    second = client.get(more["href"])
    assert second.status_code == 200
    page = BeautifulSoup(second.content, "html.parser")
    assert _ids(_top_list(page.find("section"))) == [c.pk for c in comments[5:]]
    assert page.find("a", attrs={"data-load-more": True}) is None
    assert page.find("a", string="First page")["href"] == f"{comments_url(article)}?sort=oldest"
    assert "noindex" in page.find("meta", attrs={"name": "robots"})["content"]


def test_partial_answers_only_the_items_and_the_next_link(client):
    use_rules(page_size=5)
    article = make_article()
    comments = _comments(article, 12)
    response = client.get(comments_url(article), {"sort": "newest", "page": "2", "partial": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and '<form class="comment-form"' not in html
    partial = BeautifulSoup(html, "html.parser").find(attrs={"data-thread-partial": True})
    newest_first = [c.pk for c in reversed(comments)]
    assert _ids(partial.find("ol")) == newest_first[5:10]
    assert partial["data-next-url"] == f"{comments_url(article)}?sort=newest&page=3"
    last = client.get(comments_url(article), {"sort": "newest", "page": "3", "partial": "1"})
    last_partial = BeautifulSoup(last.content, "html.parser").find(
        attrs={"data-thread-partial": True}
    )
    assert _ids(last_partial.find("ol")) == newest_first[10:]
    assert not last_partial.has_attr("data-next-url")


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "<script>alert(1)</script>"},
        {"sort": "-created_at"},
        {"sort": "oldest\r\nSet-Cookie: x=1"},
        {"page": "-1"},
        {"page": "0"},
        {"page": "1e9"},
        {"page": "99999999999999999999999999"},
        {"page": "NaN"},
        {"page": "\x00"},
        {"page": "2' OR '1'='1"},
        {"reply": "<svg onload=alert(1)>"},
        {"reply": "99999999999999999999999999"},
        {"partial": "1", "sort": '"><img src=x onerror=alert(1)>', "page": "\ud7ff"},
    ],
)
def test_hostile_sort_page_and_reply_values_fall_back_safely(client, params):
    use_rules()
    article = make_article()
    comment = make_comment(article, body="Still here.")
    response = client.get(comments_url(article), params)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="comment-{comment.pk}"' in html
    for hostile in ("<script>alert", "onerror=alert", "onload=alert", "Set-Cookie"):
        assert hostile not in html
    assert "x=1" not in response.cookies


def test_a_page_past_the_end_says_there_is_nothing_more(client):
    use_rules()
    article = make_article()
    make_comment(article)
    page = BeautifulSoup(client.get(comments_url(article), {"page": "40"}).content, "html.parser")
    assert "There are no more comments." in page.get_text()
    assert _ids(_top_list(page.find("section"))) == []


def test_thread_of_an_unpublished_article_is_not_found(client):
    use_rules()
    article = make_article()
    make_comment(article, body="Hidden with the article.")
    article.unpublish()
    response = client.get(comments_url(article))
    assert response.status_code == 404
    assert b"Hidden with the article." not in response.content


def test_continued_article_fragments_carry_their_own_comment_section(client):
    use_rules()
    article = make_article()
    comment = make_comment(article)
    html = client.get(article.url, {"fragment": "1"}).content.decode()
    section = section_of(html, article)
    assert section.find("li", id=f"comment-{comment.pk}") is not None
    story = BeautifulSoup(html, "html.parser").find("article", class_="story")
    assert story.find("section", class_="discussion") is not None  # inside the story
