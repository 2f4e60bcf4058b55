"""Where admin uploads of import files are kept: a private directory (PORTING_UPLOAD_DIR,
by default DATA_DIR/imports) that no URL serves, since an export holds subscribers'
addresses."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage


def upload_storage() -> FileSystemStorage:
    return FileSystemStorage(
        location=settings.PORTING_UPLOAD_DIR, base_url=None, file_permissions_mode=0o600
    )
