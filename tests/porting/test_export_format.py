"""The Masthead export format on a small hand-built site: what a round trip keeps, and
how the importer treats files it must not trust (other versions, cut short, altered)."""

import base64
import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from wagtail.contrib.redirects.models import Redirect
from wagtail.images.models import Image
from wagtail.models import Revision

from masthead.discussion.models import Comment, DiscussionSettings
from masthead.newsletters.models import ListSubscription, Newsletter, Subscriber
from masthead.newsroom.models import ArticlePage, PublicationSettings
from masthead.porting.models import ImportedItem
from tests.newsroom.factories import (
    AuthorFactory,
    default_site,
    make_article,
    make_draft_article,
    make_image,
    make_section,
)
from tests.porting.test_roundtrip import wipe_site, without_generated

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2025, 3, 4, 5, 6, 7, 890000, tzinfo=dt.UTC)


def small_site():
    section = make_section("News")
    writer, editor = AuthorFactory(name="Ann Writer"), AuthorFactory(name="Ed Itor")
    picture = make_image(title="Harbour at dawn")
    first = make_article(
        section=section,
        title="First story",
        slug="first-story",
        authors=[editor, writer],
        tags=["Harbour", "Budget"],
        featured_image=picture,
        featured_caption="The harbour",
        published_at=WHEN,
        body=[
            {"type": "paragraph", "value": "<p>Hello <b>world</b></p>"},
            {"type": "image", "value": {"image": picture.pk, "caption": "c", "credit": "r"}},
        ],
    )
    draft = make_draft_article(
        section=section,
        title="Coming soon",
        slug="coming-soon",
        go_live_at=timezone.now() + dt.timedelta(days=3),
    )
    draft.get_latest_revision().publish()  # scheduled: Wagtail keeps it waiting
    parent = Comment.objects.create(
        article=first,
        author_name="Reader",
        author_email="reader@example.org",
        body="First!",
        status="approved",
        created_at=WHEN,
        ip_address="203.0.113.9",
    )
    Comment.objects.create(
        article=first,
        parent=parent,
        root=parent,
        depth=1,
        author_name="Other",
        author_email="other@example.org",
        body="A reply",
        status="pending",
        created_at=WHEN + dt.timedelta(minutes=5),
    )
    daily = Newsletter.objects.create(name="Daily", slug="daily")
    subscriber = Subscriber.objects.create(email="sub@example.org", name="Sub")
    ListSubscription.objects.create(
        subscriber=subscriber,
        newsletter=daily,
        status="active",
        requested_at=WHEN,
        confirmed_at=WHEN + dt.timedelta(hours=1),
        source="form",
        consent_ip="198.51.100.7",
    )
    settings = PublicationSettings.for_site(default_site())
    settings.name, settings.logo = "The Harbour Courier", picture
    settings.save()
    discussion = DiscussionSettings.for_site(default_site())
    discussion.moderation_mode, discussion.max_depth = "hold_all", 5
    discussion.save()
    return first, draft


def export(tmp_path, name="site.json"):
    path = tmp_path / name
    call_command("export", str(path))
    return path


def test_round_trip_keeps_schedule_threads_consent_and_settings(tmp_path):
    small_site()
    first_file = export(tmp_path)
    wipe_site()
    call_command("import", "masthead", str(first_file))

    article = ArticlePage.objects.get(slug="first-story")
    assert article.live and article.first_published_at == WHEN
    assert [a.name for a in article.author_list] == ["Ed Itor", "Ann Writer"]
    assert article.featured_image.title == "Harbour at dawn"
    assert article.body[1].value["image"].pk == article.featured_image.pk
    scheduled = ArticlePage.objects.get(slug="coming-soon")
    assert not scheduled.live and scheduled.go_live_at > timezone.now()
    assert Revision.page_revisions.filter(
        object_id=str(scheduled.pk), approved_go_live_at__isnull=False
    ).exists()
    reply = Comment.objects.get(body="A reply")
    assert reply.parent.body == "First!" and reply.root_id == reply.parent_id
    assert reply.depth == 1 and reply.status == "pending"
    consent = ListSubscription.objects.get(subscriber__email="sub@example.org")
    assert (consent.status, consent.consent_ip, consent.confirmed_at) == (
        "active",
        "198.51.100.7",
        WHEN + dt.timedelta(hours=1),
    )
    settings = PublicationSettings.for_site(default_site())
    assert settings.name == "The Harbour Courier" and settings.logo.title == "Harbour at dawn"
    assert DiscussionSettings.for_site(default_site()).max_depth == 5

    assert without_generated(export(tmp_path, "again.json")) == without_generated(first_file)


def test_a_newer_version_is_refused_and_nothing_is_written(tmp_path):
    small_site()
    path = export(tmp_path)
    wipe_site()
    text = path.read_text().replace('"version": 1', '"version": 2', 1)
    path.write_text(text)
    with pytest.raises(CommandError, match="version 2 Masthead export"):
        call_command("import", "masthead", str(path))
    assert not ArticlePage.objects.exists() and not ImportedItem.objects.exists()


def test_a_file_of_another_format_is_refused(tmp_path):
    path = tmp_path / "ghost.json"
    path.write_text(json.dumps({"db": [{"meta": {}, "data": {}}]}))
    with pytest.raises(CommandError, match="not a Masthead export"):
        call_command("import", "masthead", str(path))


def test_a_site_with_other_articles_is_refused(tmp_path):
    small_site()
    path = export(tmp_path)
    with pytest.raises(CommandError, match="already has 2 article"):
        call_command("import", "masthead", str(path))
    assert not ImportedItem.objects.exists()


def test_a_truncated_file_keeps_what_came_before_and_says_where_it_stopped(tmp_path, capsys):
    small_site()
    path = export(tmp_path)
    wipe_site()
    text = path.read_text()
    cut = text.index('"slug":"coming-soon"')  # inside the second article
    path.write_text(text[:cut])
    call_command("import", "masthead", str(path))
    out = capsys.readouterr().out
    assert "import stopped" in out and "not complete" in out
    assert list(ArticlePage.objects.values_list("slug", flat=True)) == ["first-story"]
    assert not Comment.objects.exists()  # comments come after articles in the file


def test_an_altered_image_is_skipped_and_the_rest_imported(tmp_path, capsys):
    small_site()
    path = export(tmp_path)
    wipe_site()
    data = json.loads(path.read_text())
    image = data["images"][0]
    raw = bytearray(base64.b64decode(image["data"]))
    raw[-10] ^= 0xFF
    image["data"] = base64.b64encode(bytes(raw)).decode()
    path.write_text(json.dumps(data))
    call_command("import", "masthead", str(path))
    out = capsys.readouterr().out
    assert "does not match its hash" in out
    assert not Image.objects.exists()
    article = ArticlePage.objects.get(slug="first-story")
    assert article.featured_image is None and article.live


def test_dry_run_writes_nothing(tmp_path, capsys, settings):
    small_site()
    path = export(tmp_path)
    wipe_site()
    call_command("import", "masthead", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "Dry run" in out and "article: 2 imported" in out
    assert not ArticlePage.objects.exists() and not ImportedItem.objects.exists()
    assert not Comment.objects.exists() and not Image.objects.exists()
    media = settings.MEDIA_ROOT / "original_images"
    assert not media.exists() or not any(media.iterdir())


def test_hostile_markup_and_links_in_a_file_are_removed(tmp_path, capsys):
    small_site()
    path = export(tmp_path)
    wipe_site()
    data = json.loads(path.read_text())
    article = next(a for a in data["articles"] if a["slug"] == "first-story")
    article["body"][0]["value"] = (
        '<p onclick="steal()">Hi<script>alert(1)</script> <a href="javascript:alert(2)">x</a></p>'
    )
    article["body"].append(
        {
            "type": "related_links",
            "value": {
                "heading": "More",
                "links": [{"page": None, "url": "javascript:alert(3)", "title": "Bad"}],
            },
        }
    )
    data["ads"] = [{"anything": 1}]
    path.write_text(json.dumps(data))
    call_command("import", "masthead", str(path))
    out = capsys.readouterr().out
    stored = ArticlePage.objects.get(slug="first-story")
    html = stored.body[0].value.source
    assert "script" not in html and "onclick" not in html and "javascript" not in html
    assert "Hi" in html
    assert stored.body[2].value["links"][0]["url"] == ""
    assert "unsafe markup removed" in out and "not http/https" in out
    assert "'ads' is not part of this format version" in out


def test_a_reply_listed_before_its_parent_is_linked_at_the_end(tmp_path):
    small_site()
    path = export(tmp_path)
    wipe_site()
    data = json.loads(path.read_text())
    data["comments"].reverse()  # the reply (id 2, parent 1) now comes first
    assert data["comments"][0]["parent"] == 1
    data["redirects"] = [{"old_path": "/x", "all_sites": True, "link": "javascript:alert(1)"}]
    path.write_text(json.dumps(data))
    call_command("import", "masthead", str(path))
    reply = Comment.objects.get(body="A reply")
    assert reply.parent is not None and reply.parent.body == "First!"
    assert (reply.root_id, reply.depth) == (reply.parent_id, 1)
    assert not Redirect.objects.filter(old_path="/x").exists()


@pytest.mark.parametrize("text", ["", "{}", '"masthead-export"', "[1, 2]", '{"format": "masth'])
def test_empty_or_broken_files_are_refused(tmp_path, text):
    path = tmp_path / "broken.json"
    path.write_text(text)
    with pytest.raises(CommandError):
        call_command("import", "masthead", str(path))
    assert not ImportedItem.objects.exists()
