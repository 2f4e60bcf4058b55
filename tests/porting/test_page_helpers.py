"""Imported articles are left exactly as publishing leaves them, without its per-page cost."""

import datetime as dt

from django.utils import timezone
from wagtail.models import PageLogEntry

from masthead.porting import pages
from tests.newsroom.factories import make_section


def test_a_published_import_looks_published_everywhere(client, db):
    section = make_section("News")
    when = timezone.now() - dt.timedelta(days=400)
    article = pages.save_article(
        section=section,
        title="Harbour reopens",
        slug="harbour-reopens",
        body=[("paragraph", "<p>The harbour reopened.</p>")],
        published_at=when,
    )
    article.refresh_from_db()
    assert article.live and not article.has_unpublished_changes
    assert article.live_revision_id == article.latest_revision_id is not None
    assert article.first_published_at == article.last_published_at == when
    assert PageLogEntry.objects.filter(page=article, action="wagtail.publish").count() == 1
    response = client.get(article.url)
    assert response.status_code == 200 and b"The harbour reopened." in response.content


def test_drafts_and_schedules_stay_off_the_site(client, db):
    section = make_section("News")
    draft = pages.save_article(
        section=section, title="Draft", slug="draft", body=[], status=pages.DRAFT
    )
    later = pages.save_article(
        section=section,
        title="Later",
        slug="later",
        body=[],
        status=pages.SCHEDULED,
        go_live_at=timezone.now() + dt.timedelta(days=2),
    )
    for page in (draft, later):
        page.refresh_from_db()
        assert not page.live and page.live_revision_id is None
        assert client.get(f"/news/{page.slug}/").status_code == 404
    assert later.go_live_at is not None
