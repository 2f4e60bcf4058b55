"""Media through Django's default storage: the same code for a local directory and for
S3-compatible object storage (django-storages)."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from typing import IO

from django.core.files import File
from django.core.files.storage import Storage

from .archive import CHUNK, MEDIA_DIR, ArchiveWriter, BackupError

# Files up to this size are hashed in memory; bigger ones spill to a temporary file.
SPOOL_BYTES = 16 * 1024 * 1024


def walk(storage: Storage, directory: str = "") -> Iterator[str]:
    """Every file name in the storage, depth first, in a stable order."""
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:  # FileSystemStorage before the first upload
        return
    prefix = f"{directory}/" if directory else ""
    for name in sorted(files):
        yield prefix + name
    for sub in sorted(directories):
        yield from walk(storage, prefix + sub)


def back_up(storage: Storage, archive: ArchiveWriter) -> list[dict]:
    """Stream every media file into the archive; returns the manifest's file list.

    Each file is read once, into a spool, so its size and sha256 are those of the bytes
    written even if the file changes (or S3 answers differently) meanwhile.
    """
    entries = []
    for name in walk(storage):
        digest = hashlib.sha256()
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            try:
                with storage.open(name, "rb") as source:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        spool.write(chunk)
            except FileNotFoundError:
                continue  # deleted since it was listed: not part of this backup
            except OSError as e:
                raise BackupError(f"could not read media file {name!r}: {e}") from e
            size = spool.tell()
            spool.seek(0)
            archive.add_stream(MEDIA_DIR + name, spool, size)
        entries.append({"name": name, "size": size, "sha256": digest.hexdigest()})
    return entries


def restore_file(storage: Storage, name: str, stream: IO[bytes], *, size: int) -> None:
    """Put one file back under exactly its old name: the database refers to it by name."""
    if storage.exists(name):
        storage.delete(name)
    content = File(stream, name=name)
    # Known up front: File would otherwise guess it from a path named like the member.
    content.size = size
    saved = storage.save(name, content)
    if saved != name:
        storage.delete(saved)
        raise BackupError(
            f"the media storage saved {name!r} as {saved!r}; restored rows would point at "
            "a missing file"
        )
