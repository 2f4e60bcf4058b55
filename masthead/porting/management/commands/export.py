"""masthead export FILE: the whole publication in the Masthead export format."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Write the whole publication to FILE (Masthead export format, see docs/export-format.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        from masthead.porting.masthead_format import export_site

        counts = export_site(file)
        self.stdout.write(
            "Exported " + ", ".join(f"{n} {kind}" for kind, n in counts.items()) + f" to {file}"
        )
