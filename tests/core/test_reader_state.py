"""/reader/state.json: who the reader is, for pages that are identical for everyone."""

import json

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client

from tests.core.pagecache_helpers import WSGIClient
from tests.newsroom.factories import days_ago, make_article, make_section

pytestmark = pytest.mark.django_db
URL = "/reader/state.json"


@pytest.fixture
def wsgi(settings, tmp_path):
    settings.PAGE_CACHE_GENERATION_FILE = tmp_path / "generation"
    return WSGIClient()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_state_costs_no_query_and_is_private(client, django_assert_num_queries):
    client.get(URL)  # the site lookup is read once per content generation
    with django_assert_num_queries(0):
        response = client.get(URL)
    assert response.status_code == 200
    assert response.json() == {
        "signed_in": False,
        "name": None,
        "is_staff": False,
        "edit_url_template": None,
    }
    assert response["Cache-Control"] == "private, no-store"
    assert not response.cookies


def test_wrapper_answers_anonymous_state_itself_with_what_django_would_say(wsgi, client):
    fast = wsgi.get(URL)
    assert wsgi.django_requests.count == 0
    assert json.loads(fast.body) == client.get(URL).json()
    assert fast.header("Cache-Control") == "private, no-store"
    assert fast.header("Content-Type") == "application/json"
    assert wsgi.request(URL, method="HEAD").body == b""


def test_signed_in_reader_gets_their_name_and_no_edit_link(wsgi):
    reader = User.objects.create_user(
        "mlee", first_name="Min", last_name="Lee", email="min@example.com", password="x"
    )
    client = signed_in(reader)
    response = client.get(URL)
    assert response.json() == {
        "signed_in": True,
        "name": "Min Lee",
        "email": "min@example.com",
        "account_url": "/reader/",
        "is_staff": False,
        "edit_url_template": None,
    }
    assert response["Cache-Control"] == "private, no-store"
    # Through the production stack: reaches Django, never stored, never shared.
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    for _ in range(2):
        through = wsgi.get(URL, cookie=cookie)
        assert json.loads(through.body)["name"] == "Min Lee"
        assert through.header("X-Cache") == "MISS"
    assert json.loads(wsgi.get(URL).body)["signed_in"] is False
    assert wsgi.django_requests.count == 2


def test_editors_get_the_edit_url_template():
    editors = Group.objects.create(name="Desk")
    editors.permissions.add(Permission.objects.get(codename="access_admin"))
    editor = User.objects.create_user("desk", password="x")
    editor.groups.add(editors)
    state = signed_in(editor).get(URL).json()
    assert state["is_staff"] is True
    assert state["name"] == "desk"
    assert state["edit_url_template"] == "/admin/pages/{id}/edit/"
    assert state["account_url"] == "/admin/account/"

    admin = User.objects.create_superuser("root", password="x")
    assert signed_in(admin).get(URL).json()["edit_url_template"] == "/admin/pages/{id}/edit/"


def test_a_readers_display_name_comes_first():
    from masthead.readers.services import get_or_create_reader

    reader = get_or_create_reader("ada@example.com")
    state = signed_in(reader).get(URL).json()
    assert state["name"] == "Reader"  # no name given yet: never the address
    reader.reader_profile.display_name = "Ada L."
    reader.reader_profile.save()
    assert signed_in(reader).get(URL).json()["name"] == "Ada L."


def test_reader_state_script_is_loaded_deferred_with_the_nonce(client):
    make_article(section=make_section("News"), title="Tide tables")
    html = client.get("/").content.decode()
    tag = next(
        line for line in html.splitlines() if "reader-state.js" in line and "<script" in line
    )
    assert 'data-state-url="/reader/state.json"' in tag
    assert " defer" in tag and 'nonce="' in tag


LONG_BODY = [("paragraph", "<p>" + "The tide came in slowly over the flats. " * 60 + "</p>")] * 3


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_see_edit_links_on_articles_and_continued_articles(live_server, page):
    news = make_section("News")
    articles = [
        make_article(
            section=news, title=f"Harbour log {n}", body=LONG_BODY, published_at=days_ago(n)
        )
        for n in range(1, 4)
    ]
    # The same page HTML for an anonymous reader: no edit link.
    page.goto(live_server.url + articles[0].url)
    page.wait_for_function("() => document.documentElement.dataset.signedIn === 'false'")
    assert page.locator("[data-edit-link]").count() == 0

    User.objects.create_superuser("editor", password="correct horse battery")
    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", "editor")
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")

    page.goto(live_server.url + articles[0].url)
    first = page.locator("article.story").first.locator("[data-edit-link]")
    first.wait_for()
    assert first.get_attribute("href") == f"/admin/pages/{articles[0].pk}/edit/"

    page.mouse.wheel(0, 20000)
    second = page.locator(f'article.story[data-article-id="{articles[1].pk}"] [data-edit-link]')
    second.wait_for()
    assert second.get_attribute("href") == f"/admin/pages/{articles[1].pk}/edit/"
