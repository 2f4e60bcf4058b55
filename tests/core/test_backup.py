"""`masthead backup` / `masthead restore` on SQLite, run as an operator runs them: the real
command in its own process, each deployment with its own MASTHEAD_DATA_DIR.

A publication (articles, one with an image, comments, subscribers, a donation, views,
a staff user) is backed up and restored into a fresh data dir; the restored one must
read the same, row for row and byte for byte.  Refusals leave everything as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import socket
import subprocess
import sys
import tarfile
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MASTHEAD = [sys.executable, "-m", "masthead.cli"]

BUILD = """
from django.contrib.auth import get_user_model
from masthead.metrics.models import ArticleHourlyViews, ArticleViewTotal
from masthead.newsletters.models import Subscriber
from masthead.support.models import Donation
from tests.discussion.factories import make_comment
from tests.newsroom.factories import make_article, make_image, make_section

image = make_image(title="Harbour at dawn")
analysis = make_section("Analysis")
lead = make_article(title="Council votes on the harbour", featured_image=image)
other = make_article(title="What the budget means", section=analysis)
make_comment(lead, author_name="Ann", body="First, and approving.")
make_comment(lead, author_name="Bob", body="Held for review.", status="pending")
make_comment(other, author_name="Cy", body="On the budget.")
Subscriber.objects.create(email="sub1@example.com", name="Sub One")
Subscriber.objects.create(email="sub2@example.com")
Donation.objects.create(
    provider="offline", amount=2500, currency="EUR", status="completed", email="d@example.com"
)
ArticleViewTotal.objects.create(article=lead, views=42)
ArticleViewTotal.objects.create(article=other, views=7)
ArticleHourlyViews.objects.create(article=lead, hour=490000, views=40)
ArticleHourlyViews.objects.create(article=lead, hour=490001, views=2)
ArticleHourlyViews.objects.create(article=other, hour=490001, views=7)
get_user_model().objects.create_user("editor", "editor@example.com", "a-long-password-1")
"""

# The publication as readers and staff see it, and every media file's bytes.
SNAPSHOT = """
import hashlib, json
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from masthead.core.backup.media import walk
from masthead.discussion.models import Comment
from masthead.metrics.models import ArticleHourlyViews, ArticleViewTotal
from masthead.newsletters.models import Subscriber
from masthead.newsroom.models import ArticlePage
from masthead.support.models import Donation

def media_hash(name):
    with default_storage.open(name, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()

state = {
    "articles": sorted(
        [a.title, a.url_path, a.live, a.standfirst, json.dumps(a.body.get_prep_value()),
         a.featured_image.file.name if a.featured_image else None]
        for a in ArticlePage.objects.all()
    ),
    "comments": sorted(
        [c.article.slug, c.author_name, c.author_email, c.body, c.status]
        for c in Comment.objects.all()
    ),
    "subscribers": sorted(Subscriber.objects.values_list("email", "name", "status")),
    "donations": sorted(
        [str(d.public_id), d.amount, d.currency, d.status, d.email]
        for d in Donation.objects.all()
    ),
    "view_totals": sorted(ArticleViewTotal.objects.values_list("article__slug", "views")),
    "hourly_views": sorted(
        ArticleHourlyViews.objects.values_list("article__slug", "hour", "views")
    ),
    "users": sorted(get_user_model().objects.values_list("username", "email", "password")),
    "media": {name: media_hash(name) for name in walk(default_storage)},
}
print("SNAPSHOT" + json.dumps(state, sort_keys=True))
"""


def deployment_env(data_dir: Path, **overrides: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "MASTHEAD_", "PYTEST", "DATABASE_", "CACHE_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="masthead.settings",
        MASTHEAD_DATA_DIR=str(data_dir),
        MASTHEAD_TESTING="1",
        SECRET_KEY="backup-tests-" + "k" * 40,
        LOG_LEVEL="WARNING",
    )
    env.update(overrides)
    return env


def masthead(
    data_dir: Path, *argv: str, timeout: float = 300, **env: str
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*MASTHEAD, *argv],
        env=deployment_env(data_dir, **env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def ok(data_dir: Path, *argv: str, **env: str) -> str:
    result = masthead(data_dir, *argv, **env)
    assert result.returncode == 0, f"masthead {argv} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def snapshot(data_dir: Path, **env: str) -> dict:
    out = ok(data_dir, "shell", "-c", SNAPSHOT, **env)
    return json.loads(out.split("SNAPSHOT", 1)[1])


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_manifest(archive: Path) -> dict:
    with tarfile.open(archive, "r:gz") as tar:
        return json.loads(tar.extractfile("manifest.json").read())


@pytest.fixture(scope="module")
def publication(tmp_path_factory):
    """A data dir holding the publication, its snapshot, and one backup of it."""
    root = tmp_path_factory.mktemp("backup")
    source = root / "source"
    ok(source, "migrate", "--no-input", "-v", "0")
    ok(source, "shell", "-c", BUILD)
    archive = root / "site.tar.gz"
    summary = ok(source, "backup", str(archive))
    return {
        "root": root,
        "source": source,
        "archive": archive,
        "state": snapshot(source),
        "summary": summary,
    }


def fresh_dir(publication) -> Path:
    return publication["root"] / f"target-{uuid.uuid4().hex[:8]}"


def test_the_publication_under_test_has_every_kind_of_row(publication):
    state = publication["state"]
    assert len(state["articles"]) == 2
    assert len(state["comments"]) == 3
    assert len(state["subscribers"]) == 2
    assert len(state["donations"]) == 1
    assert sum(views for _, views in state["view_totals"]) == 49
    assert any(name.startswith("original_images/") for name in state["media"])


def test_backup_then_restore_into_a_fresh_data_dir_gives_the_same_publication(publication):
    target = fresh_dir(publication)
    out = ok(target, "restore", str(publication["archive"]))
    assert "Restored from" in out
    assert snapshot(target) == publication["state"]


def test_the_manifest_describes_what_the_archive_holds(publication):
    manifest = read_manifest(publication["archive"])
    assert manifest["format_version"] == 1
    assert manifest["vendor"] == "sqlite"
    assert manifest["counts"]["articles"] == 2
    assert manifest["counts"]["comments"] == 3
    assert manifest["counts"]["subscribers"] == 2
    assert manifest["counts"]["donations"] == 1
    assert manifest["counts"]["views_total"] == 49
    assert manifest["counts"]["views_hourly"] == 49
    assert "0001_initial" in manifest["migrations"]["newsroom"]
    media = publication["state"]["media"]
    assert {f["name"]: f["sha256"] for f in manifest["media"]["files"]} == media
    with tarfile.open(publication["archive"], "r:gz") as tar:
        names = tar.getnames()
        for entry in manifest["media"]["files"]:
            data = tar.extractfile("media/" + entry["name"]).read()
            assert len(data) == entry["size"]
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert names[0] == "database/db.sqlite3"
    assert names[-1] == "manifest.json"
    assert "2 articles" in publication["summary"]


def test_backup_never_overwrites_an_archive(publication):
    before = sha256(publication["archive"])
    result = masthead(publication["source"], "backup", str(publication["archive"]))
    assert result.returncode != 0
    assert "already exists" in result.stderr
    assert sha256(publication["archive"]) == before


def test_restore_refuses_a_deployment_that_holds_content(publication):
    source = publication["source"]
    result = masthead(source, "restore", str(publication["archive"]))
    assert result.returncode != 0
    assert "already holds content" in result.stderr
    assert "--force" in result.stderr
    assert snapshot(source) == publication["state"]


def hostile_archive(path: Path, member: tarfile.TarInfo, data: bytes = b"") -> Path:
    with tarfile.open(path, "w:gz") as tar:
        manifest = b'{"format_version": 1}'
        info = tarfile.TarInfo("manifest.json")
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
        member.size = len(data) if member.isreg() else 0
        tar.addfile(member, io.BytesIO(data) if member.isreg() else None)
    return path


def _symlink() -> tarfile.TarInfo:
    info = tarfile.TarInfo("media/original_images/passwd")
    info.type = tarfile.SYMTYPE
    info.linkname = "/etc/passwd"
    return info


def _hardlink() -> tarfile.TarInfo:
    info = tarfile.TarInfo("media/escape")
    info.type = tarfile.LNKTYPE
    info.linkname = "../../escaped"
    return info


@pytest.mark.parametrize(
    ("member", "why"),
    [
        (lambda: tarfile.TarInfo("media/../../escaped"), "unsafe member name"),
        (lambda: tarfile.TarInfo("/tmp/masthead-escaped"), "unsafe member name"),
        (lambda: tarfile.TarInfo("escaped"), "unexpected member"),
        (_symlink, "is a link"),
        (_hardlink, "is a link"),
    ],
    ids=["dot-dot", "absolute", "outside-layout", "symlink", "hardlink"],
)
def test_a_hostile_archive_is_refused_before_anything_happens(publication, member, why):
    target = fresh_dir(publication)
    archive = hostile_archive(
        publication["root"] / f"hostile-{uuid.uuid4().hex[:6]}.tar.gz", member(), b"owned"
    )
    result = masthead(target, "restore", str(archive))
    assert result.returncode != 0
    assert "refusing the archive" in result.stderr
    assert why in result.stderr
    assert not (publication["root"] / "escaped").exists()
    assert not Path("/tmp/masthead-escaped").exists()
    assert not (target / "media").exists()
    assert "Traceback" not in result.stderr


def _flip_middle(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes(b ^ 0xFF for b in data[middle : middle + 64]) + data[middle + 64 :]


@pytest.mark.parametrize(
    "damage",
    [_flip_middle, lambda data: data[: len(data) * 2 // 3], lambda data: b"not a tar" * 100],
    ids=["flipped-bytes", "truncated", "not-an-archive"],
)
def test_a_damaged_archive_is_refused_and_nothing_changes(publication, damage):
    """Even with --force, which would otherwise replace everything in the source."""
    source = publication["source"]
    damaged = publication["root"] / f"damaged-{uuid.uuid4().hex[:6]}.tar.gz"
    damaged.write_bytes(damage(publication["archive"].read_bytes()))
    db_before = sha256(source / "db.sqlite3")
    result = masthead(source, "restore", "--force", str(damaged))
    assert result.returncode != 0
    assert "restore failed" in result.stderr
    assert "Traceback" not in result.stderr
    assert sha256(source / "db.sqlite3") == db_before
    assert snapshot(source) == publication["state"]


def test_restore_with_force_replaces_a_deployment_that_holds_content(publication):
    target = fresh_dir(publication)
    ok(target, "migrate", "--no-input", "-v", "0")
    ok(
        target,
        "shell",
        "-c",
        "from tests.newsroom.factories import make_article\n"
        "make_article(title='Only in the target')",
    )
    assert masthead(target, "restore", str(publication["archive"])).returncode != 0
    ok(target, "restore", "--force", str(publication["archive"]))
    assert snapshot(target) == publication["state"]


@pytest.fixture
def s3_server():
    """moto's S3 in server mode, on a port of its own; yields a function making buckets."""
    import boto3

    port = free_port()
    log = open(os.devnull, "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            client.list_buckets()
            break
        except Exception:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("moto_server did not start")
            time.sleep(0.2)

    def bucket() -> str:
        name = f"media-{uuid.uuid4().hex[:10]}"
        client.create_bucket(Bucket=name)
        return f"s3://test:test@{name}?endpoint_url={endpoint}&region_name=us-east-1"

    yield bucket
    server.terminate()
    server.wait(10)
    log.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_media_in_object_storage_is_backed_up_and_restored_through_the_storage_api(
    tmp_path, s3_server
):
    source_env = {"MEDIA_STORAGE_URL": s3_server()}
    source = tmp_path / "source"
    ok(source, "migrate", "--no-input", "-v", "0", **source_env)
    ok(source, "shell", "-c", BUILD, **source_env)
    state = snapshot(source, **source_env)
    assert any(name.startswith("original_images/") for name in state["media"])
    assert not (source / "media").exists()  # the bytes live in the bucket
    archive = tmp_path / "site.tar.gz"
    ok(source, "backup", str(archive), **source_env)

    target_env = {"MEDIA_STORAGE_URL": s3_server()}
    target = tmp_path / "target"
    ok(target, "restore", str(archive), **target_env)
    assert snapshot(target, **target_env) == state


WRITER = """
import time
from masthead.newsletters.models import Subscriber
deadline = time.monotonic() + 120
n = 0
while time.monotonic() < deadline:
    Subscriber.objects.create(email=f"w{n}@example.com")
    n += 1
"""


def _subscribers(db: Path) -> int:
    import sqlite3

    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)) as c:
        return c.execute("SELECT COUNT(*) FROM newsletters_subscriber").fetchone()[0]


def test_backup_while_another_process_writes_is_one_consistent_state(tmp_path):
    """The site keeps writing (WAL) during the backup; the archive is one moment of it,
    which restore proves by finding exactly the manifest's counts."""
    source = tmp_path / "source"
    ok(source, "migrate", "--no-input", "-v", "0")
    writer = subprocess.Popen(
        [*MASTHEAD, "shell", "-c", WRITER],
        env=deployment_env(source),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while _subscribers(source / "db.sqlite3") < 50:
            assert writer.poll() is None, "the writer exited early"
            assert time.monotonic() < deadline, "the writer wrote nothing"
            time.sleep(0.2)
        archive = tmp_path / "busy.tar.gz"
        ok(source, "backup", str(archive))
        backed_up = read_manifest(archive)["counts"]["subscribers"]
        assert backed_up >= 50
        # The writer was never held up for long: it goes on past the snapshot.
        while _subscribers(source / "db.sqlite3") <= backed_up:
            assert writer.poll() is None, "the writer exited during the backup"
            assert time.monotonic() < deadline + 60, "the writer stopped writing"
            time.sleep(0.2)
    finally:
        writer.terminate()
        writer.wait(10)
    target = tmp_path / "target"
    ok(target, "restore", str(archive))
    assert _subscribers(target / "db.sqlite3") == backed_up


def _fake_tool(directory: Path, name: str, major: int) -> Path:
    """A stand-in for pg_dump that reports its version and records how it was called."""
    directory.mkdir(parents=True, exist_ok=True)
    tool = directory / name
    tool.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = --version ]; then echo "{name} (PostgreSQL) {major}.3"; exit 0; fi\n'
        'printf "%s\\n" "$@" > "$FAKE_PG_LOG.argv"\n'
        'printf "%s" "$PGPASSWORD" > "$FAKE_PG_LOG.password"\n'
    )
    tool.chmod(0o755)
    return tool


def test_pg_dump_gets_the_password_in_its_environment_never_its_arguments(tmp_path, monkeypatch):
    from masthead.core.backup import postgres

    _fake_tool(tmp_path / "pg" / "16" / "bin", "pg_dump", 16)
    monkeypatch.setattr(postgres, "TOOL_DIRS", str(tmp_path / "pg" / "*" / "bin"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setenv("FAKE_PG_LOG", str(tmp_path / "log"))
    postgres.dump(
        settings_dict={"NAME": "news", "USER": "masthead", "PASSWORD": "s3cret!", "HOST": "db"},
        server_major=16,
        dest=tmp_path / "out.pgdump",
        snapshot_id="00000003-1",
    )
    argv = (tmp_path / "log.argv").read_text().split("\n")
    assert "s3cret!" not in "\n".join(argv)
    assert (tmp_path / "log.password").read_text() == "s3cret!"
    assert {"--format=custom", "--no-owner", "--no-privileges", "--snapshot=00000003-1"} <= set(
        argv
    )


def test_the_pg_dump_matching_the_server_is_preferred(tmp_path, monkeypatch):
    from masthead.core.backup import postgres

    for major in (13, 15, 17):
        _fake_tool(tmp_path / "pg" / str(major) / "bin", "pg_dump", major)
    monkeypatch.setattr(postgres, "TOOL_DIRS", str(tmp_path / "pg" / "*" / "bin"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert postgres.find_tool("pg_dump", 15) == str(tmp_path / "pg" / "15" / "bin" / "pg_dump")
    assert postgres.find_tool("pg_dump", 16) == str(tmp_path / "pg" / "17" / "bin" / "pg_dump")
    with pytest.raises(postgres.BackupError, match="only older pg_dump"):
        postgres.find_tool("pg_dump", 18)


def test_a_missing_pg_dump_is_a_clear_error(tmp_path, monkeypatch):
    from masthead.core.backup import postgres

    monkeypatch.setattr(postgres, "TOOL_DIRS", str(tmp_path / "none" / "*" / "bin"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(postgres.BackupError, match="pg_dump was not found.*postgresql-client-15"):
        postgres.find_tool("pg_dump", 15)


def rewritten(archive: Path, dest: Path, **manifest_changes) -> Path:
    """A copy of `archive` whose manifest says something else (hashes still right)."""
    with tarfile.open(archive, "r:gz") as source, tarfile.open(dest, "w:gz") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "manifest.json":
                data = json.dumps(json.loads(data) | manifest_changes).encode()
                member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    return dest


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"masthead_version": "999.0.0"}, "made by masthead 999.0.0, newer than this one"),
        ({"format_version": 2}, "in backup format 2"),
        ({"vendor": "postgresql"}, "holds a postgresql database and this deployment uses sqlite"),
    ],
    ids=["newer-masthead", "newer-format", "other-database"],
)
def test_a_backup_this_deployment_cannot_take_is_refused_with_the_reason(
    publication, changes, message
):
    archive = rewritten(
        publication["archive"],
        publication["root"] / f"changed-{uuid.uuid4().hex[:6]}.tar.gz",
        **changes,
    )
    target = fresh_dir(publication)
    result = masthead(target, "restore", str(archive))
    assert result.returncode != 0
    assert message in result.stderr
    assert not (target / "media").exists()
