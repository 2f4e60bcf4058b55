"""Run in a subprocess against a real data dir: seed a newsletter send, or report on it.

    python -m tests.newsletters.seed_send seed 1000      -> {"issue": 1, "recipients": 1000}
    python -m tests.newsletters.seed_send report 1       -> {"issue": "sent", "sent": 1000, ...}

Used by the worker-kill and outage tests and by bench/newsletter.py.
"""

import json
import os
import sys


def seed(count: int) -> dict:
    from django.db import transaction

    from masthead.newsletters import sending
    from masthead.newsletters.models import Newsletter
    from tests.newsletters.sending_support import make_issue, subscribe_many
    from tests.newsroom.factories import make_article

    newsletter = Newsletter.objects.filter(slug="daily-briefing").first()
    if newsletter is None:
        newsletter = Newsletter.objects.create(
            name="Daily briefing", slug="daily-briefing", sender_email="desk@news.example"
        )
    done = 0
    while done < count:  # in chunks, so 100,000 subscribers stay light
        size = min(10_000, count - done)
        with transaction.atomic():
            subscribe_many(newsletter, size, prefix=f"r{done}-")
        done += size
    articles = [make_article(title=f"Story {n} of the day") for n in range(3)]
    issue = make_issue(newsletter, articles=articles)
    # The worker under test does the sending; nothing is enqueued here.
    sending._kick = lambda issue_id: None
    sending.start_sending(issue)
    issue.refresh_from_db()
    return {"issue": issue.pk, "recipients": issue.recipients}


def report(issue_id: int) -> dict:
    from django.db.models import Count

    from masthead.newsletters.models import Delivery, Issue

    rows = Delivery.objects.filter(issue_id=issue_id).values("status").annotate(n=Count("pk"))
    result = {row["status"]: row["n"] for row in rows.order_by()}
    result["issue"] = Issue.objects.get(pk=issue_id).status
    return result


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "masthead.settings")
    import django

    django.setup()
    command, value = sys.argv[1], int(sys.argv[2])
    print(json.dumps(seed(value) if command == "seed" else report(value)))


if __name__ == "__main__":
    main()
