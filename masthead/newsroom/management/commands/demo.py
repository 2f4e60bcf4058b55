import argparse
import time

from django.core.management.base import BaseCommand, CommandError

from masthead.newsroom.demo import build, content


class Command(BaseCommand):
    help = "Load the demo publication (The Port Alder Courier); safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="Delete all newsroom content first, then rebuild."
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if any article exists."
        )
        # For the test suite: a smaller publication builds faster.
        parser.add_argument(
            "--articles", type=int, default=content.DEFAULT_ARTICLE_COUNT, help=argparse.SUPPRESS
        )

    def handle(self, *args, reset, if_empty, articles, **options):
        if articles < 1:
            raise CommandError("--articles must be at least 1.")
        if if_empty and build.demo_present():
            self.stdout.write("Articles already exist; skipped loading the demo.")
            return
        started = time.monotonic()
        if reset:
            build.reset_demo()
            self.stdout.write("Deleted the newsroom's articles, sections, authors and demo images.")
        summary = build.build_demo(articles=articles)
        elapsed = time.monotonic() - started
        if summary.created_anything:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo publication ready in {elapsed:.1f} s: created {summary.sections} "
                    f"sections, {summary.authors} authors, {summary.articles} articles and "
                    f"{summary.images} images, with {summary.views:,} past views and "
                    f"{summary.comments} comments, {summary.newsletters} newsletters, "
                    f"{summary.donations} donations, {summary.ads} ad creatives; "
                    f"{summary.total_articles} live articles in all."
                )
            )
        else:
            self.stdout.write(
                f"Demo publication already complete ({summary.total_articles} live articles); "
                "nothing to do."
            )
