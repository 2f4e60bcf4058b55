"""`masthead backup` and `masthead restore`: the database and the media in one archive.

- archive.py: the tar.gz layout, the manifest, and the checks a hostile archive fails;
- sqlite.py / postgres.py: a consistent snapshot of the database and its restore;
- media.py: media files through Django's storage API (local disk or S3 alike);
- services.py: the two verbs, backup_site() and restore_site().
"""

from .archive import BackupError
from .services import backup_site, restore_site

__all__ = ["BackupError", "backup_site", "restore_site"]
