"""masthead import {wordpress,ghost,masthead} FILE [--dry-run] [--no-download]"""

from django.core.management.base import BaseCommand, CommandError

from masthead.porting.sources import IMPORTERS, importer_class


class Command(BaseCommand):
    help = "Import a WordPress (WXR), Ghost (JSON) or Masthead export; safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("source", choices=sorted(IMPORTERS))
        parser.add_argument("file")
        parser.add_argument(
            "--dry-run", action="store_true", help="Show the report without writing anything."
        )
        parser.add_argument(
            "--no-download",
            action="store_true",
            help="Do not download images and attachments; record their original URLs.",
        )
        parser.add_argument(
            "--site-url",
            default="",
            help="Ghost only: the old site's address (https://blog.example), so images Ghost "
            "wrote as __GHOST_URL__/content/... can be downloaded.",
        )

    def handle(self, *args, source, file, dry_run, no_download, site_url="", **options):
        extra = {"site_url": site_url} if source == "ghost" and site_url else {}
        importer = importer_class(source)(file, dry_run=dry_run, download=not no_download, **extra)
        try:
            report = importer.run()
        except FileNotFoundError as exc:
            raise CommandError(f"no such file: {exc.filename}") from exc
        except ValueError as exc:  # not an export, a newer format version, a site not empty
            raise CommandError(str(exc)) from exc
        self.stdout.write(report.as_text())
