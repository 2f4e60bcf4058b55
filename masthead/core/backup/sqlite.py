"""SQLite: an online snapshot with sqlite3's backup API, and its restore the same way.

The backup API copies pages under SQLite's own locking, so the copy is one consistent
state of the database while the site keeps reading and writing (WAL mode); copying the
file (and forgetting its -wal) would not be.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .archive import BackupError


def snapshot(source: Path, dest: Path) -> None:
    """Copy the live database at `source` into a new file `dest`."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(dest)
    try:
        # All pages in one step, i.e. one read transaction: under WAL, writers carry on
        # meanwhile.  Copying in several steps would restart the copy whenever another
        # process writes between them, which on a busy site could be forever.
        src.backup(dst)
        # One self-contained file: the snapshot's readers need no -wal beside it.
        dst.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as e:
        raise BackupError(f"could not snapshot the SQLite database {source}: {e}") from e
    finally:
        dst.close()
        src.close()


def check_snapshot(path: Path) -> None:
    """Refuse a snapshot SQLite itself finds damaged, before it replaces anything."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = db.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error as e:
        raise BackupError(f"the database in the archive is not a usable SQLite file: {e}") from e
    if result != "ok":
        raise BackupError(f"the database in the archive fails SQLite's integrity check: {result}")


def restore(snapshot_path: Path, target: Path) -> None:
    """Replace the database at `target` with the snapshot, in one write transaction.

    Through the backup API rather than a file copy, so a -wal or -shm beside the
    target (the deployment ran before) is dealt with by SQLite instead of going stale.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{snapshot_path}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=30)
    try:
        # A WAL database cannot change page size during a backup; leave WAL for it.
        dst.execute("PRAGMA journal_mode=DELETE")
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=WAL")
    except sqlite3.Error as e:
        raise BackupError(
            f"could not restore into {target}: {e} (is the site still running on it?)"
        ) from e
    finally:
        dst.close()
        src.close()
