"""An editor signs in, writes and publishes an article; readers find it everywhere."""

import feedparser
import pytest

from masthead.newsroom.models import ArticlePage
from tests.browser.pages import AdminEditor
from tests.newsroom.factories import AuthorFactory, make_article, make_section

pytestmark = pytest.mark.django_db(transaction=True)


def test_editor_writes_and_publishes_an_article(live_server, page, django_user_model, client):
    django_user_model.objects.create_superuser("editor", "editor@example.com", "correct-horse-9")
    news = make_section("News")
    make_section("Latest", slug="latest", lists_all=True)
    make_article(section=news, title="An older story")
    AuthorFactory(name="Mira Okafor", slug="mira-okafor")

    editor = AdminEditor(page, live_server.url)
    editor.sign_in("editor", "correct-horse-9")
    editor.add_article(news.pk)
    editor.fill_article(
        headline="Night ferry returns for summer",
        standfirst="The harbour's late crossing restarts on Friday.",
        author="Mira Okafor",
    )
    editor.publish()

    article = ArticlePage.objects.get(title="Night ferry returns for summer")
    assert article.live
    assert [a.name for a in article.author_list] == ["Mira Okafor"]

    for path in ("/", news.url, "/latest/"):
        page.goto(live_server.url + path)
        assert page.get_by_role("link", name="Night ferry returns for summer").count() >= 1, path

    feed = feedparser.parse(client.get("/feed/rss/").content)
    assert feed.entries[0].title == "Night ferry returns for summer"
