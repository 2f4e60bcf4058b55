"""Helpers for the sending tests: newsletters, subscribers in bulk, and issues."""

from django.utils import timezone

from masthead.newsletters.models import (
    Issue,
    IssueArticle,
    ListSubscription,
    Newsletter,
    Subscriber,
    SubscriptionStatus,
)


def make_newsletter(**fields) -> Newsletter:
    defaults = {
        "name": "Daily briefing",
        "slug": "daily-briefing",
        "sender_name": "The Bellbuoy Desk",
        "sender_email": "desk@news.example",
        "reply_to": "letters@news.example",
    }
    defaults.update(fields)
    return Newsletter.objects.create(**defaults)


def subscribe_many(newsletter: Newsletter, count: int, *, prefix: str = "reader") -> list[str]:
    """`count` confirmed subscribers of `newsletter`; returns their addresses."""
    now = timezone.now()
    addresses = [f"{prefix}{n}@mail.example" for n in range(count)]
    Subscriber.objects.bulk_create([Subscriber(email=a) for a in addresses], batch_size=500)
    ids = Subscriber.objects.filter(email__in=addresses).values_list("pk", flat=True)
    ListSubscription.objects.bulk_create(
        [
            ListSubscription(
                subscriber_id=pk,
                newsletter=newsletter,
                status=SubscriptionStatus.ACTIVE,
                confirmed_at=now,
                source="import",
            )
            for pk in ids
        ],
        batch_size=500,
    )
    return addresses


def make_issue(newsletter: Newsletter, *, articles=(), **fields) -> Issue:
    defaults = {
        "subject": "Tuesday: the harbour plan",
        "preheader": "Three stories you should not miss",
        "intro": "Good morning.\n\nHere is what happened overnight.",
    }
    defaults.update(fields)
    issue = Issue.objects.create(newsletter=newsletter, **defaults)
    for order, article in enumerate(articles):
        IssueArticle.objects.create(issue=issue, article=article, sort_order=order)
    return issue
