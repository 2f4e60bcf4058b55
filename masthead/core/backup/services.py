"""The verbs: backup_site() writes one archive; restore_site() puts one into an empty deployment."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import io
import itertools
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import default_storage, storages
from django.core.management import call_command
from django.db import connections, transaction

from . import media, postgres, sqlite
from .archive import (
    DATABASE_DIR,
    FORMAT_VERSION,
    MANIFEST,
    ArchiveWriter,
    BackupError,
    check_archive,
    dump_manifest,
    sha256_file,
)

# What the manifest counts, and restore checks again: name -> (model, summed column or None).
COUNTED = {
    "articles": ("newsroom.ArticlePage", None),
    "comments": ("discussion.Comment", None),
    "subscribers": ("newsletters.Subscriber", None),
    "donations": ("support.Donation", None),
    "users": (settings.AUTH_USER_MODEL, None),
    "images": ("wagtailimages.Image", None),
    "documents": ("wagtaildocs.Document", None),
    "views_total": ("metrics.ArticleViewTotal", "views"),
    "views_hourly": ("metrics.ArticleHourlyViews", "views"),
}
# Rows that make a deployment "not empty": restoring over them would lose them.
CONTENT = ("articles", "comments", "subscribers", "donations", "users")
VENDORS = {"sqlite": "db.sqlite3", "postgresql": "db.pgdump"}


def masthead_version() -> str:
    try:
        return importlib.metadata.version("masthead")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _read_counts(cursor, tables: set[str]) -> dict[str, int]:
    counts = {}
    for key, (label, column) in COUNTED.items():
        table = apps.get_model(label)._meta.db_table
        if table not in tables:
            continue
        what = f'COALESCE(SUM("{column}"), 0)' if column else "COUNT(*)"
        cursor.execute(f'SELECT {what} FROM "{table}"')  # noqa: S608 - names from models
        counts[key] = int(cursor.fetchone()[0])
    return counts


def _read_migrations(cursor, tables: set[str]) -> dict[str, list[str]]:
    if "django_migrations" not in tables:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    state: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        state.setdefault(app, []).append(name)
    return state


def _django_state(alias: str = "default") -> tuple[dict[str, int], dict[str, list[str]]]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        return _read_counts(cursor, tables), _read_migrations(cursor, tables)


def _sqlite_state(path: Path) -> tuple[dict[str, int], dict[str, list[str]]]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        cursor = db.cursor()
        tables = {row[0] for row in cursor.execute("SELECT name FROM sqlite_master")}
        return _read_counts(cursor, tables), _read_migrations(cursor, tables)
    finally:
        db.close()


def _vendor() -> str:
    vendor = connections["default"].vendor
    if vendor not in VENDORS:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")
    return vendor


def _server_major() -> int:
    connection = connections["default"]
    connection.ensure_connection()
    return connection.pg_version // 10000


def _snapshot_database(vendor: str, dest: Path) -> tuple[dict, dict]:
    """The snapshot at `dest`, and the counts and migrations of exactly that state."""
    connection = connections["default"]
    if vendor == "sqlite":
        sqlite.snapshot(Path(connection.settings_dict["NAME"]), dest)
        return _sqlite_state(dest)
    server_major = _server_major()
    # pg_dump adopts the snapshot this transaction exports, so the counts read here
    # and the dump are one state of the database, however busy the site is.
    with transaction.atomic(using="default"), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot_id = cursor.fetchone()[0]
        tables = set(connection.introspection.table_names(cursor))
        state = _read_counts(cursor, tables), _read_migrations(cursor, tables)
        postgres.dump(
            settings_dict=connection.settings_dict,
            server_major=server_major,
            dest=dest,
            snapshot_id=snapshot_id,
        )
    return state


@dataclass
class Summary:
    path: Path
    archive_bytes: int = 0
    database_bytes: int = 0
    media_files: int = 0
    media_bytes: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def lines(self, verb: str) -> list[str]:
        counts = ", ".join(f"{value} {key.replace('_', ' ')}" for key, value in self.counts.items())
        return [
            f"{verb} {self.path} ({_size(self.archive_bytes)}) in {self.seconds:.1f} s",
            f"  database: {_size(self.database_bytes)}",
            f"  media: {self.media_files} files, {_size(self.media_bytes)}",
            f"  rows: {counts}",
            *(f"  {note}" for note in self.notes),
        ]


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def default_archive_path() -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.DATA_DIR) / "backups" / f"masthead-{stamp}.tar.gz"


def backup_site(*, target: Path) -> Summary:
    """Write the database snapshot, then every media file, then the manifest, to `target`.

    Database first: a file uploaded during the backup is then at worst an extra file,
    never a row whose file is missing.
    """
    started = time.monotonic()
    vendor = _vendor()
    writer = ArchiveWriter(target)
    try:
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".masthead-backup-") as tmp:
            db_file = Path(tmp) / VENDORS[vendor]
            counts, migrations = _snapshot_database(vendor, db_file)
            member = DATABASE_DIR + db_file.name
            database = {
                "file": member,
                "size": db_file.stat().st_size,
                "sha256": sha256_file(db_file),
            }
            writer.add_path(member, db_file)
        files = media.back_up(default_storage, writer)
        manifest = {
            "format_version": FORMAT_VERSION,
            "masthead_version": masthead_version(),
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "vendor": vendor,
            "database": database,
            "migrations": migrations,
            "counts": counts,
            "media": {
                "storage": type(storages["default"]).__name__,
                "files": files,
            },
        }
        writer.add_bytes(MANIFEST, dump_manifest(manifest))
        archive_bytes = writer.commit()
    except BaseException:
        writer.abort()
        raise
    return Summary(
        path=target,
        archive_bytes=archive_bytes,
        database_bytes=database["size"],
        media_files=len(files),
        media_bytes=sum(f["size"] for f in files),
        counts=counts,
        seconds=time.monotonic() - started,
    )


def existing_content() -> dict[str, int]:
    """The rows that make the deployment not empty (none on a fresh or merely migrated one)."""
    counts, _ = _django_state()
    return {key: counts[key] for key in CONTENT if counts.get(key)}


def _release(version: str) -> tuple[int, ...]:
    """(1, 2, 0) for "1.2.0" or "1.2.0rc1"; () when unreadable, which never counts as newer."""
    numbers = []
    for part in version.split("."):
        digits = "".join(itertools.takewhile(str.isdigit, part))
        if not digits:
            break
        numbers.append(int(digits))
    return tuple(numbers)


def _check_compatible(manifest: dict, vendor: str) -> None:
    if manifest["vendor"] != vendor:
        raise BackupError(
            f"this backup holds a {manifest['vendor']} database and this deployment uses "
            f"{vendor}: a backup restores into the same kind of database only (set "
            "DATABASE_URL to match the backup's, restore, and move between databases after)"
        )
    made_by, running = manifest.get("masthead_version", "unknown"), masthead_version()
    if _release(made_by) > _release(running):
        raise BackupError(
            f"this backup was made by masthead {made_by}, newer than this one ({running}): "
            "upgrade masthead first, then restore"
        )


def _drop_postgres_tables() -> None:
    """Empty the schema of a migrated-but-empty (or --force) PostgreSQL target, so that
    tables a newer migration made cannot collide with the restored schema."""
    connection = connections["default"]
    with transaction.atomic(using="default"), connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        if tables:
            quoted = ", ".join(connection.ops.quote_name(t) for t in tables)
            cursor.execute(f"DROP TABLE IF EXISTS {quoted} CASCADE")


def _restore_database(archive, vendor: str, force: bool) -> None:
    connection = connections["default"]
    with tempfile.TemporaryDirectory(dir=settings.DATA_DIR, prefix=".masthead-restore-") as tmp:
        snapshot = Path(tmp) / VENDORS[vendor]
        archive.extract_to(archive.database_member, snapshot)
        if vendor == "sqlite":
            sqlite.check_snapshot(snapshot)
            target = Path(connection.settings_dict["NAME"])
            connections.close_all()
            sqlite.restore(snapshot, target)
        else:
            server_major = _server_major()
            postgres.check_dump(dump_path=snapshot, server_major=server_major)
            _drop_postgres_tables()
            connections.close_all()
            postgres.restore(
                settings_dict=connection.settings_dict,
                server_major=server_major,
                dump_path=snapshot,
                clean=force,
            )
    connections.close_all()


def _verify_counts(expected: dict[str, int]) -> dict[str, int]:
    found, _ = _django_state()
    wrong = {
        key: (value, found.get(key))
        for key, value in expected.items()
        if key in COUNTED and found.get(key) != value
    }
    if wrong:
        detail = ", ".join(
            f"{k}: {want} in the backup, {got} restored" for k, (want, got) in wrong.items()
        )
        raise BackupError(f"the restored database does not match the backup's manifest: {detail}")
    return found


def restore_site(*, archive_path: Path, force: bool = False, log=print) -> Summary:
    """Restore an archive into this deployment, which must be empty unless `force`."""
    started = time.monotonic()
    vendor = _vendor()
    log(f"Checking {archive_path} ...")
    archive = check_archive(archive_path)
    manifest = archive.manifest
    _check_compatible(manifest, vendor)
    present = existing_content()
    if present and not force:
        what = ", ".join(f"{n} {k}" for k, n in present.items())
        raise BackupError(
            f"this deployment's database already holds content ({what}); restore replaces "
            "everything, so it only restores into an empty deployment. Point DATABASE_URL "
            "(or MASTHEAD_DATA_DIR) at an empty one, or pass --force to replace this one."
        )
    log(f"Restoring the {vendor} database (backup of {manifest.get('created_at')}) ...")
    _restore_database(archive, vendor, force)
    counts = _verify_counts(manifest["counts"])
    files = archive.media_members()
    log(f"Restoring {len(files)} media files ...")
    for entry, stream in archive.iter_media():
        media.restore_file(default_storage, entry["name"], stream, size=entry["size"])
    log("Migrating ...")
    out = io.StringIO()
    call_command("migrate", interactive=False, verbosity=1, stdout=out)
    applied = [line.strip() for line in out.getvalue().splitlines() if "Applying" in line]
    for alias in settings.CACHES:
        caches[alias].clear()
    from masthead.core.pagecache import bump_generation

    bump_generation()
    summary = Summary(
        path=archive_path,
        archive_bytes=archive_path.stat().st_size,
        database_bytes=manifest["database"]["size"],
        media_files=len(files),
        media_bytes=sum(f["size"] for f in files),
        counts=counts,
        seconds=time.monotonic() - started,
    )
    if applied:
        summary.notes.append(f"migrations applied after restore: {len(applied)}")
    return summary
