"""`masthead import ghost`: posts, pages, tags, sections, authors, images, redirects,
newsletters, members with their consent, and comments, from an export the test builds."""

import datetime as dt
import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from PIL import Image as PILImage
from taggit.models import Tag
from wagtail.contrib.redirects.models import Redirect
from wagtail.images.models import Image

from masthead.discussion.models import Comment, CommentStatus
from masthead.newsletters.models import (
    ListSubscription,
    Newsletter,
    Subscriber,
    SubscriberStatus,
    SubscriptionStatus,
)
from masthead.newsroom.models import ArticlePage, Author, SectionPage, StandardPage
from masthead.porting.models import ImportedItem
from tests.newsroom.factories import home_page

from .ghost_builder import GhostExport

pytestmark = pytest.mark.django_db

JOINED = dt.datetime(2022, 3, 4, 5, 6, tzinfo=dt.UTC)


def _png() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


class _Images(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).requests.append(self.path)
        if self.path.startswith("/content/images/"):
            body = _png()
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_response(404)
            self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def image_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Images)
    _Images.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def run_import(path, *options) -> str:
    out = io.StringIO()
    call_command("import", "ghost", str(path), *options, stdout=out)
    return out.getvalue()


def site_export(images: str) -> tuple[GhostExport, dict]:
    """A Ghost site with every element the importer maps."""
    home_page()
    g = GhostExport()
    g.setting("title", "The Old Harbour")
    ana = g.user(
        "Ana Ruiz",
        email="Ana@Old.Example",
        role="Owner",
        bio="Harbour reporter.",
        twitter="@anaruiz",
        profile_image=f"{images}/content/images/ana.png",
    )
    ben = g.user("Ben Ode", email="ben@old.example", slug="ben")
    news, analysis = g.tag("News", description="Daily news"), g.tag("Analysis")
    internal = g.tag("#feature")
    weekly, daily = g.newsletter("Weekly"), g.newsletter("Daily brief", slug="daily")
    opened = g.post(
        "Harbour opens",
        slug="harbour-opens",
        html=(
            "<p>The harbour <strong>opened</strong> today.</p>"
            "<script>alert('x')</script><p onclick=\"steal()\">Second.</p>"
        ),
        tags=[news, analysis, internal],
        authors=[ana, ben],
        custom_excerpt="Boats are back.",
        feature_image=f"{images}/content/images/harbour.png",
        feature_image_alt="The quay",
        feature_image_caption="<b>Photo</b>: Ana",
        published_at=dt.datetime(2023, 1, 2, 3, 4, tzinfo=dt.UTC),
    )
    g.post("Half written", slug="half-written", status="draft", authors=[ana])
    later = timezone.now() + dt.timedelta(days=3)
    g.post("Tomorrow", slug="tomorrow", status="scheduled", published_at=later, authors=[ana])
    g.post("About us", slug="about", type="page", html="<p>We are a harbour paper.</p>")
    g.post(
        "Wire story",
        slug="wire-story",
        tags=[news],
        authors=[ben],
        canonical_url="https://wire.example/story",
    )
    g.post("Own canonical", slug="own-canonical", authors=[ben], canonical_url="/own-canonical/")
    g.post(
        "Hidden tag first",
        slug="hidden-tag-first",
        tags=[internal, news],
        authors=[ben],
        codeinjection_head="<script>track()</script>",
    )
    g.post("Members only", slug="members-only", visibility="paid", authors=[ana])
    # Members: on a list, on none, bounced, paid, comped.
    m1 = g.member("Reader@Example.com", name="Rita Reader", newsletters=[weekly], created_at=JOINED)
    g.member("gone@example.com", name="Gone", created_at=JOINED)
    g.member("bounce@example.com", newsletters=[weekly], email_disabled=True)
    m4 = g.member("payer@example.com", name="Pat", status="paid", newsletters=[weekly, daily])
    g.member("friend@example.com", status="comped", newsletters=[daily])
    # Comments: a reply before its parent, a hidden one, a deleted one with a reply.
    parent_row = {"id": "parent-later"}
    reply = g.comment(opened, m4, "<p>Agreed.</p>", parent=parent_row)
    top = g.comment(opened, m1, "<p>Great <b>news</b><script>alert(1)</script></p>")
    top["id"] = "parent-later"
    g.comment(opened, m4, "<p>Rude words</p>", status="hidden")
    gone = g.comment(opened, m1, "<p>Removed</p>", status="deleted")
    g.comment(opened, m4, "<p>Reply to a removed comment</p>", parent=gone)
    return g, {"reply": reply, "top": top}


@pytest.fixture
def imported(tmp_path, image_server):
    existing_ben = Author.objects.create(
        name="Benjamin Ode", slug="benjamin", email="BEN@old.example"
    )
    Newsletter.objects.create(name="Daily", slug="daily")
    g, rows = site_export(image_server)
    path = g.write(tmp_path / "ghost.json")
    output = run_import(path)
    return {"path": path, "output": output, "ben": existing_ben, "rows": rows}


def test_posts_become_articles_in_the_primary_tags_section(imported):
    article = ArticlePage.objects.get(slug="harbour-opens")
    assert article.live
    assert article.first_published_at == dt.datetime(2023, 1, 2, 3, 4, tzinfo=dt.UTC)
    assert article.get_parent().specific == SectionPage.objects.get(slug="news")
    assert SectionPage.objects.get(slug="news").description == "Daily news"
    assert article.standfirst == "Boats are back."
    assert sorted(t.name for t in article.tags.all()) == ["Analysis", "News"]
    assert not Tag.objects.filter(name__icontains="feature").exists()
    assert [a.author.name for a in article.article_authors.all()] == ["Ana Ruiz", "Benjamin Ode"]
    # Only a public primary tag makes a section; an internal one leaves the default.
    assert not SectionPage.objects.filter(slug="analysis").exists()
    hidden_first = ArticlePage.objects.get(slug="hidden-tag-first")
    assert hidden_first.get_parent().slug != "hash-feature"
    assert [t.name for t in hidden_first.tags.all()] == ["News"]


def test_statuses_pages_and_syndication(imported):
    draft = ArticlePage.objects.get(slug="half-written")
    assert not draft.live and draft.has_unpublished_changes
    scheduled = ArticlePage.objects.get(slug="tomorrow")
    assert not scheduled.live and scheduled.go_live_at > timezone.now()
    assert scheduled.latest_revision.approved_go_live_at is not None
    members_only = ArticlePage.objects.get(slug="members-only")
    assert not members_only.live
    about = StandardPage.objects.get(slug="about")
    assert about.live and about.get_parent().specific == home_page()
    wire = ArticlePage.objects.get(slug="wire-story")
    assert wire.original_url == "https://wire.example/story"
    assert wire.source_name == "wire.example"
    assert wire.get_canonical_url() == "https://wire.example/story"
    own = ArticlePage.objects.get(slug="own-canonical")
    assert own.original_url == "" and own.source_name == ""
    assert "members-only" in imported["output"] or "paid readers" in imported["output"]
    assert "codeinjection_head was dropped" in imported["output"]


def test_authors_are_matched_or_created_with_their_avatar(imported, image_server):
    ana = Author.objects.get(email__iexact="ana@old.example")
    assert ana.bio == "Harbour reporter."
    assert ana.x_url == "https://x.com/anaruiz"
    assert ana.avatar is not None and ana.avatar.width == 40
    assert Author.objects.filter(email__iexact="ben@old.example").count() == 1
    assert "/content/images/ana.png" in _Images.requests


def test_feature_image_is_downloaded_with_alt_and_caption(imported):
    article = ArticlePage.objects.get(slug="harbour-opens")
    assert article.featured_image is not None
    assert article.featured_image.title == "The quay"
    assert article.featured_caption == "Photo: Ana"


def test_script_never_reaches_the_page_and_old_urls_redirect(imported, client):
    article = ArticlePage.objects.get(slug="harbour-opens")
    response = client.get(article.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "opened" in html and "Second." in html
    assert "alert(" not in html and "steal()" not in html
    assert "Great news" in html or Comment.objects.filter(body__contains="Great news").exists()
    redirect = client.get("/harbour-opens/")
    assert redirect.status_code == 301 and redirect["Location"].endswith(article.url)
    assert Redirect.objects.filter(old_path="/about").exists() is False  # its own URL
    assert client.get("/wire-story/")["Location"].endswith(
        ArticlePage.objects.get(slug="wire-story").url
    )


def test_members_keep_their_consent_and_no_mail_is_sent(imported):
    assert mail.outbox == []
    weekly = Newsletter.objects.get(name="Weekly")
    daily = Newsletter.objects.get(slug="daily")
    assert daily.name == "Daily"  # matched by slug, not duplicated
    rita = Subscriber.objects.get(email="reader@example.com")
    row = ListSubscription.objects.get(subscriber=rita, newsletter=weekly)
    assert row.status == SubscriptionStatus.ACTIVE
    assert row.source == "import:ghost"
    assert row.confirmed_at == JOINED and row.requested_at == JOINED
    assert not ListSubscription.objects.filter(subscriber=rita, newsletter=daily).exists()
    gone = Subscriber.objects.get(email="gone@example.com")
    assert {r.status for r in gone.subscriptions.all()} == {SubscriptionStatus.UNSUBSCRIBED}
    assert gone.subscriptions.count() == 2
    bounced = Subscriber.objects.get(email="bounce@example.com")
    assert bounced.status == SubscriberStatus.BOUNCED
    payer = Subscriber.objects.get(email="payer@example.com")
    assert payer.subscriptions.filter(status=SubscriptionStatus.ACTIVE).count() == 2
    assert "1 paid member(s)" in imported["output"]
    assert "1 comped member(s)" in imported["output"]


def test_an_old_export_never_resubscribes_someone_who_left(tmp_path, image_server):
    """An address that unsubscribed here stays unsubscribed, whatever Ghost says."""
    home_page()
    weekly = Newsletter.objects.create(name="Weekly", slug="weekly")
    subscriber = Subscriber.objects.create(email="left@example.com")
    ListSubscription.objects.create(
        subscriber=subscriber, newsletter=weekly, status=SubscriptionStatus.UNSUBSCRIBED
    )
    g = GhostExport()
    g.user("Owner", role="Owner")
    ghost_weekly = g.newsletter("Weekly")
    g.member("left@example.com", newsletters=[ghost_weekly])
    run_import(g.write(tmp_path / "g.json"))
    row = ListSubscription.objects.get(subscriber=subscriber, newsletter=weekly)
    assert row.status == SubscriptionStatus.UNSUBSCRIBED


def test_comments_are_threaded_with_their_moderation_state(imported):
    top = Comment.objects.get(body__startswith="Great")
    assert top.body == "Great news"
    assert top.status == CommentStatus.APPROVED
    assert top.author_email == "reader@example.com" and top.author_name == "Rita Reader"
    reply = Comment.objects.get(body="Agreed.")
    assert reply.parent == top and reply.depth == 1
    hidden = Comment.objects.get(body="Rude words")
    assert hidden.status == CommentStatus.SPAM
    assert not Comment.objects.filter(body="Removed").exists()
    orphan = Comment.objects.get(body="Reply to a removed comment")
    assert orphan.parent is None and orphan.depth == 0
    assert "deleted on Ghost" in imported["output"]
    assert Comment.objects.count() == 4


def test_running_twice_creates_nothing_twice(imported):
    counts = _counts()
    output = run_import(imported["path"])
    assert _counts() == counts
    assert "already there" in output
    assert "post: 0 imported, 7 already there" in output
    assert "comment: 0 imported, 4 already there" in output


def _counts() -> dict:
    return {
        "articles": ArticlePage.objects.count(),
        "pages": StandardPage.objects.count(),
        "sections": SectionPage.objects.count(),
        "authors": Author.objects.count(),
        "tags": Tag.objects.count(),
        "images": Image.objects.count(),
        "redirects": Redirect.objects.count(),
        "newsletters": Newsletter.objects.count(),
        "subscribers": Subscriber.objects.count(),
        "subscriptions": ListSubscription.objects.count(),
        "comments": Comment.objects.count(),
        "ledger": ImportedItem.objects.count(),
    }


def test_dry_run_writes_nothing_and_downloads_nothing(tmp_path, image_server):
    g, _ = site_export(image_server)
    path = g.write(tmp_path / "ghost.json")
    before = _counts()
    output = run_import(path, "--dry-run")
    assert _counts() == before
    assert output.startswith("Dry run: nothing was written.")
    assert "post: 7 imported" in output
    assert _Images.requests == []


def test_no_download_records_the_image_urls(tmp_path, image_server):
    g, _ = site_export(image_server)
    output = run_import(g.write(tmp_path / "ghost.json"), "--no-download")
    assert _Images.requests == []
    assert f"image not downloaded: {image_server}/content/images/harbour.png" in output
    assert ArticlePage.objects.get(slug="harbour-opens").featured_image is None


def test_a_later_export_of_the_same_site_adds_only_what_is_new(tmp_path):
    """The ledger's origin is the site owner's email: stable across exports of one site,
    different for another site (whose post with the same id is imported on its own)."""
    home_page()
    first = GhostExport(exported_on=1_700_000_000_000)
    owner = first.user("Owner", email="owner@site.example", role="Owner")
    first.post("One", authors=[owner])
    run_import(first.write(tmp_path / "first.json"))
    later = GhostExport(exported_on=1_800_000_000_000)
    later.tables = {name: list(rows) for name, rows in first.tables.items()}
    later.post("Two", authors=[owner])
    output = run_import(later.write(tmp_path / "later.json"))
    assert "post: 1 imported, 1 already there" in output
    assert sorted(ArticlePage.objects.values_list("title", flat=True)) == ["One", "Two"]
    other = GhostExport()
    other.tables = {name: [dict(row) for row in rows] for name, rows in first.tables.items()}
    other.tables["users"][0]["email"] = "someone@else.example"
    run_import(other.write(tmp_path / "other.json"))
    assert ArticlePage.objects.filter(title="One").count() == 2


def test_ghost_url_placeholders_use_the_site_url_when_given(tmp_path, image_server):
    """Ghost writes its own address as __GHOST_URL__; with the old site's URL its images
    are downloaded, without it they are reported."""
    from masthead.porting.ghost import GhostImporter

    home_page()
    g = GhostExport()
    g.user("Owner", role="Owner")
    g.post(
        "Local images",
        html='<p>See <a href="__GHOST_URL__/other/">this</a>.</p>',
        feature_image="__GHOST_URL__/content/images/local.png",
    )
    path = g.write(tmp_path / "g.json")
    report = GhostImporter(path, dry_run=True).run()
    assert any("__GHOST_URL__/content/images/local.png" in w for w in report.warnings)
    report = GhostImporter(path, site_url=image_server + "/").run()
    article = ArticlePage.objects.get(slug="local-images")
    assert article.featured_image is not None
    assert "/content/images/local.png" in _Images.requests
    assert f'href="{image_server}/other/"' in str(article.body[0].value.source)


def test_the_command_passes_the_site_url(tmp_path, image_server):
    from django.core.management import call_command

    home_page()
    g = GhostExport()
    g.user("Owner", role="Owner")
    g.post("Command images", feature_image="__GHOST_URL__/content/images/local.png")
    path = g.write(tmp_path / "g.json")
    call_command("import", "ghost", str(path), "--site-url", image_server, stdout=io.StringIO())
    assert ArticlePage.objects.get(slug="command-images").featured_image is not None
