"""The archive: one gzip'd tar holding the database snapshot, the media and a manifest.

Layout (member names, in this order):

    database/db.sqlite3 | database/db.pgdump   the snapshot
    media/<storage name>                       every media file, as the storage names it
    manifest.json                              written last: it carries every file's sha256

Reading never extracts to disk by name: every member is checked (a regular file, a
relative name without `..`, under one of the three places, not twice) and hashed
before anything in the deployment is touched, so a hostile or damaged archive is
refused whole.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_DIR = "database/"
MEDIA_DIR = "media/"
CHUNK = 1024 * 1024
# A manifest lists every media file; a few hundred MB would be millions of files.
MANIFEST_MAX_BYTES = 256 * 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for an operator."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class ArchiveWriter:
    """Writes the archive to a temporary file beside `target`; commit() renames it into place.

    Until commit() nothing exists at `target`, so a failed or interrupted backup never
    leaves a truncated archive that looks like a good one.
    """

    def __init__(self, target: Path):
        self.target = target
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
        # The archive holds readers' email addresses and password hashes.
        os.fchmod(fd, 0o600)
        self.temp_path = Path(name)
        self._raw = os.fdopen(fd, "wb")
        self._tar = tarfile.open(  # noqa: SIM115 - closed by commit() or abort()
            fileobj=self._raw, mode="w:gz", compresslevel=6, format=tarfile.PAX_FORMAT
        )

    def add_path(self, name: str, path: Path) -> None:
        info = tarfile.TarInfo(name)
        info.size = path.stat().st_size
        info.mode = 0o600
        with open(path, "rb") as f:
            self._tar.addfile(info, f)

    def add_stream(self, name: str, stream: IO[bytes], size: int, mtime: float = 0) -> None:
        info = tarfile.TarInfo(name)
        info.size = size
        info.mode = 0o600
        info.mtime = int(mtime)
        self._tar.addfile(info, stream)

    def add_bytes(self, name: str, data: bytes) -> None:
        self.add_stream(name, io.BytesIO(data), len(data))

    def commit(self) -> int:
        self._tar.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        os.replace(self.temp_path, self.target)
        return self.target.stat().st_size

    def abort(self) -> None:
        # Cleaning up after the real error, which is what the operator needs to see.
        for close in (self._tar.close, self._raw.close):
            with contextlib.suppress(Exception):
                close()
        self.temp_path.unlink(missing_ok=True)


def check_member_name(member: tarfile.TarInfo) -> str:
    """The member's name if it is safe to act on; BackupError otherwise."""
    name = member.name
    if not member.isreg():
        kind = "link" if (member.issym() or member.islnk()) else "non-file entry"
        raise BackupError(f"refusing the archive: {name!r} is a {kind}; a backup holds only files")
    path = PurePosixPath(name)
    if (
        not name
        or "\x00" in name
        or "\\" in name
        or path.is_absolute()
        or any(part in ("", ".", "..") for part in name.split("/"))
    ):
        raise BackupError(f"refusing the archive: unsafe member name {name!r}")
    if name != MANIFEST and not name.startswith((DATABASE_DIR, MEDIA_DIR)):
        raise BackupError(f"refusing the archive: unexpected member {name!r}")
    return name


@dataclass
class CheckedArchive:
    """An archive whose every member was named safely and hashed, with its manifest."""

    path: Path
    manifest: dict
    hashes: dict[str, str] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)

    @property
    def database_member(self) -> str:
        return self.manifest["database"]["file"]

    def media_members(self) -> list[dict]:
        return self.manifest["media"]["files"]

    def extract_to(self, member: str, dest: Path) -> None:
        """Copy one member's bytes to `dest` (a path the caller chose, never the member name)."""
        with _open(self.path) as tar:
            source = tar.extractfile(tar.getmember(member))
            with open(dest, "wb") as out:
                shutil.copyfileobj(source, out, CHUNK)
        if sha256_file(dest) != self.hashes[member]:
            raise BackupError(f"{member} changed while being read from {self.path}")

    def iter_media(self) -> Iterator[tuple[dict, IO[bytes]]]:
        """Each media entry of the manifest with a stream of its bytes, in archive order."""
        wanted = {MEDIA_DIR + entry["name"]: entry for entry in self.media_members()}
        with _open(self.path) as tar:
            for member in tar:
                entry = wanted.get(member.name)
                if entry is not None:
                    yield entry, tar.extractfile(member)


def _open(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, mode="r:gz")
    except FileNotFoundError:
        raise BackupError(f"no such archive: {path}") from None
    except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
        raise BackupError(f"{path} is not a masthead backup (not a readable tar.gz: {e})") from e


def check_archive(path: Path) -> CheckedArchive:
    """Read the whole archive once: safe names, sha256 of every file, a manifest that matches.

    Any damage (a truncated download, a flipped byte: gzip's CRC and the manifest's
    hashes catch both) or anything hostile raises BackupError before the caller has
    changed anything.
    """
    hashes: dict[str, str] = {}
    sizes: dict[str, int] = {}
    manifest_bytes = None
    try:
        with _open(path) as tar:
            for member in tar:
                name = check_member_name(member)
                if name in hashes:
                    raise BackupError(f"refusing the archive: {name!r} appears twice")
                if name == MANIFEST and member.size > MANIFEST_MAX_BYTES:
                    raise BackupError("refusing the archive: its manifest is implausibly large")
                digest = hashlib.sha256()
                source = tar.extractfile(member)
                kept = io.BytesIO() if name == MANIFEST else None
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    if kept is not None:
                        kept.write(chunk)
                hashes[name] = digest.hexdigest()
                sizes[name] = member.size
                if kept is not None:
                    manifest_bytes = kept.getvalue()
    except BackupError:
        raise
    except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
        raise BackupError(f"{path} is damaged or truncated: {e}") from e
    if manifest_bytes is None:
        raise BackupError(f"{path} has no {MANIFEST}: not a masthead backup, or cut short")
    try:
        manifest = json.loads(manifest_bytes)
    except ValueError as e:
        raise BackupError(f"{path}: {MANIFEST} is not valid JSON ({e})") from e
    checked = CheckedArchive(path=path, manifest=manifest, hashes=hashes, sizes=sizes)
    _check_manifest(checked)
    return checked


def _check_manifest(archive: CheckedArchive) -> None:
    manifest = archive.manifest
    if not isinstance(manifest, dict) or "format_version" not in manifest:
        raise BackupError(f"{archive.path}: {MANIFEST} is not a masthead manifest")
    version = manifest["format_version"]
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BackupError(
            f"{archive.path} is in backup format {version!r}; this masthead reads format "
            f"{FORMAT_VERSION} and older: restore it with the masthead version that made it "
            f"({manifest.get('masthead_version', 'unknown')}) or newer"
        )
    try:
        database = manifest["database"]
        expected = {database["file"]: database["sha256"]}
        expected |= {MEDIA_DIR + e["name"]: e["sha256"] for e in manifest["media"]["files"]}
        manifest["counts"], manifest["migrations"], manifest["vendor"]  # noqa: B018
    except (KeyError, TypeError) as e:
        raise BackupError(f"{archive.path}: {MANIFEST} lacks {e}") from e
    for name, sha in expected.items():
        if name not in archive.hashes:
            raise BackupError(f"{archive.path} lacks {name}, which its manifest lists")
        if archive.hashes[name] != sha:
            raise BackupError(f"{archive.path}: {name} does not match its sha256 in the manifest")
    extra = set(archive.hashes) - set(expected) - {MANIFEST}
    if extra:
        raise BackupError(f"refusing the archive: members not in its manifest: {sorted(extra)[:5]}")


def dump_manifest(manifest: dict) -> bytes:
    return json.dumps(manifest, indent=2, sort_keys=True).encode()
