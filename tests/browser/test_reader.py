"""A reader opens the home page, then an article, and keeps scrolling into older ones."""

import pytest

from tests.browser.pages import ReaderArticle
from tests.newsroom.factories import days_ago, make_article, make_section

pytestmark = pytest.mark.django_db(transaction=True)

LONG_BODY = [("paragraph", "<p>" + "The tide came in slowly over the flats. " * 60 + "</p>")] * 3


def test_reader_scrolls_through_continued_articles(live_server, page):
    news = make_section("News")
    articles = [
        make_article(
            section=news,
            title=f"Harbour dispatch {n}",
            body=LONG_BODY,
            published_at=days_ago(n),
        )
        for n in range(1, 14)
    ]
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Harbour dispatch 1").first.click()
    page.wait_for_url(f"**{articles[0].url}")
    assert page.locator("h1").first.inner_text() == "Harbour dispatch 1"

    reader = ReaderArticle(page)
    reader.scroll_until_stories(11)  # the first article plus ten continued ones
    assert reader.story_count() >= 11

    for index in (1, 2, 3, 10):
        reader.scroll_story_into_view(index)
        expected = articles[index]
        page.wait_for_function(
            "path => window.location.pathname === path", arg=expected.url, timeout=5000
        )
        assert expected.title in page.title()

    ids = page.eval_on_selector_all("article.story", "els => els.map(e => e.dataset.articleId)")
    assert len(ids) == len(set(ids)), "an article was appended twice"


def test_next_article_link_works_without_javascript(live_server, browser):
    news = make_section("News")
    older = make_article(section=news, title="Older piece", published_at=days_ago(2))
    newer = make_article(section=news, title="Newer piece", published_at=days_ago(1))
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + newer.url)
    page.locator("a.next-article").click()
    page.wait_for_url(f"**{older.url}")
    assert page.locator("h1").first.inner_text() == "Older piece"
    assert page.locator("article.story").count() == 1
    context.close()
