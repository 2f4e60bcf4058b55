from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from masthead.core.backup import BackupError, backup_site
from masthead.core.backup.services import default_archive_path


class Command(BaseCommand):
    help = (
        "Write the database (a consistent online snapshot) and every media file into one "
        "archive, with a manifest; restore it with `masthead restore`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            nargs="?",
            help="Archive to write (.tar.gz), or a directory to put it in; default "
            "MASTHEAD_DATA_DIR/backups/masthead-<UTC time>.tar.gz",
        )

    def handle(self, *args, file, **options):
        target = default_archive_path()
        if file:
            given = Path(file).expanduser().resolve()
            target = given / target.name if given.is_dir() else given
        if target.exists():
            raise CommandError(f"{target} already exists; backups never overwrite one another")
        try:
            summary = backup_site(target=target)
        except BackupError as e:
            raise CommandError(f"backup failed, nothing written: {e}") from e
        except OSError as e:
            raise CommandError(f"backup failed, nothing written: {e}") from e
        for line in summary.lines("Backed up to"):
            self.stdout.write(line)
