"""A reader scrolls through three continued articles: three beacons, three views."""

import pytest

from masthead.metrics.models import ArticleViewTotal
from masthead.metrics.selectors import forget_known_articles
from masthead.metrics.services import flush_views, reset_process_state
from tests.browser.pages import ReaderArticle
from tests.newsroom.factories import days_ago, make_article, make_section

pytestmark = pytest.mark.django_db(transaction=True)

LONG_BODY = [("paragraph", "<p>" + "The tide came in slowly over the flats. " * 60 + "</p>")] * 3


def wait_until(page, condition, attempts: int = 150) -> None:
    """Let the page run until `condition()` holds (up to 15 s); the caller asserts after."""
    for _ in range(attempts):
        if condition():
            return
        page.wait_for_timeout(100)


def totals(articles) -> list[int]:
    stored = dict(
        ArticleViewTotal.objects.filter(article__in=articles).values_list("article_id", "views")
    )
    return [stored.get(a.pk, 0) for a in articles]


READER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


@pytest.fixture
def reader_page(browser):
    """A page that presents itself as a reader's browser: headless Chromium's own user
    agent ("HeadlessChrome") is on the crawler list, rightly, and would not count."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, user_agent=READER_UA)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_three_continued_articles_send_three_beacons(live_server, reader_page):
    page = reader_page
    reset_process_state()
    forget_known_articles()
    news = make_section("News")
    articles = [
        make_article(
            section=news, title=f"Tide report {n}", body=LONG_BODY, published_at=days_ago(n)
        )
        for n in range(1, 4)
    ]
    beacons, answers = [], []
    page.on(
        "request",
        lambda request: (
            beacons.append(request.post_data) if request.url.endswith("/metrics/view/") else None
        ),
    )
    page.on(
        "response",
        lambda response: (
            answers.append(response.status) if response.url.endswith("/metrics/view/") else None
        ),
    )
    page.goto(live_server.url + articles[0].url)
    reader = ReaderArticle(page)
    for index in range(3):
        reader.scroll_until_stories(index + 1)
        reader.scroll_story_into_view(index)
        # The beacon goes once the article has been in view for a second.
        wait_until(page, lambda n=index + 1: len(answers) >= n)
        assert len(beacons) == index + 1
    reader.scroll_to_end()
    page.wait_for_timeout(1500)  # time enough for any stray beacon to show up
    assert sorted(beacons) == sorted(f"a={a.pk}" for a in articles)
    assert answers == [204, 204, 204]

    assert totals(articles) == [0, 0, 0]
    assert flush_views() == 3
    assert totals(articles) == [1, 1, 1]

    # The page, even if served from a cache, shows the new count once loaded.
    page.goto(live_server.url + articles[1].url)
    count = page.locator(f'.story [data-view-count="{articles[1].pk}"]').first
    count.wait_for()
    page.wait_for_function("el => el.textContent.trim() === '1 view'", arg=count.element_handle())
    page.wait_for_timeout(1300)  # the second visit's beacon is a repeat within 30 minutes
    assert flush_views() == 0
    assert totals(articles) == [1, 1, 1]
