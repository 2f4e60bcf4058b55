"""Demo discussions: readers' threads, votes, a staff reply, and a few comments to moderate."""

import datetime as dt
import random

from django.utils import timezone

from .models import Comment, CommentStatus, CommentVote

READERS = [
    ("Maya Okafor", "maya.okafor@example.net", "https://maya.example.net"),
    ("Tom Lindqvist", "tom.l@example.org", ""),
    ("Priya Raman", "priya@example.com", ""),
    ("Jonah Weiss", "jweiss@example.net", ""),
    ("Ana Sousa", "ana.sousa@example.org", "https://anasousa.example.org"),
    ("Kwame Mensah", "kwame@example.com", ""),
    ("Lucía Fernández", "lucia.f@example.net", ""),
    ("Harbour Watcher", "watcher@example.org", ""),
]
OPENINGS = [
    "Thanks for covering this. Nobody else in town has asked these questions.",
    "I was at the meeting and this matches what I heard, though the second vote was closer "
    "than the minutes suggest.",
    "Good piece, but it skips the cost to renters. Who pays for this in the end?",
    "Is there a link to the full report? I'd like to read the numbers myself.",
    "My street has been waiting three years for exactly this.",
    "Respectfully, the headline oversells it. The plan is a draft, not a decision.",
    "This is why I subscribe. Clear, fair and no spin.",
    "The ferry timetable change hit shift workers hardest and I'm glad someone noticed.",
    "Interesting comparison with other harbour towns. More of this, please.",
    "I'd push back on the idea that nothing can be done before the next budget.",
]
REPLIES = [
    "Agreed, and the report is on the council site under 'planning documents'.",
    "I read it differently: the second paragraph says the money is already committed.",
    "Same here. We wrote to our councillor twice and heard nothing.",
    "Fair point, though the draft has been voted through at committee stage.",
    "Do you have a source for that? Genuinely curious.",
    "This. The details matter more than the headline.",
]
HELD = [
    "First time commenting: does anyone know when the consultation closes?",
    "The mayor should resign over this, frankly.",
]
STAFF_REPLY = (
    "Thanks for reading. The full report is linked in the third paragraph, and we'll "
    "follow up when the committee publishes its minutes. – The editors"
)


def _when(article, rng: random.Random, *, after: dt.datetime | None = None) -> dt.datetime:
    """A moment after `after` (a reply's parent) or the article's publication, before now."""
    start = after or article.first_published_at or timezone.now()
    span = max(int((timezone.now() - start).total_seconds() // 60) - 1, 1)
    return start + dt.timedelta(minutes=rng.randint(1, min(span, 60 * 30)))


def _comment(article, rng, *, parent=None, status=CommentStatus.APPROVED, **fields) -> Comment:
    name, email, website = fields.pop("who", None) or rng.choice(READERS)
    created = _when(article, rng, after=parent.created_at if parent else None)
    comment = Comment.objects.create(
        article=article,
        parent=parent,
        root=(parent.root or parent) if parent else None,
        depth=parent.depth + 1 if parent else 0,
        author_name=name,
        author_email=email,
        author_website=website,
        created_at=created,
        approved_at=created if status == CommentStatus.APPROVED else None,
        status=status,
        ip_address=f"192.0.2.{rng.randint(1, 254)}",
        user_agent="Mozilla/5.0 (demo reader)",
        **fields,
    )
    return comment


def _votes(comment: Comment, rng: random.Random) -> list[CommentVote]:
    ups, downs = rng.choice([0, 0, 1, 2, 3, 5, 8, 13]), rng.choice([0, 0, 0, 1, 2])
    votes = [
        CommentVote(comment=comment, voter=f"demo:{comment.pk}:{n}", value=1 if n < ups else -1)
        for n in range(ups + downs)
    ]
    comment.upvotes, comment.downvotes, comment.score = ups, downs, ups - downs
    return votes


def seed_discussions(*, articles, editor, seed: int) -> int:
    """Threads under most of `articles` (newest first); returns how many comments were made."""
    rng = random.Random(seed)
    made: list[Comment] = []
    for index, article in enumerate(articles):
        if Comment.objects.filter(article=article).exists() or rng.random() < 0.3:
            continue
        tops = [_comment(article, rng, body=rng.choice(OPENINGS)) for _ in range(rng.randint(1, 6))]
        made += tops
        for top in tops:
            if rng.random() < 0.5:
                reply = _comment(article, rng, parent=top, body=rng.choice(REPLIES))
                made.append(reply)
                if rng.random() < 0.4:
                    made.append(_comment(article, rng, parent=reply, body=rng.choice(REPLIES)))
        if index == 0:
            tops[0].is_pinned = True
            tops[0].save(update_fields=["is_pinned"])
            staff = (editor.get_full_name() or "The editors", editor.email, "")
            made.append(
                _comment(
                    article,
                    rng,
                    parent=tops[0],
                    body=STAFF_REPLY,
                    who=staff,
                    is_staff_reply=True,
                    user=editor,
                )
            )
        if index < 3:
            made.append(
                _comment(
                    article,
                    rng,
                    body=HELD[index % len(HELD)],
                    status=CommentStatus.PENDING,
                    held_because="First comment from this address",
                    who=(f"New Reader {index + 1}", f"new.reader{index + 1}@example.com", ""),
                )
            )
    votes = []
    for comment in made:
        if comment.status == CommentStatus.APPROVED:
            votes += _votes(comment, rng)
    CommentVote.objects.bulk_create(votes)
    Comment.objects.bulk_update(made, ["upvotes", "downvotes", "score"])
    return len(made)
