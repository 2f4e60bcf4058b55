from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from masthead.core.backup import BackupError, restore_site


class Command(BaseCommand):
    help = (
        "Restore a `masthead backup` archive into an empty deployment: database, media, "
        "then migrate (so an older backup is upgraded) and clear the caches."
    )
    # The target is often an unmigrated database; nothing here needs the checks.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="The archive written by `masthead backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Restore even though the database holds content: everything in it is replaced",
        )

    def handle(self, *args, file, force, **options):
        path = Path(file).expanduser().resolve()
        try:
            summary = restore_site(archive_path=path, force=force, log=self.stdout.write)
        except BackupError as e:
            raise CommandError(f"restore failed: {e}") from e
        for line in summary.lines("Restored from"):
            self.stdout.write(line)
