from django.core.management.base import BaseCommand

from masthead.metrics.services import flush_views


class Command(BaseCommand):
    help = "Write buffered view counts to the database (the Redis buffer, at scale)."

    def handle(self, *args, **options):
        counted = flush_views()
        self.stdout.write(f"{counted} view{'s' if counted != 1 else ''} counted")
