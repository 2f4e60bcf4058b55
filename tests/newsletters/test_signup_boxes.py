"""The signup boxes on cached pages: in the sidebar and after each article, as the settings
say, with the open lists; saving either the settings or a list shows on the next page."""

import re

import pytest

from masthead.newsletters.models import Newsletter, NewsletterSettings
from tests.newsroom.factories import default_site, make_article, make_section

from . import signup_fixtures
from .signup_fixtures import make_newsletter

lists = signup_fixtures.lists

pytestmark = pytest.mark.django_db

SIDEBAR = "newsletter-signup--sidebar"
AFTER_ARTICLE = "newsletter-signup--article"


@pytest.fixture
def article(db):
    return make_article(section=make_section("News"), title="Harbour dredging starts")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs what a commit runs (the page-cache bump): the test's transaction never commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _rules(**fields) -> None:
    rules = NewsletterSettings.for_site(default_site())
    for name, value in fields.items():
        setattr(rules, name, value)
    rules.save()


def test_boxes_show_the_open_lists_and_the_settings_words(client, article, lists):
    _rules(signup_heading="Never miss a story", signup_text="Two newsletters, no spam.")
    body = client.get(article.url).content.decode()
    assert SIDEBAR in body and AFTER_ARTICLE in body
    assert body.count("Never miss a story") == 2 and "Two newsletters, no spam." in body
    assert body.count('value="daily-briefing" checked') == 2
    assert body.count('value="weekly-analysis">') == 2
    assert body.count('action="/newsletters/subscribe/"') == 2
    # Each box's field has its own id (continue-reading appends more articles).
    ids = re.findall(r'id="(nl-[^"]+-email)"', body)
    assert len(ids) == len(set(ids)) == 2
    # Only the home page's sidebar box there.
    home = client.get("/").content.decode()
    assert SIDEBAR in home and AFTER_ARTICLE not in home


def test_script_carries_the_pages_nonce_and_the_cached_fragment_none(client, article, lists):
    response = client.get(article.url)
    body = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])[1]
    assert f'src="/static/newsletters/signup.js" defer nonce="{nonce}"' in body
    box = body[body.index(AFTER_ARTICLE) :]
    box = box[: box.index("</section>")]
    assert "nonce" not in box and "<script" not in box


def test_no_boxes_without_open_lists(client, article, lists):
    Newsletter.objects.update(is_active=False)
    body = client.get(article.url).content.decode()
    assert "newsletter-signup" not in body and "signup.js" not in body


def test_saving_the_settings_updates_cached_pages(client, article, lists, committed):
    assert AFTER_ARTICLE in client.get(article.url).content.decode()
    # A change that bypasses save() (no signal) is not seen: the page is cached.
    NewsletterSettings.objects.update(signup_after_articles=False, signup_in_sidebar=False)
    cached = client.get(article.url)
    assert AFTER_ARTICLE in cached.content.decode()
    with committed():
        _rules(signup_after_articles=False, signup_in_sidebar=True)
    body = client.get(article.url).content.decode()
    assert AFTER_ARTICLE not in body and SIDEBAR in body
    assert "signup.js" in body
    with committed():
        _rules(signup_after_articles=True, signup_in_sidebar=False)
    body = client.get(article.url).content.decode()
    assert AFTER_ARTICLE in body and SIDEBAR not in body
    # The article box still needs the script, which only the sidebar include can carry.
    assert "signup.js" in body


def test_a_new_list_shows_on_cached_pages(client, article, lists, committed):
    assert "Local sport" not in client.get(article.url).content.decode()
    with committed():
        make_newsletter("Local sport", sort_order=5)
    assert client.get(article.url).content.decode().count("Local sport") == 2


def test_signup_page_has_no_duplicate_sidebar_box(client, lists):
    make_section("News")
    body = client.get("/newsletters/").content.decode()
    assert SIDEBAR not in body
    assert body.count('action="/newsletters/subscribe/"') == 1
