"""A separate OS process for test_postgres_processes: set-up, counting, and the report.

python -m tests.metrics.pg_counter articles N
python -m tests.metrics.pg_counter count START_FILE SHARED OWN TAG IDS
python -m tests.metrics.pg_counter report IDS
"""

import json
import os
import sys
import time


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "masthead.settings")
    import django

    django.setup()


def articles(count: int) -> list[int]:
    import uuid

    from tests.newsroom.factories import make_article, make_section

    section = make_section(f"News {uuid.uuid4().hex[:8]}")  # a fresh section per call
    return [make_article(section=section, title=f"Story {n}").pk for n in range(count)]


def count(start_file: str, shared: int, own: int, tag: str, ids: list[int]) -> int:
    """Record views for `shared` readers both processes have and `own` readers only this
    one has, each reading every article twice, flushing every few views as it goes."""
    from masthead.metrics.services import flush_views, record_view

    readers = [f"10.0.0.{n}" for n in range(shared)] + [f"10.{tag}.1.{n}" for n in range(own)]
    while not os.path.exists(start_file):
        time.sleep(0.01)
    counted = 0
    for round_ in range(2):
        for n, ip in enumerate(readers):
            for article_id in ids:
                record_view(article_id=article_id, ip=ip, user_agent="Mozilla/5.0 reader")
            if n % 7 == round_:
                counted += flush_views()
    return counted + flush_views()


def report(ids: list[int]) -> dict:
    from masthead.metrics.models import ArticleHourlyViews, ArticleViewTotal

    return {
        "hourly": sum(
            ArticleHourlyViews.objects.filter(article_id__in=ids).values_list("views", flat=True)
        ),
        "totals": sum(
            ArticleViewTotal.objects.filter(article_id__in=ids).values_list("views", flat=True)
        ),
    }


def main(argv: list[str]) -> None:
    _django()
    command = argv[0]
    if command == "articles":
        result = articles(int(argv[1]))
    elif command == "count":
        start_file, shared, own, tag, ids = argv[1:6]
        result = count(start_file, int(shared), int(own), tag, json.loads(ids))
    else:
        result = report(json.loads(argv[1]))
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
