"""`masthead backup` on PostgreSQL (pg_dump) and `masthead restore` into a second, empty
database: the same publication, read straight from PostgreSQL, and the same media bytes.

Restores go into a blank database (never migrated) and into a migrated but empty one
(what an operator has after installing the new deployment), each with its own media root.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from pathlib import Path

import pytest

from tests.core import test_backup

from . import harness

# The same publication as the SQLite tests build.
BUILD = test_backup.BUILD

# The publication, read from PostgreSQL itself: what each restore must reproduce.
QUERIES = {
    "pages": "SELECT title, url_path, live, content_type_id IS NOT NULL FROM wagtailcore_page"
    " ORDER BY url_path",
    "articles": "SELECT p.url_path, a.standfirst, a.body::text, i.file FROM newsroom_articlepage a"
    " JOIN wagtailcore_page p ON p.id = a.page_ptr_id"
    " LEFT JOIN wagtailimages_image i ON i.id = a.featured_image_id ORDER BY p.url_path",
    "comments": "SELECT p.url_path, c.author_name, c.author_email, c.body, c.status"
    " FROM discussion_comment c JOIN wagtailcore_page p ON p.id = c.article_id"
    " ORDER BY c.body",
    "subscribers": "SELECT email, name, status FROM newsletters_subscriber ORDER BY email",
    "donations": "SELECT public_id::text, amount, currency, status, email FROM support_donation"
    " ORDER BY public_id",
    "view_totals": "SELECT p.url_path, v.views FROM metrics_articleviewtotal v"
    " JOIN wagtailcore_page p ON p.id = v.article_id ORDER BY p.url_path",
    "hourly_views": "SELECT p.url_path, h.hour, h.views FROM metrics_articlehourlyviews h"
    " JOIN wagtailcore_page p ON p.id = h.article_id ORDER BY p.url_path, h.hour",
    "users": "SELECT username, email, password FROM auth_user ORDER BY username",
    "images": "SELECT title, file, width, height FROM wagtailimages_image ORDER BY file",
}


def publication(url: str) -> dict:
    return {name: harness.sql(url, query) for name, query in QUERIES.items()}


def media_files(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def backed_up(deployment):
    """The module's deployment filled with a publication, and one backup of it."""
    deployment.python(BUILD)
    archive = deployment.root / "site.tar.gz"
    summary = deployment.manage("backup", str(archive))
    return {"archive": archive, "summary": summary, "state": publication(deployment.database_url)}


@pytest.fixture
def target(deployment):
    """A second deployment on a new, blank database, with its own media root."""
    url = harness.create_database()
    other = harness.Deployment(database_url=url, redis_url=deployment.redis_url)
    yield other
    other.cleanup()
    harness.drop_database(url)


def test_the_publication_under_test_has_every_kind_of_row(backed_up, deployment):
    state = backed_up["state"]
    assert len(state["articles"]) == 2
    assert len(state["comments"]) == 3
    assert len(state["subscribers"]) == 2
    assert len(state["donations"]) == 1
    assert sum(views for _, views in state["view_totals"]) == 49
    assert any(
        name.startswith("original_images/") for name in media_files(deployment.root / "media")
    )


def test_the_archive_holds_a_pg_dump_and_a_manifest(backed_up):
    with tarfile.open(backed_up["archive"], "r:gz") as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        dump = tar.extractfile("database/db.pgdump").read(5)
    assert dump == b"PGDMP"  # pg_dump's custom format
    assert manifest["vendor"] == "postgresql"
    assert manifest["counts"]["articles"] == 2
    assert manifest["counts"]["views_total"] == 49
    assert "2 articles" in backed_up["summary"]


def test_restore_into_a_blank_database_gives_the_same_publication(backed_up, deployment, target):
    out = target.manage("restore", str(backed_up["archive"]))
    assert "Restored from" in out
    assert publication(target.database_url) == backed_up["state"]
    assert media_files(target.root / "media") == media_files(deployment.root / "media")


def test_restore_into_a_migrated_empty_database_gives_the_same_publication(
    backed_up, deployment, target
):
    target.migrate()
    target.manage("restore", str(backed_up["archive"]))
    assert publication(target.database_url) == backed_up["state"]
    assert media_files(target.root / "media") == media_files(deployment.root / "media")
    # Migrations recorded once each: the restored table replaced the target's own.
    duplicates = harness.sql(
        target.database_url,
        "SELECT app, name FROM django_migrations GROUP BY app, name HAVING count(*) > 1",
    )
    assert duplicates == []


def test_restore_refuses_a_database_that_holds_content(backed_up, deployment):
    output = deployment.manage("restore", str(backed_up["archive"]), check=False)
    assert "already holds content" in output
    assert publication(deployment.database_url) == backed_up["state"]


def test_restore_with_force_replaces_what_the_database_holds(backed_up, deployment, target):
    target.migrate()
    target.python(
        "from tests.newsroom.factories import make_article\nmake_article(title='Only here')"
    )
    target.manage("restore", "--force", str(backed_up["archive"]))
    assert publication(target.database_url) == backed_up["state"]


def test_a_postgresql_backup_is_refused_by_a_sqlite_deployment(backed_up, target):
    sqlite_url = f"sqlite:///{target.root / 'site.sqlite3'}"
    output = target.manage(
        "restore", str(backed_up["archive"]), check=False, DATABASE_URL=sqlite_url
    )
    assert "holds a postgresql database and this deployment uses sqlite" in output
    assert "Traceback" not in output
