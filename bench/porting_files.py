"""Large import files for the scale test and the import bench, written as streams.

`write_wxr(path, posts)` writes a WordPress eXtended RSS export of `posts` posts
(a few paragraphs each, one category, two tags, an author, two comments — the
second a reply to the first); `write_ghost(path, posts)` writes a Ghost JSON export
of the same shape.  Both write item by item, so the writer itself never holds more
than one post: a 10,000-post file costs the generator no more memory than a
10-post one, and the import's memory is what gets measured.
"""

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ORIGIN = "https://old.example"
AUTHORS = [("alice", "Alice Archer"), ("bruno", "Bruno Castell"), ("chen", "Chen Wu")]
CATEGORIES = [("news", "News"), ("analysis", "Analysis"), ("culture", "Culture")]
TAGS = 40
START = datetime(2015, 1, 1, 8, 0, tzinfo=UTC)

PARAGRAPH = (
    "Paragraph {n} of post {i}. The council met on Tuesday to discuss the harbour "
    "ferries, the library's opening hours and the budget for the next three years; "
    'residents asked about the <em>timetable</em> and the <a href="{origin}/about/">'
    "consultation</a>."
)


def _cdata(text: str) -> str:
    # "]]>" cannot appear inside CDATA: split it across two sections, as WordPress does.
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def post_body(i: int, paragraphs: int = 4) -> str:
    """Classic-editor HTML: blank-line separated paragraphs and a heading."""
    parts = [PARAGRAPH.format(n=n, i=i, origin=ORIGIN) for n in range(1, paragraphs + 1)]
    parts.insert(2, f"<h2>Section heading {i}</h2>")
    return "\n\n".join(parts)


def _when(i: int) -> datetime:
    return START + timedelta(hours=i)


def _tags_of(i: int) -> tuple[int, int]:
    return i % TAGS, (i * 7 + 3) % TAGS


def write_wxr(path: str | Path, posts: int) -> Path:
    path = Path(path)
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8" ?>\n'
            '<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
            f"<title>Old Example</title>\n<link>{ORIGIN}</link>\n"
            "<description>A large test site</description>\n<language>en-GB</language>\n"
            "<wp:wxr_version>1.2</wp:wxr_version>\n"
            f"<wp:base_site_url>{ORIGIN}</wp:base_site_url>\n"
            f"<wp:base_blog_url>{ORIGIN}</wp:base_blog_url>\n"
        )
        for n, (login, name) in enumerate(AUTHORS, start=1):
            first, last = name.split(" ", 1)
            out.write(
                f"<wp:author><wp:author_id>{n}</wp:author_id>"
                f"<wp:author_login>{_cdata(login)}</wp:author_login>"
                f"<wp:author_email>{_cdata(f'{login}@old.example')}</wp:author_email>"
                f"<wp:author_display_name>{_cdata(name)}</wp:author_display_name>"
                f"<wp:author_first_name>{_cdata(first)}</wp:author_first_name>"
                f"<wp:author_last_name>{_cdata(last)}</wp:author_last_name></wp:author>\n"
            )
        for n, (slug, name) in enumerate(CATEGORIES, start=1):
            out.write(
                f"<wp:category><wp:term_id>{n}</wp:term_id>"
                f"<wp:category_nicename>{_cdata(slug)}</wp:category_nicename>"
                f"<wp:category_parent>{_cdata('')}</wp:category_parent>"
                f"<wp:cat_name>{_cdata(name)}</wp:cat_name></wp:category>\n"
            )
        for t in range(TAGS):
            out.write(
                f"<wp:tag><wp:term_id>{100 + t}</wp:term_id>"
                f"<wp:tag_slug>{_cdata(f'topic-{t}')}</wp:tag_slug>"
                f"<wp:tag_name>{_cdata(f'Topic {t}')}</wp:tag_name></wp:tag>\n"
            )
        for i in range(1, posts + 1):
            out.write(_wxr_item(i))
        out.write("</channel>\n</rss>\n")
    return path


def _wxr_item(i: int) -> str:
    post_id = 1000 + i
    when = _when(i)
    local = when.strftime("%Y-%m-%d %H:%M:%S")
    slug = f"post-number-{i}"
    login, _ = AUTHORS[i % len(AUTHORS)]
    cat_slug, cat_name = CATEGORIES[i % len(CATEGORIES)]
    tag_a, tag_b = _tags_of(i)
    comments = []
    for c in (1, 2):
        comment_id = 2 * post_id + c
        comments.append(
            f"<wp:comment><wp:comment_id>{comment_id}</wp:comment_id>"
            f"<wp:comment_author>{_cdata(f'Reader {c}')}</wp:comment_author>"
            f"<wp:comment_author_email>{_cdata(f'reader{c}@mail.example')}"
            "</wp:comment_author_email>"
            "<wp:comment_author_url></wp:comment_author_url>"
            "<wp:comment_author_IP>192.0.2.1</wp:comment_author_IP>"
            f"<wp:comment_date>{_cdata(local)}</wp:comment_date>"
            f"<wp:comment_date_gmt>{_cdata(local)}</wp:comment_date_gmt>"
            f"<wp:comment_content>{_cdata(f'Comment {c} on post {i}: thank you.')}"
            "</wp:comment_content>"
            "<wp:comment_approved>1</wp:comment_approved>"
            "<wp:comment_type>comment</wp:comment_type>"
            f"<wp:comment_parent>{comment_id - 1 if c == 2 else 0}</wp:comment_parent>"
            "<wp:comment_user_id>0</wp:comment_user_id></wp:comment>"
        )
    return (
        f"<item><title>{_cdata(f'Post number {i}')}</title>"
        f"<link>{ORIGIN}/{when:%Y/%m/%d}/{slug}/</link>"
        f"<pubDate>{when:%a, %d %b %Y %H:%M:%S} +0000</pubDate>"
        f"<dc:creator>{_cdata(login)}</dc:creator>"
        f'<guid isPermaLink="false">{ORIGIN}/?p={post_id}</guid>'
        "<description></description>"
        f"<content:encoded>{_cdata(post_body(i))}</content:encoded>"
        f"<excerpt:encoded>{_cdata(f'The short version of post {i}.')}</excerpt:encoded>"
        f"<wp:post_id>{post_id}</wp:post_id>"
        f"<wp:post_date>{_cdata(local)}</wp:post_date>"
        f"<wp:post_date_gmt>{_cdata(local)}</wp:post_date_gmt>"
        f"<wp:post_modified>{_cdata(local)}</wp:post_modified>"
        f"<wp:post_modified_gmt>{_cdata(local)}</wp:post_modified_gmt>"
        f"<wp:comment_status>{_cdata('open')}</wp:comment_status>"
        f"<wp:ping_status>{_cdata('closed')}</wp:ping_status>"
        f"<wp:post_name>{_cdata(slug)}</wp:post_name>"
        f"<wp:status>{_cdata('publish')}</wp:status>"
        "<wp:post_parent>0</wp:post_parent><wp:menu_order>0</wp:menu_order>"
        f"<wp:post_type>{_cdata('post')}</wp:post_type>"
        f"<wp:post_password>{_cdata('')}</wp:post_password>"
        "<wp:is_sticky>0</wp:is_sticky>"
        f'<category domain="category" nicename="{cat_slug}">{_cdata(cat_name)}</category>'
        f'<category domain="post_tag" nicename="topic-{tag_a}">{_cdata(f"Topic {tag_a}")}'
        "</category>"
        f'<category domain="post_tag" nicename="topic-{tag_b}">{_cdata(f"Topic {tag_b}")}'
        "</category>" + "".join(comments) + "</item>\n"
    )


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def write_ghost(path: str | Path, posts: int) -> Path:
    """A Ghost 5 export: {"db": [{"meta": ..., "data": {...}}]} with each table written
    row by row."""
    path = Path(path)
    created = _iso(START)

    def table(out, name: str, rows, first: bool = False) -> None:
        out.write(("" if first else ",") + json.dumps(name) + ":[")
        for n, row in enumerate(rows):
            out.write(("," if n else "") + json.dumps(row, separators=(",", ":")) + "\n")
        out.write("]")

    def post_id(i: int) -> str:
        return f"{i:024x}"

    with path.open("w", encoding="utf-8") as out:
        out.write('{"db":[{"meta":{"exported_on":1700000000000,"version":"5.75.0"},"data":{')
        table(
            out,
            "users",
            (
                {
                    "id": f"u{n:023x}",
                    "name": name,
                    "slug": login,
                    "email": f"{login}@old.example",
                    "bio": None,
                    "status": "active",
                    "created_at": created,
                }
                for n, (login, name) in enumerate(AUTHORS)
            ),
            first=True,
        )
        table(
            out,
            "tags",
            [
                {"id": f"c{n:023x}", "name": name, "slug": slug, "visibility": "public"}
                for n, (slug, name) in enumerate(CATEGORIES)
            ]
            + [
                {
                    "id": f"t{t:023x}",
                    "name": f"Topic {t}",
                    "slug": f"topic-{t}",
                    "visibility": "public",
                }
                for t in range(TAGS)
            ],  # fmt: skip
        )
        table(
            out,
            "posts",
            (
                {
                    "id": post_id(i),
                    "uuid": f"00000000-0000-4000-8000-{i:012x}",
                    "title": f"Post number {i}",
                    "slug": f"post-number-{i}",
                    "html": "".join(
                        f"<p>{PARAGRAPH.format(n=n, i=i, origin=ORIGIN)}</p>" for n in range(1, 5)
                    ),
                    "feature_image": None,
                    "type": "post",
                    "status": "published",
                    "visibility": "public",
                    "custom_excerpt": f"The short version of post {i}.",
                    "created_at": _iso(_when(i)),
                    "updated_at": _iso(_when(i)),
                    "published_at": _iso(_when(i)),
                }
                for i in range(1, posts + 1)
            ),
        )
        table(
            out,
            "posts_authors",
            (
                {
                    "id": f"a{i:023x}",
                    "post_id": post_id(i),
                    "author_id": f"u{i % len(AUTHORS):023x}",
                    "sort_order": 0,
                }
                for i in range(1, posts + 1)
            ),
        )

        def post_tags():
            for i in range(1, posts + 1):
                tag_a, tag_b = _tags_of(i)
                yield {"id": f"p{3 * i:023x}", "post_id": post_id(i),
                       "tag_id": f"c{i % len(CATEGORIES):023x}", "sort_order": 0}  # fmt: skip
                yield {"id": f"p{3 * i + 1:023x}", "post_id": post_id(i),
                       "tag_id": f"t{tag_a:023x}", "sort_order": 1}  # fmt: skip
                yield {"id": f"p{3 * i + 2:023x}", "post_id": post_id(i),
                       "tag_id": f"t{tag_b:023x}", "sort_order": 2}  # fmt: skip

        table(out, "posts_tags", post_tags())
        out.write("}}]}\n")
    return path


# --- running an import as its own process -------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


def environment(data: Path) -> dict:
    """Production settings on a SQLite database of its own in `data`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "CACHE_URL", "MASTHEAD_TESTING", "DATABASE_URL")
    }
    env.update(
        MASTHEAD_DATA_DIR=str(data),
        DATABASE_URL=f"sqlite:///{data / 'db.sqlite3'}",
        PYTHONPATH=str(ROOT),
        MASTHEAD_COLLECTSTATIC="",
    )
    return env


def masthead(data: Path, *args: str, timeout: float = 3600) -> dict:
    """Run `masthead ARGS` in `data` and wait for it with wait4, which gives that one
    process's own peak resident set (ru_maxrss), exact rather than sampled.  Returns
    its exit code, wall seconds, peak RSS in bytes, stdout and stderr."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "masthead.cli", *args],
            cwd=ROOT, env=environment(data), stdout=out, stderr=err, text=True,
        )  # fmt: skip
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.05)
        seconds = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {
            "code": process.returncode,
            "seconds": seconds,
            "rss": usage.ru_maxrss * 1024,  # kilobytes on Linux
            "stdout": out.read(),
            "stderr": err.read(),
        }


def migrated(data: Path) -> Path:
    """A freshly migrated data dir."""
    data.mkdir(parents=True, exist_ok=True)
    done = masthead(data, "migrate", "--no-input", "-v", "0")
    if done["code"] != 0:
        raise RuntimeError(done["stderr"][-3000:])
    return data


def count_rows(data: Path, table: str) -> int:
    with sqlite3.connect(data / "db.sqlite3") as db:
        return db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
