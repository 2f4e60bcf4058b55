"""Demo newsletters: the two lists the issue names, and a few confirmed readers on them."""

from .models import Frequency, Issue, IssueKind, Newsletter
from .subscriptions import import_confirmed

LISTS = [
    {
        "slug": "daily-briefing",
        "name": "Daily briefing",
        "description": "The day's most important stories, every weekday morning at seven.",
        "frequency": Frequency.DAILY,
        "sort_order": 0,
    },
    {
        "slug": "weekly-analysis",
        "name": "Weekly analysis",
        "description": (
            "Our reporters step back: the week's big questions, explained, every Saturday."
        ),
        "frequency": Frequency.WEEKLY,
        "sort_order": 1,
    },
]

READERS = [
    ("ana.demo@example.com", "Ana", ["daily-briefing", "weekly-analysis"]),
    ("ben.demo@example.com", "Ben", ["daily-briefing"]),
    ("chloe.demo@example.com", "Chloé", ["weekly-analysis"]),
    ("dev.demo@example.com", "Dev", ["daily-briefing", "weekly-analysis"]),
    ("eli.demo@example.com", "", ["weekly-analysis"]),
]


def load_demo() -> list[Newsletter]:
    """Create (or update) the demo lists and subscribers; safe to run again."""
    newsletters = {}
    for fields in LISTS:
        newsletter, _ = Newsletter.objects.update_or_create(
            slug=fields["slug"], defaults={k: v for k, v in fields.items() if k != "slug"}
        )
        newsletters[newsletter.slug] = newsletter
    for email, name, slugs in READERS:
        import_confirmed(
            email=email, newsletters=[newsletters[s] for s in slugs], name=name, source="demo"
        )
    if not Issue.objects.exists():
        # A draft for editors to preview, test-send and send from the admin.
        Issue.objects.create(
            newsletter=newsletters["weekly-analysis"],
            subject="The week in Port Alder",
            preheader="What happened, and what it means for the harbour town.",
            intro="Good morning. Here are the stories our readers followed most this week.",
            kind=IssueKind.DIGEST,
            digest_days=7,
            digest_size=6,
        )
    return list(newsletters.values())
