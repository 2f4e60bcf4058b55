"""`masthead import ghost` on broken, old and hostile exports: clear errors, nothing
written by a file that cannot be imported, one bad item never losing the others."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from masthead.discussion.models import Comment
from masthead.newsletters.models import ListSubscription, Newsletter, Subscriber
from masthead.newsroom.models import ArticlePage, Author, SectionPage, StandardPage
from masthead.porting.models import ImportedItem
from tests.newsroom.factories import home_page

from .ghost_builder import GhostExport

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site():
    home_page()


def run_import(path, *options) -> str:
    out = io.StringIO()
    call_command("import", "ghost", str(path), *options, stdout=out)
    return out.getvalue()


def _nothing_written() -> bool:
    return not (
        ArticlePage.objects.exists()
        or StandardPage.objects.exists()
        or Author.objects.exists()
        or Subscriber.objects.exists()
        or ImportedItem.objects.exists()
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not valid JSON"),
        (b'{"db": [{"data": {"posts": [', "not valid JSON"),
        (b"<?xml version='1.0'?><rss/>", "not valid JSON"),
        (b"\xff\xfe{}", "not valid JSON|not UTF-8"),
        (b"[1, 2, 3]", "not a Ghost export"),
        (b'{"posts": [{"title": "x"}]}', "not a Ghost export"),
        (b'{"db": [{"meta": {}, "data": {"members": []}}]}', "not a Ghost export"),
    ],
)
def test_a_file_that_is_not_a_ghost_export_is_refused_whole(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run_import(path)
    assert _nothing_written()


def test_a_file_broken_after_its_first_posts_writes_nothing(tmp_path):
    """The whole file is checked before the first item is imported."""
    g = GhostExport()
    g.user("Ana", role="Owner")
    for n in range(5):
        g.post(f"Post {n}")
    text = json.dumps(g.as_dict())
    cut = text.index('"users"')  # posts come first; the users table is torn off
    path = tmp_path / "torn.json"
    path.write_text(text[:cut] + '"users": [{"id": ', encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        run_import(path)
    assert _nothing_written()


@pytest.mark.parametrize("layout", ["db-object", "top"])
def test_older_export_layouts_are_read(tmp_path, layout):
    g = GhostExport(version="1.25.0")
    ana = g.user("Ana", role="Owner")
    g.post("Old post", authors=[ana])
    output = run_import(g.write(tmp_path / "old.json", layout=layout))
    assert "post: 1 imported" in output
    assert ArticlePage.objects.get(slug="old-post").author_list[0].name == "Ana"


def test_ghost_0x_page_flag_subscribed_flag_and_millisecond_dates(tmp_path):
    g = GhostExport(version="0.11.14")
    g.setting("title", "Tiny Blog")
    row = g.post("Colophon", type=None, page=True)
    row["published_at"] = 1_400_000_000_000
    g.member("old@example.com", subscribed=True)
    g.member("quiet@example.com", subscribed=False)
    run_import(g.write(tmp_path / "ancient.json", layout="top"))
    page = StandardPage.objects.get(slug="colophon")
    assert page.first_published_at.year == 2014
    tiny = Newsletter.objects.get(name="Tiny Blog")
    assert ListSubscription.objects.get(subscriber__email="old@example.com").status == "active"
    quiet = ListSubscription.objects.get(subscriber__email="quiet@example.com", newsletter=tiny)
    assert quiet.status == "unsubscribed"


def test_lexical_and_mobiledoc_only_posts_keep_their_text(tmp_path):
    g = GhostExport()
    g.user("Ana", role="Owner")
    lexical = {
        "root": {
            "children": [
                {"type": "paragraph", "children": [{"type": "text", "text": "First <para>"}]},
                {"type": "heading", "children": [{"text": "Second"}, {"text": " part"}]},
            ]
        }
    }
    mobiledoc = {
        "version": "0.3.1",
        "markups": [],
        "cards": [],
        "sections": [[1, "p", [[0, [], 0, "Mobile text"]]], [3, "ul", [[[0, [], 0, "item"]]]]],
    }
    g.post("Lexical", html=None, lexical=json.dumps(lexical))
    g.post("Mobile", html=None, mobiledoc=json.dumps(mobiledoc))
    output = run_import(g.write(tmp_path / "editors.json"))
    lex = ArticlePage.objects.get(slug="lexical")
    assert [b.block_type for b in lex.body] == ["paragraph", "paragraph"]
    assert "First &lt;para&gt;" in str(lex.body[0].value.source)
    assert "Second part" in str(lex.body[1].value.source)
    assert lex.standfirst.startswith("First <para>")
    mob = ArticlePage.objects.get(slug="mobile")
    assert [str(b.value.source) for b in mob.body] == ["<p>Mobile text</p>", "<p>item</p>"]
    assert "only lexical" in output and "only mobiledoc" in output


def test_missing_authors_duplicate_slugs_and_bad_items(tmp_path, client):
    g = GhostExport()
    ana = g.user("Ana", role="Owner")
    ghost = {"id": "ffffffffffffffffffffffff"}
    g.post("Orphan", slug="same", authors=[ghost])
    g.post("Twin", slug="same", authors=[ana])
    g.post("Odd", status="weird")
    g.member("not an address")
    g.member("fine@example.com")
    output = run_import(g.write(tmp_path / "messy.json"))
    orphan, twin = ArticlePage.objects.get(title="Orphan"), ArticlePage.objects.get(title="Twin")
    assert orphan.author_list == []
    assert f"author {ghost['id']} is not in the export" in output
    assert "'Orphan' has no author" in output
    assert (orphan.slug, twin.slug) == ("same", "same-2")
    assert "slug 'same' was taken; it is now 'same-2'" in output
    assert "the old URL /same/ already redirects elsewhere" in output
    assert client.get("/same/")["Location"].endswith(orphan.url)
    assert "unknown status 'weird'" in output and not ArticlePage.objects.filter(title="Odd")
    assert "not an address: invalid email address" in output
    assert Subscriber.objects.filter(email="fine@example.com").exists()


def test_huge_strings_are_cut_to_size(tmp_path):
    g = GhostExport()
    ana = g.user("A" * 10_000, role="Owner", slug="a" * 5_000, bio="b" * 100_000)
    news = g.tag("T" * 5_000, slug="t" * 5_000, description="d" * 100_000)
    post = g.post(
        "Headline " * 5_000,
        slug="s" * 5_000,
        html="<p>" + "word " * 400_000 + "</p>",
        custom_excerpt="e" * 100_000,
        tags=[news],
        authors=[ana],
    )
    member = g.member("long@example.com", name="N" * 10_000, newsletters=[g.newsletter("L" * 500)])
    g.comment(post, member, "<p>" + "c" * 100_000 + "</p>")
    output = run_import(g.write(tmp_path / "huge.json"))
    assert "Skipped" not in output
    article = ArticlePage.objects.get()
    assert len(article.title) <= 255 and len(article.slug) <= 255
    assert len(article.standfirst) <= 300
    assert len(SectionPage.objects.exclude(slug="news").get().title) <= 255
    assert len(Subscriber.objects.get().name) <= 100
    assert len(Comment.objects.get().body) == 5000


def test_script_in_a_comment_is_plain_text_on_the_page(tmp_path, client):
    g = GhostExport()
    ana = g.user("Ana", role="Owner")
    post = g.post("Talk", authors=[ana])
    member = g.member("evil@example.com", name="<img src=x onerror=alert(1)>")
    g.comment(post, member, '<p>Hi<script>alert("c")</script><a href="javascript:x()">link</a></p>')
    run_import(g.write(tmp_path / "evil.json"))
    comment = Comment.objects.get()
    assert comment.body == "Hilink"
    html = client.get(ArticlePage.objects.get().url).content.decode()
    assert 'alert("c")' not in html and "javascript:x()" not in html
    assert "<img src=x" not in html


def test_comment_threads_that_point_nowhere_or_elsewhere_stay_on_their_post(tmp_path):
    g = GhostExport()
    ana = g.user("Ana", role="Owner")
    first, second = g.post("First", authors=[ana]), g.post("Second", authors=[ana])
    g.comment(first, None, "<p>On first</p>")
    elsewhere = g.tables["comments"][-1]
    g.comment(second, None, "<p>Claims a parent on first</p>", parent=elsewhere)
    g.comment(second, None, "<p>Parent never exported</p>", parent={"id": "missing"})
    g.comment(second, None, "<p><script>x</script></p>")
    output = run_import(g.write(tmp_path / "threads.json"))
    crossed = Comment.objects.get(body="Claims a parent on first")
    assert crossed.parent is None and crossed.article.title == "Second"
    assert Comment.objects.get(body="Parent never exported").parent is None
    assert "its parent is not in the export" in output
    assert "its parent is on another post" in output
    assert "the comment is empty" in output
