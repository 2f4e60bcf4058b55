"""Generated text for the demo publication: authors and article specs, from a fixed seed.

Everything here is plain data, so the same seed always yields the same
publication and the builder can tell what already exists by slug.
"""

import random
from dataclasses import dataclass, field

from django.utils.text import slugify

from .topics import (
    CORRECTIONS,
    DISTRICTS,
    FIRST_NAMES,
    GENERIC_FACTS,
    LAST_NAMES,
    REPORT_QUOTES,
    REPORT_SOURCES,
    STREETS,
    SYNDICATION_SOURCES,
    TOPICS,
    WEEKDAYS,
    Topic,
)

SEED = 20240611
DEFAULT_ARTICLE_COUNT = 120
SPREAD_DAYS = 59.5
PUBLICATION_NAME = "The Port Alder Courier"
EXTRA_TAGS = ("Data", "Explainer")
VIDEO_IDS = ("pA1derTide0", "pA1derBus01", "pA1derSky02", "pA1derLamp3")


@dataclass(frozen=True)
class AuthorSpec:
    name: str
    role: str
    bio: str
    beats: tuple[str, ...]
    colour: tuple[int, int, int]
    links: dict = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return slugify(self.name)

    @property
    def initials(self) -> str:
        return "".join(part[0] for part in self.name.split()[:2]).upper()


AUTHORS = (
    AuthorSpec(
        name="Marisol Teague",
        role="Editor",
        bio="Marisol has edited the Courier since its first issue. She grew up above a "
        "chandlery on the Old Quay and still starts every day at the fish market. "
        "She writes about how the town is run and who it is run for.",
        beats=("heritage", "market", "festival", "bridge"),
        colour=(158, 42, 43),
        links={
            "website_url": "https://example.org/marisol",
            "x_url": "https://x.example.com/marisol",
        },
    ),
    AuthorSpec(
        name="Owen Pellow",
        role="Transport reporter",
        bio="Owen covers buses, ferries, bridges and bike lanes. He has ridden every route "
        "in the network end to end, twice. Before the Courier he worked as a ferry deckhand.",
        beats=("transit", "bikelane", "ferry", "bridge", "water"),
        colour=(31, 92, 153),
        links={"mastodon_url": "https://social.example.org/@owen"},
    ),
    AuthorSpec(
        name="Priya Lindqvist",
        role="Science and environment correspondent",
        bio="Priya trained as a marine biologist before turning to journalism. She reports "
        "on the bay, the marsh and the people who measure them.",
        beats=("tides", "birds", "oysters", "energy", "astronomy"),
        colour=(22, 120, 110),
        links={
            "website_url": "https://example.org/priya",
            "bluesky_url": "https://bsky.example.com/priya",
        },
    ),
    AuthorSpec(
        name="Tomasz Ardley",
        role="Data and economy analyst",
        bio="Tomasz turns council spreadsheets and harbour ledgers into stories. "
        "He believes every chart should be readable on a phone in the rain.",
        beats=("cargo", "bakery", "market", "transit", "energy"),
        colour=(92, 64, 150),
        links={"linkedin_url": "https://linkedin.example.com/tomasz-ardley"},
    ),
    AuthorSpec(
        name="Hana Okafor-Reyes",
        role="Culture and community editor",
        bio="Hana writes about libraries, festivals, schools and the clubs that hold the town "
        "together. She runs the Courier's reader events.",
        beats=("library", "festival", "robotics", "rowing", "parks"),
        colour=(176, 96, 20),
        links={"x_url": "https://x.example.com/hana", "website_url": "https://example.com/hana"},
    ),
    AuthorSpec(
        name="Felix Brannagh",
        role="Coast and weather reporter",
        bio="Felix reports on the weather, the harbour and the sea. He keeps a rain gauge "
        "in his garden and has strong opinions about fog.",
        beats=("weather", "tides", "cargo", "ferry", "oysters"),
        colour=(52, 110, 60),
        links={"mastodon_url": "https://social.example.org/@felix"},
    ),
)

SECTIONS = (
    # slug, title, description, lists_all_articles, menu_order
    ("latest", "Latest", "Everything the Courier publishes, newest first.", True, 0),
    ("analysis", "Analysis", "Context, numbers and explanations behind the news.", False, 1),
    ("news", "News", "What is happening in Port Alder today.", False, 2),
)


@dataclass
class ArticleSpec:
    slug: str
    title: str
    standfirst: str
    section: str
    topic: Topic
    authors: list[str]
    tags: list[str]
    body: list[tuple[str, dict]]
    days_ago: float
    updated_hours: float | None
    caption: str
    credit: str
    figure_caption: str = ""
    source_name: str = ""
    original_url: str = ""
    original_author: str = ""
    corrections: list[tuple[str, float, str]] = field(default_factory=list)


class _Slots(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _slots(rng: random.Random) -> _Slots:
    return _Slots(
        district=rng.choice(DISTRICTS),
        street=rng.choice(STREETS),
        n=rng.randint(3, 9),
        big=f"{rng.randint(12, 98) * 100 + rng.randint(0, 99):,}",
        pct=rng.randint(8, 42),
        minutes=rng.choice((10, 12, 15, 20)),
        weekday=rng.choice(WEEKDAYS),
        person=_person(rng),
    )


def _fill(template: str, slots: _Slots) -> str:
    text = template.format_map(slots)
    return text[0].upper() + text[1:]


def _slug(title: str) -> str:
    return slugify(title)[:80].rstrip("-")


def _paragraph(sentences: list[str], *, link: tuple[str, str] | None = None) -> str:
    text = " ".join(sentences)
    if link:
        phrase, url = link
        text += f' Details are in <a href="{url}">{phrase}</a>.'
    return f"<p>{text}</p>"


def _said(quote: str, person: str, role: str) -> str:
    """A closing quote in newspaper style: “Quote,” said Name, role."""
    if quote.endswith("."):
        quote = quote[:-1] + ","
    return f"<p>“{quote}” said {person}, {role}.</p>"


MAX_BLOCKS = 10
LINK_PHRASES = ("the published plans", "the full figures", "the project page", "a summary")


def _body(rng: random.Random, topic: Topic, slots: _Slots, *, index: int) -> list:
    """4-10 blocks: paragraphs first and last, with headings, quotes and extras between."""
    facts = [_fill(f, slots) for f in topic.facts]
    generic = [_fill(f, slots) for f in GENERIC_FACTS]
    rng.shuffle(facts)
    rng.shuffle(generic)
    pool = facts + generic[:4]
    role = rng.choice(topic.roles).format_map(slots)
    person = slots["person"]
    headings = list(topic.headings)
    quotes = list(topic.quotes)
    rng.shuffle(headings)
    rng.shuffle(quotes)
    has_video = index % 40 == 5
    has_related = rng.random() < 0.3
    # Room left for the closing quote, a video and a related-links box.
    room = MAX_BLOCKS - 1 - has_video - has_related

    def take(count: int) -> list[str]:
        taken = [pool.pop(0) for _ in range(min(count, len(pool)))]
        return taken or [rng.choice(generic)]

    blocks: list[tuple[str, dict]] = [("paragraph", {"html": _paragraph(take(3))})]
    for step in range(rng.randint(2, 7)):
        roll = rng.random()
        previous = blocks[-1][0]
        if len(blocks) >= room:
            break
        if step == 0 or roll < 0.35 or previous != "paragraph":
            link = None
            if rng.random() < 0.3:
                phrase = rng.choice(LINK_PHRASES)
                link = (phrase, f"https://example.org/port-alder/{topic.key}")
            blocks.append(("paragraph", {"html": _paragraph(take(2), link=link)}))
        elif roll < 0.55 and headings and len(blocks) + 2 <= room:
            blocks.append(("heading", {"text": headings.pop(), "level": "h2"}))
            blocks.append(("paragraph", {"html": _paragraph(take(2))}))
        elif roll < 0.7 and len(quotes) > 1:
            blocks.append(
                ("pull_quote", {"text": quotes.pop(), "attribution": f"{person}, {role}"})
            )
        elif roll < 0.85:
            blocks.append(
                (
                    "block_quote",
                    {
                        "quote": rng.choice(REPORT_QUOTES),
                        "citation": _fill(rng.choice(REPORT_SOURCES), slots),
                        "source_url": f"https://example.org/reports/{topic.key}",
                    },
                )
            )
        else:
            blocks.append(("figure", {}))
    if has_video:
        video_title = topic.video_title or "Around {district}: a short film"
        video_id = VIDEO_IDS[index % len(VIDEO_IDS)]
        video = {
            "url": f"https://www.youtube.com/watch?v={video_id}",
            "title": _fill(video_title, slots),
            "caption": "Video: Courier video desk",
        }
        blocks.insert(1, ("video", video))
    blocks.append(("paragraph", {"html": _said(quotes.pop(), person, role)}))
    if has_related:
        blocks.append(("related_links", {"heading": "Related", "count": rng.randint(1, 3)}))
    while len(blocks) < 4:
        blocks.insert(-1, ("paragraph", {"html": _paragraph(take(2))}))
    return blocks


def _authors_for(rng: random.Random, topic: Topic) -> list[str]:
    beat = [a for a in AUTHORS if topic.key in a.beats] or list(AUTHORS)
    lead = rng.choice(beat)
    chosen = [lead.slug]
    if rng.random() < 0.3:
        others = [a for a in AUTHORS if a.slug != lead.slug]
        chosen.append(rng.choice(others).slug)
        if rng.random() < 0.2:
            chosen.append(rng.choice([a for a in others if a.slug not in chosen]).slug)
    return chosen


def article_specs(count: int = DEFAULT_ARTICLE_COUNT, *, seed: int = SEED) -> list[ArticleSpec]:
    """`count` distinct articles, oldest first, spread evenly over the last 60 days."""
    rng = random.Random(seed)
    templates = [(topic, "news", t) for topic in TOPICS for t in topic.news] + [
        (topic, "analysis", t) for topic in TOPICS for t in topic.analysis
    ]
    rng.shuffle(templates)
    specs: list[ArticleSpec] = []
    seen: set[str] = set()
    for index in range(count):
        topic, kind, template = templates[index % len(templates)]
        slots = _slots(rng)
        title = _fill(template, slots)
        while _slug(title) in seen:
            slots = _slots(rng)
            title = _fill(template, slots)
        seen.add(_slug(title))
        section = kind
        if kind == "news" and rng.random() < 0.2:
            section = "latest"
        tags = list(topic.tags)
        if kind == "analysis":
            tags.append(rng.choice(EXTRA_TAGS))
        if rng.random() < 0.35:
            other = rng.choice(TOPICS)
            tags.extend(t for t in other.tags[:1] if t not in tags)
        position = index / max(count - 1, 1)
        days_ago = SPREAD_DAYS * (1 - position) + rng.uniform(0.0, 0.35)
        spec = ArticleSpec(
            slug=_slug(title),
            title=title,
            standfirst=_fill(rng.choice(topic.standfirsts), slots),
            section=section,
            topic=topic,
            authors=_authors_for(rng, topic),
            tags=tags[:4],
            body=_body(rng, topic, slots, index=index),
            days_ago=days_ago,
            updated_hours=None,
            caption=_fill(topic.caption, slots),
            credit="Illustration: Courier graphics desk",
            figure_caption=f"{slots['district']}, as imagined by the Courier graphics desk.",
        )
        if index % 23 == 7:
            name, key = SYNDICATION_SOURCES[(index // 23) % len(SYNDICATION_SOURCES)]
            spec.source_name = name
            spec.original_url = f"https://example.org/{key}/{spec.slug}"
            if index % 2:
                spec.original_author = _person(rng)
            spec.credit = f"Illustration: {name}"
        if index % 17 == 3:
            kind_, text = CORRECTIONS[(index // 17) % len(CORRECTIONS)]
            after_days = min(rng.uniform(0.5, 3.0), days_ago * 0.9)
            spec.corrections.append((kind_, after_days, text))
            spec.updated_hours = after_days * 24
        elif index % 19 == 11:
            spec.updated_hours = min(rng.uniform(3.0, 30.0), days_ago * 24 * 0.9)
        specs.append(spec)
    return specs


def tag_pool() -> list[str]:
    names: list[str] = []
    for topic in TOPICS:
        names.extend(t for t in topic.tags if t not in names)
    return names + [t for t in EXTRA_TAGS if t not in names]
