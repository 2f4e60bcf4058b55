"""`masthead import wordpress`: a WXR export built by the test, imported through the command."""

import datetime as dt
import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from PIL import Image as PILImage
from taggit.models import Tag
from wagtail.contrib.redirects.models import Redirect
from wagtail.images.models import Image

from masthead.discussion.models import Comment, CommentStatus
from masthead.metrics.models import ArticleHourlyViews, ArticleViewTotal
from masthead.newsroom.models import ArticlePage, Author, SectionPage, StandardPage
from masthead.porting.models import ImportedItem
from tests.newsroom.factories import AuthorFactory, home_page
from tests.porting import wxr_builder as wb

pytestmark = pytest.mark.django_db

FUTURE = (timezone.now() + dt.timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S")


def _png(color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 30), color).save(buffer, "PNG")
    return buffer.getvalue()


class _Files(BaseHTTPRequestHandler):
    hits: dict[str, int] = {}

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).hits[self.path] = type(self).hits.get(self.path, 0) + 1
        if self.path.startswith("/photo.png") or self.path == "/inline.png":
            body, ctype, code = _png(), "image/png", 200
        elif self.path == "/page.html":
            body, ctype, code = b"<html>not an image</html>", "text/html", 200
        elif self.path == "/fake.png":
            body, ctype, code = b"this is not a png", "image/png", 200
        elif self.path == "/moved.png":
            self.send_response(302)
            self.send_header("Location", "/photo.png?moved")
            self.end_headers()
            return
        else:
            body, ctype, code = b"gone", "text/plain", 404
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def files():
    _Files.hits = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Files.hits
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _home():
    home_page()


def run_import(tmp_path, xml: str, *args) -> str:
    path = tmp_path / "export.xml"
    path.write_text(xml, encoding="utf-8")
    out = io.StringIO()
    call_command("import", "wordpress", str(path), *args, stdout=out)
    return out.getvalue()


AUTHORS = [
    wb.author("alice", email="Alice@Example.com", display_name="Alice Able"),
    wb.author("bob", email="bob@example.com", display_name="Bob Baker"),
]
CATEGORIES = [
    {"nicename": "news", "name": "News", "description": "<b>All</b> the news"},
    {"nicename": "local", "name": "Local", "parent": "news"},
    {"nicename": "culture", "name": "Culture"},
]
TAGS = [{"slug": "harbour", "name": "Harbour"}, {"slug": "ferries", "name": "Ferries"}]


def site_export(base: str = "http://127.0.0.1:9") -> str:
    return wb.build_wxr(
        authors=AUTHORS,
        categories=CATEGORIES,
        tags=TAGS,
        items=[
            wb.post(
                "Ferry timetable changes",
                post_id=11,
                slug="ferry-timetable",
                creator="alice",
                excerpt="<p>The <em>new</em> timetable starts Monday.</p>",
                content="<!-- wp:paragraph --><p>Boats run later.</p><!-- /wp:paragraph -->"
                '<!-- wp:heading --><h2 class="wp-block-heading">What changes</h2>'
                "<!-- /wp:heading -->",
                categories=[
                    ("category", "local", "Local"),
                    ("post_tag", "harbour", "Harbour"),
                    ("post_tag", "ferries", "Ferries"),
                ],
                meta={"_thumbnail_id": "90", "post_views_count": "1234"},
                link=f"{wb.SITE}/2021/03/04/ferry-timetable/",
                comments=[
                    wb.comment(502, "A reply <b>to the first</b>", parent=501, author="Second"),
                    wb.comment(501, "First!", author="First", email="First@Example.net"),
                    wb.comment(503, "Held back", approved="0"),
                    wb.comment(504, "Buy pills", approved="spam"),
                    wb.comment(505, "Binned", approved="trash"),
                    wb.comment(506, "", type="pingback", author="Other blog"),
                    wb.comment(507, "Deep reply", parent=502),
                ],
            ),
            wb.post(
                "Gallery opens",
                post_id=12,
                creator="bob",
                categories=[("category", "culture", "Culture")],
            ),
            wb.post("Coming soon", post_id=13, status="future", date=FUTURE),
            wb.post("Half written", post_id=14, status="draft", date="0000-00-00 00:00:00"),
            wb.post("Needs a look", post_id=15, status="pending"),
            wb.post("Staff only", post_id=16, status="private"),
            wb.post("Binned post", post_id=17, status="trash"),
            wb.post("No category", post_id=18, categories=()),
            wb.post(
                "About us",
                post_id=20,
                post_type="page",
                slug="about",
                content="<p>We are a paper.</p>",
                excerpt="Who we are",
                categories=(),
                link=f"{wb.SITE}/about-us/",
            ),
            wb.post("Menu entry", post_id=30, post_type="nav_menu_item", categories=()),
            wb.attachment(90, f"{base}/photo.png", title="Ferry at dawn"),
            wb.attachment(91, f"{base}/missing.jpg", title="Lost photo"),
            wb.attachment(92, f"{base}/page.html", title="Not an image"),
        ],
    )


@pytest.fixture
def imported(tmp_path, files):
    base, hits = files
    out = run_import(tmp_path, site_export(base))
    return out, hits


def article(title) -> ArticlePage:
    return ArticlePage.objects.get(title=title)


def test_authors_matched_on_email_or_created(tmp_path, files):
    existing = AuthorFactory(name="A. Able (staff)", slug="a-able", email="alice@example.com")
    out = run_import(tmp_path, site_export(files[0]))
    assert Author.objects.filter(email__iexact="alice@example.com").count() == 1
    bob = Author.objects.get(slug="bob")
    assert bob.name == "Bob Baker" and bob.email == "bob@example.com"
    assert [a.pk for a in article("Ferry timetable changes").author_list] == [existing.pk]
    assert [a.pk for a in article("Gallery opens").author_list] == [bob.pk]
    assert "author matched to an existing one: 1 imported" in out
    assert "author: 1 imported" in out


def test_categories_become_sections_and_child_categories_tags(imported):
    out, _ = imported
    home = home_page()
    sections = {s.slug: s for s in SectionPage.objects.child_of(home)}
    assert {"news", "culture"} <= set(sections)
    assert "local" not in sections
    assert sections["news"].live and sections["news"].description == "All the news"
    ferry = article("Ferry timetable changes")
    assert ferry.get_parent().pk == sections["news"].pk
    assert sorted(t.name for t in ferry.tags.all()) == ["Ferries", "Harbour", "Local"]
    assert article("Gallery opens").get_parent().pk == sections["culture"].pk
    assert "sections cannot nest" in out and out.count("Category 'Local' is inside") == 1
    assert Tag.objects.filter(name="Harbour").exists()


def test_post_without_category_goes_to_imported_section(imported):
    out, _ = imported
    assert article("No category").get_parent().specific.title == "Imported"
    assert "Posts without a category were filed in the section 'Imported'" in out


def test_post_fields_body_and_dates(imported):
    ferry = article("Ferry timetable changes")
    assert ferry.slug == "ferry-timetable"
    assert ferry.standfirst == "The new timetable starts Monday."
    kinds = [block.block_type for block in ferry.body]
    assert kinds == ["paragraph", "heading"]
    assert "Boats run later." in str(ferry.body[0].value)
    assert ferry.live
    assert ferry.first_published_at == dt.datetime(2021, 3, 4, 5, 6, 7, tzinfo=dt.UTC)


def test_statuses(imported):
    out, _ = imported
    scheduled = article("Coming soon")
    assert not scheduled.live
    assert scheduled.go_live_at is not None and scheduled.go_live_at > timezone.now()
    assert scheduled.latest_revision.approved_go_live_at == scheduled.go_live_at
    for title in ("Half written", "Needs a look", "Staff only"):
        page = article(title)
        assert not page.live and page.has_unpublished_changes, title
    assert "was awaiting review" in out
    assert "was private: saved unpublished" in out
    assert not ArticlePage.objects.filter(title="Binned post").exists()
    assert "post 17 'Binned post': in the WordPress trash" in out
    assert "1 nav_menu_item item not imported" in out


def test_page_becomes_standard_page(imported):
    page = StandardPage.objects.get(title="About us")
    assert page.live and page.slug == "about" and page.intro == "Who we are"
    assert page.get_parent().pk == home_page().pk
    assert "We are a paper." in str(page.body[0].value)


def test_featured_image_downloaded_after_the_post_and_bad_attachments_reported(imported):
    out, hits = imported
    ferry = article("Ferry timetable changes")
    assert ferry.featured_image is not None
    assert ferry.featured_image.title == "Ferry at dawn"
    assert ferry.featured_image.collection.name == "Imported"
    assert ferry.latest_revision.content["featured_image"] == ferry.featured_image.pk
    assert hits["/photo.png"] == 1
    assert "missing.jpg: the server answered 404; kept as its original URL" in out
    assert "page.html: not an image (text/html)" in out
    recorded = set(
        ImportedItem.objects.filter(kind="attachment-url").values_list("source_id", flat=True)
    )
    assert any(url.endswith("/missing.jpg") for url in recorded)
    assert any(url.endswith("/page.html") for url in recorded)
    assert Image.objects.count() == 1


def test_threaded_comments_with_statuses(imported):
    out, _ = imported
    ferry = article("Ferry timetable changes")
    comments = {c.author_name: c for c in Comment.objects.filter(article=ferry)}
    first, second = comments["First"], comments["Second"]
    assert first.parent is None and first.status == CommentStatus.APPROVED
    assert first.author_email == "first@example.net" and first.ip_address == "192.0.2.10"
    assert second.parent_id == first.pk and second.depth == 1
    assert second.body == "A reply to the first"
    deep = Comment.objects.get(article=ferry, body="Deep reply")
    assert deep.parent_id == second.pk and deep.root_id == first.pk and deep.depth == 2
    statuses = {c.body: c.status for c in Comment.objects.filter(article=ferry)}
    assert statuses["Held back"] == CommentStatus.PENDING
    assert statuses["Buy pills"] == CommentStatus.SPAM
    assert statuses["Binned"] == CommentStatus.TRASH
    assert first.created_at == dt.datetime(2021, 3, 5, 10, 0, tzinfo=dt.UTC)
    assert "a pingback: links from other sites are not carried over" in out
    assert Comment.objects.filter(article=ferry).count() == 6


def test_view_counts_from_plugin_meta(imported):
    ferry = article("Ferry timetable changes")
    assert ArticleViewTotal.objects.get(article=ferry).views == 1234
    row = ArticleHourlyViews.objects.get(article=ferry)
    assert row.hour == int(ferry.first_published_at.timestamp()) // 3600
    assert not ArticleViewTotal.objects.filter(article=article("Gallery opens")).exists()


def test_old_urls_redirect(imported, client):
    ferry = article("Ferry timetable changes")
    response = client.get("/2021/03/04/ferry-timetable/")
    assert response.status_code == 301 and response["Location"] == ferry.url
    about = StandardPage.objects.get(title="About us")
    response = client.get("/about-us/")
    assert response.status_code == 301 and response["Location"] == about.url
    assert Redirect.objects.filter(old_path="/?p=11", redirect_page=ferry).exists()
    assert Redirect.objects.filter(old_path="/?page_id=20", redirect_page=about).exists()
    # WordPress's short links answer too, although the home page itself exists.
    response = client.get("/?p=11")
    assert response.status_code == 301 and response["Location"] == ferry.url
    response = client.get("/?page_id=20")
    assert response.status_code == 301 and response["Location"] == about.url
    assert client.get("/?p=999999").status_code == 200  # unknown ids: the home page
    # Drafts get no redirect: there is nothing to send readers to yet.
    assert not Redirect.objects.filter(redirect_page=article("Half written")).exists()


def test_running_twice_creates_nothing_twice(tmp_path, files):
    xml = site_export(files[0])
    run_import(tmp_path, xml)
    counts = _counts()
    out = run_import(tmp_path, xml)
    assert _counts() == counts
    assert "post: 0 imported, 7 already there" in out
    assert "comment: 0 imported, 6 already there" in out
    assert "page: 0 imported, 1 already there" in out
    assert "attachment: 0 imported, 1 already there" in out
    assert files[1]["/photo.png"] == 1


def _counts() -> dict:
    return {
        "articles": ArticlePage.objects.count(),
        "pages": StandardPage.objects.count(),
        "sections": SectionPage.objects.count(),
        "authors": Author.objects.count(),
        "comments": Comment.objects.count(),
        "images": Image.objects.count(),
        "redirects": Redirect.objects.count(),
        "tags": Tag.objects.count(),
        "views": ArticleViewTotal.objects.count(),
        "ledger": ImportedItem.objects.count(),
    }


def test_dry_run_writes_nothing_and_reports(tmp_path, files):
    before = _counts()
    out = run_import(tmp_path, site_export(files[0]), "--dry-run")
    assert _counts() == before
    assert out.startswith("Dry run: nothing was written.")
    assert "post: 7 imported" in out
    assert files[1] == {}  # nothing downloaded


def test_no_download_records_urls(tmp_path, files):
    out = run_import(tmp_path, site_export(files[0]), "--no-download")
    assert Image.objects.count() == 0 and files[1] == {}
    assert "photo.png: not downloaded" in out
    assert "post 11: its featured image (attachment 90) was not stored" in out


def test_images_in_bodies_fetched_once_and_redirects_followed(tmp_path, files):
    base, hits = files
    body = f'<p>One</p><img src="{base}/inline.png" alt="Inline"><p>Two</p>'
    moved = f'<figure><img src="{base}/moved.png" alt="Moved"></figure>'
    xml = wb.build_wxr(
        authors=AUTHORS,
        items=[
            wb.post("First", post_id=1, content=body),
            wb.post("Second", post_id=2, content=body + moved),
        ],
    )
    run_import(tmp_path, xml)
    first, second = article("First"), article("Second")
    images = [b.value["image"] for b in second.body if b.block_type == "image"]
    assert len(images) == 2
    assert [b.value["image"].pk for b in first.body if b.block_type == "image"] == [images[0].pk]
    assert hits["/inline.png"] == 1
    assert hits["/photo.png?moved"] == 1


def test_missing_author_and_duplicate_slugs(tmp_path, files):
    xml = wb.build_wxr(
        authors=AUTHORS,
        items=[
            wb.post("Same", post_id=1, slug="same"),
            wb.post("Same again", post_id=2, slug="same"),
            wb.post("Ghost writer", post_id=3, creator="nobody"),
        ],
    )
    out = run_import(tmp_path, xml)
    assert article("Same").slug == "same"
    assert article("Same again").slug == "same-2"
    assert "the address 'same' was taken; it is now 'same-2'" in out
    assert article("Ghost writer").author_list == []
    assert "author 'nobody' is not among the export's authors" in out


def test_script_never_reaches_the_page(tmp_path, files, client):
    xml = wb.build_wxr(
        authors=AUTHORS,
        items=[
            wb.post(
                "Hostile",
                post_id=1,
                content='<p>Fine text<script>alert("post")</script></p>'
                '<p onclick="alert(1)">Click</p><img src="x" onerror="alert(2)">',
                excerpt="<script>alert('excerpt')</script>Summary",
                comments=[wb.comment(1, "<script>alert('comment')</script>Hello")],
            )
        ],
    )
    run_import(tmp_path, xml)
    hostile = article("Hostile")
    assert Comment.objects.get(article=hostile).body == "Hello"
    response = client.get(hostile.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Fine text" in html and "Hello" in html
    for bad in ("alert(", "onclick", "onerror"):
        assert bad not in html, bad


def _refused(tmp_path, xml: str, match: str):
    before = _counts()
    path = tmp_path / "bad.xml"
    path.write_text(xml, encoding="utf-8")
    with pytest.raises(CommandError, match=match):
        call_command("import", "wordpress", str(path), stdout=io.StringIO())
    assert _counts() == before


def test_malformed_xml_refused_before_anything_is_written(tmp_path):
    good = wb.build_wxr(authors=AUTHORS, items=[wb.post("Fine", post_id=1)])
    broken = good.replace("</channel>", "<item><title>cut off</channel>")
    _refused(tmp_path, broken, "not well-formed XML")
    assert not ArticlePage.objects.filter(title="Fine").exists()


def test_billion_laughs_refused(tmp_path):
    prolog = (
        '<!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    )
    xml = wb.build_wxr(prolog=prolog, items=[wb.post("&lol3;", post_id=1)])
    xml = xml.replace("<![CDATA[&lol3;]]>", "&lol3;")
    _refused(tmp_path, xml, "refused")


def test_external_entity_refused(tmp_path):
    prolog = '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    xml = wb.build_wxr(prolog=prolog, items=[wb.post("XXE", post_id=1)])
    xml = xml.replace("<![CDATA[<p>Hello world.</p>]]>", "&xxe;")
    _refused(tmp_path, xml, "refused")
    assert not Comment.objects.exists() and not ArticlePage.objects.filter(title="XXE").exists()


def test_not_a_wordpress_export_refused(tmp_path):
    _refused(tmp_path, "<rss><channel><title>x</title></channel></rss>", "not a WordPress export")


def test_wxr_1_0_namespace_accepted(tmp_path):
    run_import(
        tmp_path, wb.build_wxr(version="1.0", authors=AUTHORS, items=[wb.post("Old", post_id=1)])
    )
    assert article("Old").live
