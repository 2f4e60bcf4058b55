"""Editors write, preview, schedule, publish, revise and unpublish through the Wagtail admin."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from masthead.newsroom.models import ArticlePage
from tests.newsroom.factories import AuthorFactory, make_article, make_section

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_superuser("editor", "editor@example.com", "pw-12345")


@pytest.fixture
def admin_client(client, editor):
    client.force_login(editor)
    return client


def article_form(*, title, author, action="action-publish", **extra):
    data = nested_form_data(
        {
            "title": title,
            "slug": extra.pop("slug", title.lower().replace(" ", "-")),
            "standfirst": "What the council decided, and what it means.",
            "article_authors": inline_formset([{"author": str(author.pk)}], min=1),
            "corrections": inline_formset([]),
            "body": streamfield(
                [
                    ("paragraph", rich_text("<p>The harbour board met on Tuesday.</p>")),
                    ("heading", {"text": "What changes", "level": "h2"}),
                ]
            ),
            "tags": "harbour, council",
            **extra,
        }
    )
    data[action] = "1"
    return data


def add_url(section):
    return reverse("wagtailadmin_pages:add", args=("newsroom", "articlepage", section.pk))


def test_editor_publishes_article_from_admin_and_it_is_live(admin_client):
    news = make_section("News")
    author = AuthorFactory(name="Ada Quill")
    response = admin_client.post(
        add_url(news), article_form(title="Harbour fees fall", author=author)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    article = ArticlePage.objects.get(slug="harbour-fees-fall")
    assert article.live
    assert [a.name for a in article.author_list] == ["Ada Quill"]
    assert set(article.tags.names()) == {"harbour", "council"}
    page = admin_client.get(article.url)
    assert page.status_code == 200
    assert b"Harbour fees fall" in page.content


def test_missing_author_is_a_form_error_and_nothing_is_saved(admin_client):
    news = make_section("News")
    data = article_form(title="No byline", author=AuthorFactory())
    data.update({"article_authors-TOTAL_FORMS": "0"})
    response = admin_client.post(add_url(news), data)
    assert response.status_code == 200
    assert not ArticlePage.objects.filter(slug="no-byline").exists()


def test_draft_is_not_public_but_previewable(admin_client, client, editor):
    news = make_section("News")
    response = admin_client.post(
        add_url(news), article_form(title="Draft story", author=AuthorFactory(), action="x")
    )
    assert response.status_code == 302
    article = ArticlePage.objects.get(slug="draft-story")
    assert not article.live
    client.logout()
    assert client.get("/news/draft-story/").status_code == 404
    admin_client.force_login(editor)
    preview = admin_client.get(reverse("wagtailadmin_pages:view_draft", args=(article.pk,)))
    assert preview.status_code == 200
    assert b"Draft story" in preview.content


def test_scheduled_article_goes_live_at_its_time():
    news = make_section("News")
    article = make_article(section=news, title="Tide tables for June", live=False)
    go_live = timezone.now() + dt.timedelta(hours=2)
    article.go_live_at = go_live
    article.save_revision().publish()  # with a future go_live_at, this schedules
    article.refresh_from_db()
    assert not article.live
    assert not ArticlePage.objects.live().filter(pk=article.pk).exists()

    call_command("publish_scheduled", verbosity=0)
    assert not ArticlePage.objects.live().filter(pk=article.pk).exists()

    with time_machine.travel(go_live + dt.timedelta(minutes=1), tick=False):
        call_command("publish_scheduled", verbosity=0)
    article.refresh_from_db()
    assert article.live


def test_revision_edit_shows_update_and_unpublish_removes(client):
    news = make_section("News")
    article = make_article(section=news, title="Bridge inspection", published_at=timezone.now())
    assert client.get(article.url).status_code == 200

    with time_machine.travel(timezone.now() + dt.timedelta(hours=3)):
        article.title = "Bridge inspection finds minor wear"
        article.save_revision().publish()
    article.refresh_from_db()
    assert article.updated_at is not None
    body = client.get(article.url).content.decode()
    assert "Bridge inspection finds minor wear" in body

    article.unpublish()
    assert client.get(article.url).status_code == 404


def test_syndication_fields_are_validated(admin_client):
    news = make_section("News")
    data = article_form(
        title="Wire story", author=AuthorFactory(), original_url="https://example.org/story"
    )
    response = admin_client.post(add_url(news), data)
    assert response.status_code == 200
    assert b"Name the source" in response.content
    assert not ArticlePage.objects.filter(slug="wire-story").exists()
