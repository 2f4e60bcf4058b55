"""Rendered fragments are reused until the content generation changes, never in previews."""

import pytest
from django.urls import reverse

from masthead.core.pagecache import bump_generation
from masthead.newsroom.models import ArticlePage
from tests.newsroom.factories import make_article, make_section

pytestmark = pytest.mark.django_db


@pytest.fixture
def file_generation(settings, tmp_path):
    settings.PAGE_CACHE_GENERATION_STORE = "file"
    settings.PAGE_CACHE_GENERATION_FILE = tmp_path / "generation"


def test_story_is_rendered_once_per_generation(
    client, file_generation, django_capture_on_commit_callbacks
):
    article = make_article(section=make_section("News"), title="Tide tables published")
    assert b"Tide tables published" in client.get(article.url).content

    # A write that bypasses every signal: the stored fragment is what readers get...
    ArticlePage.objects.filter(pk=article.pk).update(title="Tide tables revised")
    assert b"Tide tables published" in client.get(article.url, {"again": 1}).content

    # ...until the generation moves, as it does on every publish and edit.
    with django_capture_on_commit_callbacks(execute=True):
        bump_generation()
    body = client.get(article.url, {"again": 2}).content
    assert b"Tide tables revised" in body
    assert b"Tide tables published" not in body


def test_preview_renders_the_draft_not_the_stored_fragment(client, django_user_model):
    editor = django_user_model.objects.create_superuser("ed", "ed@example.com", "pw")
    article = make_article(section=make_section("News"), title="Ferry timetable")
    client.get(article.url)  # stores the live story
    article.title = "Ferry timetable (draft wording)"
    article.save_revision()
    client.force_login(editor)
    preview = client.get(reverse("wagtailadmin_pages:view_draft", args=(article.pk,)))
    assert b"Ferry timetable (draft wording)" in preview.content
