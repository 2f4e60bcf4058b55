"""Search over headline, standfirst, body, authors and tags, safe against any query."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from masthead.newsroom.selectors import search_articles
from tests.newsroom.factories import AuthorFactory, make_article, make_section

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus():
    news = make_section("News")
    return {
        "headline": make_article(section=news, title="Lighthouse keeper retires"),
        "standfirst": make_article(
            section=news, title="Quiet week", standfirst="The marmalade festival is postponed."
        ),
        "body": make_article(
            section=news, title="Council notes", body=[("paragraph", "<p>Zeppelin hangar plan</p>")]
        ),
        "author": make_article(
            section=news, title="Column", authors=[AuthorFactory(name="Odalys Brightwater")]
        ),
        "tag": make_article(section=news, title="Weekend", tags=["kayaking"]),
        "draft": make_article(section=news, title="Lighthouse draft", live=False),
    }


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("lighthouse", "headline"),
        ("marmalade", "standfirst"),
        ("zeppelin", "body"),
        ("Brightwater", "author"),
        ("kayaking", "tag"),
    ],
)
def test_search_finds_each_field(corpus, query, key):
    found = [a.pk for a in search_articles(query)]
    assert corpus[key].pk in found
    assert corpus["draft"].pk not in found


def test_search_page_lists_results_and_paginates(client, corpus):
    response = client.get("/search/", {"q": "lighthouse"})
    assert response.status_code == 200
    assert b"Lighthouse keeper retires" in response.content
    assert b"Lighthouse draft" not in response.content
    assert client.get("/search/", {"q": "lighthouse", "page": "999"}).status_code == 200
    assert client.get("/search/", {"q": "lighthouse", "page": "x"}).status_code == 200


HOSTILE = [
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    '"unbalanced',
    "a AND OR NOT",
    "*",
    "-",
    "\x00nul",
    "😀 ünïcode",
    "x" * 5000,
    "%' ; DROP TABLE wagtailcore_page; --",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_answer_200_and_are_escaped(client, corpus, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(max_size=80))
def test_any_text_is_a_valid_query(corpus, query):
    list(search_articles(query))
