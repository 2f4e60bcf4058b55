"""Demo advertising: the theme's placements, the publication's own house ads, a paying
campaign (Harbour Ferries) with Pillow-drawn banners and one HTML ad, and thirty days of
counted impressions and clicks so the report has something to show.

Runs once: a site that already has placements, campaigns or creatives is left alone.
Third-party tags stay off (AdsSettings is not touched).
"""

import datetime as dt
import io
import random

from django.db import transaction
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from wagtail.models import Collection

from masthead.newsroom.demo.images import demo_collection, save_image

from . import reports
from .models import Campaign, Creative, CreativeDailyStats, Placement

SEED = "masthead-ads-demo"
HISTORY_DAYS = 30
# A child of the demo collection: the newsroom's reset deletes the demo collection's own
# images, and creatives protect theirs from deletion.
COLLECTION_NAME = "Demo advertising"
FERRIES_URL = "https://example.com/ferries"

PLACEMENTS = [
    # key, name, kind, size, position
    ("header", "Header banner", Placement.Kind.HEADER, "728x90", 0),
    ("sidebar-top", "Sidebar, top", Placement.Kind.SIDEBAR, "300x250", 0),
    ("sidebar-lower", "Sidebar, lower", Placement.Kind.SIDEBAR, "300x250", 1),
    ("in-article", "In article, after paragraph 3", Placement.Kind.IN_ARTICLE, "300x250", 0),
    ("between-articles", "Between articles", Placement.Kind.BETWEEN, "728x90", 0),
    ("footer", "Footer banner", Placement.Kind.FOOTER, "728x90", 0),
    ("newsletter", "Newsletter", Placement.Kind.NEWSLETTER, "600x200", 0),
]
HOUSE_SLOTS = ("sidebar-top", "sidebar-lower", "in-article", "between-articles", "newsletter")
BANNER_SLOTS = {
    "728x90": ("header", "between-articles", "footer"),
    "300x250": ("sidebar-top", "sidebar-lower", "in-article"),
    "600x200": ("newsletter",),
}
# Views of a slot per day, roughly, and the click-through rate it earns.
DAILY_REACH = {
    "header": 900,
    "sidebar-top": 700,
    "sidebar-lower": 350,
    "in-article": 600,
    "between-articles": 250,
    "footer": 150,
    "newsletter": 0,  # e-mail impressions are not counted
}

NAVY = (12, 42, 74)
SEA = (22, 96, 136)
FOAM = (233, 244, 248)
SUN = (255, 176, 59)
INK = (20, 24, 31)


def _font(size: int, *, bold: bool = True):
    names = ("DejaVuSans-Bold.ttf",) if bold else ("DejaVuSans.ttf",)
    for name in (*names, "LiberationSans-Bold.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def _fitted_font(draw, text: str, width: int, start: int, *, bold=True):
    """The largest font from `start` down whose rendering of `text` fits `width`."""
    size = start
    while size > 10:
        font = _font(size, bold=bold)
        if draw.textlength(text, font=font) <= width:
            return font
        size -= 2
    return _font(size, bold=bold)


def _background(w: int, h: int) -> PILImage.Image:
    """A deep-sea gradient with two soft swells along the bottom."""
    picture = PILImage.new("RGB", (w, h), NAVY)
    draw = ImageDraw.Draw(picture)
    for x in range(w):
        t = x / max(w - 1, 1)
        colour = tuple(round(NAVY[i] + (SEA[i] - NAVY[i]) * t) for i in range(3))
        draw.line([(x, 0), (x, h)], fill=colour)
    overlay = PILImage.new("RGBA", (w, h), (0, 0, 0, 0))
    waves = ImageDraw.Draw(overlay)
    for i, alpha in enumerate((40, 70)):
        top = h * (0.78 + 0.1 * i)
        waves.ellipse((-w * 0.2, top, w * 0.7, h * 1.6), fill=(255, 255, 255, alpha // 2))
        waves.ellipse((w * 0.4, top + h * 0.04, w * 1.3, h * 1.7), fill=(255, 255, 255, alpha // 3))
    return PILImage.alpha_composite(picture.convert("RGBA"), overlay).convert("RGB")


def _pill(draw, box, text: str, font):
    x0, y0, x1, y1 = box
    draw.rounded_rectangle(box, radius=(y1 - y0) // 2, fill=SUN)
    draw.text(((x0 + x1) / 2, (y0 + y1) / 2), text, font=font, fill=INK, anchor="mm")


def banner_png(size: str) -> bytes:
    """A Harbour Ferries banner twice the slot's size (for high-density screens): a
    headline drawn large, a line of detail and a call-to-action pill."""
    w, h = (2 * int(n) for n in size.split("x"))
    picture = _background(w, h)
    draw = ImageDraw.Draw(picture)
    headline, detail, action = (
        "Cross the bay in 25 minutes",
        "Harbour Ferries · every hour from 6 am",
        "Book now",
    )
    if w / h >= 2:  # wide banners: words on the left, the pill on the right
        pad = h * 0.16
        pill_w, pill_h = w * 0.2, min(h * 0.42, w * 0.07)
        text_w = w - pill_w - 3 * pad
        head_font = _fitted_font(draw, headline, int(text_w), int(h * 0.34))
        draw.text((pad, h * 0.42), headline, font=head_font, fill=FOAM, anchor="ls")
        draw.text(
            (pad, h * 0.76),
            detail,
            font=_fitted_font(draw, detail, int(text_w), int(h * 0.17), bold=False),
            fill=FOAM,
            anchor="ls",
        )
        pill = (w - pad - pill_w, (h - pill_h) / 2, w - pad, (h + pill_h) / 2)
    else:  # rectangles: a stacked headline, the pill at the bottom
        pad = w * 0.08
        lines = ["Cross the bay", "in 25 minutes"]
        font = _fitted_font(draw, max(lines, key=len), int(w - 2 * pad), int(h * 0.14))
        y = h * 0.26
        for line in lines:
            draw.text((pad, y), line, font=font, fill=FOAM, anchor="ls")
            y += font.size * 1.2
        draw.text(
            (pad, y + font.size * 0.2),
            detail,
            font=_fitted_font(draw, detail, int(w - 2 * pad), int(h * 0.06), bold=False),
            fill=FOAM,
            anchor="ls",
        )
        pill_w, pill_h = w * 0.5, h * 0.16
        pill = (pad, h - pad - pill_h, pad + pill_w, h - pad)
    _pill(
        draw,
        pill,
        action,
        _fitted_font(draw, action, int((pill[2] - pill[0]) * 0.7), int(pill_h * 0.5)),
    )
    out = io.BytesIO()
    picture.save(out, "PNG", optimize=True)
    return out.getvalue()


def _collection() -> Collection:
    parent = demo_collection()
    existing = parent.get_children().filter(name=COLLECTION_NAME).first()
    return existing or parent.add_child(name=COLLECTION_NAME)


def _history(creatives_by_slots, rng: random.Random, today: dt.date) -> None:
    """Thirty days of plausible counts: reach per slot shared among the creatives that
    run there, a weekly rhythm, and a click-through rate between 0.1% and 0.5%."""
    rows = []
    for creative, slots, share, ctr in creatives_by_slots:
        for back in range(HISTORY_DAYS - 1, -1, -1):
            day = today - dt.timedelta(days=back)
            weekend = 0.7 if day.weekday() >= 5 else 1.0
            reach = sum(DAILY_REACH[slot] for slot in slots) * share * weekend
            impressions = max(0, round(reach * rng.uniform(0.8, 1.2)))
            if back == 0:  # today has only just begun counting
                impressions = round(impressions * timezone.now().hour / 24)
            clicks = sum(1 for _ in range(impressions) if rng.random() < ctr)
            if impressions:
                rows.append(
                    CreativeDailyStats(
                        creative=creative,
                        day=reports.day_number(day),
                        impressions=impressions,
                        clicks=clicks,
                    )
                )
    CreativeDailyStats.objects.bulk_create(rows)


def ads_present() -> bool:
    return Placement.objects.exists() or Campaign.objects.exists() or Creative.objects.exists()


def load_demo() -> int:
    """Create the demo placements, campaigns, creatives and their history; returns how
    many creatives were made (0 when the site already has ads)."""
    if ads_present():
        return 0
    rng = random.Random(SEED)
    now = timezone.now()
    today = reports.today_utc()
    with transaction.atomic():
        slots = {
            key: Placement.objects.create(
                key=key, name=name, kind=kind, size=size, position=position, paragraph=3
            )
            for key, name, kind, size, position in PLACEMENTS
        }
        house = Campaign.objects.create(
            name="Our own promotions",
            advertiser="The publication",
            starts_at=now - dt.timedelta(days=HISTORY_DAYS + 5),
            weight=5,
            is_house=True,
        )
        ferries = Campaign.objects.create(
            name="Harbour Ferries",
            advertiser="Harbour Ferries Ltd",
            starts_at=now - dt.timedelta(days=HISTORY_DAYS),
            ends_at=now + dt.timedelta(days=60),
            weight=20,
            daily_impression_cap=20000,
            visitor_daily_cap=6,
        )
        made = []

        def creative(campaign, placements, share, ctr, **fields):
            item = Creative.objects.create(campaign=campaign, **fields)
            item.placements.set([slots[key] for key in placements])
            made.append((item, placements, share, ctr))
            return item

        creative(
            house,
            HOUSE_SLOTS,
            0.1,
            0.004,
            name="Support us",
            kind=Creative.Kind.HOUSE,
            house_target=Creative.HouseTarget.DONATE,
            headline="Local news needs local readers",
            text="Readers fund our reporting. Chip in from $5 a month.",
        )
        creative(
            house,
            HOUSE_SLOTS,
            0.1,
            0.005,
            name="Morning Brief signup",
            kind=Creative.Kind.HOUSE,
            house_target=Creative.HouseTarget.NEWSLETTER,
            headline="Get the Morning Brief",
            text="Port Alder's news in your inbox before breakfast. Free.",
        )
        collection = _collection()
        for size, placements in BANNER_SLOTS.items():
            image = save_image(
                title=f"Harbour Ferries {size}",
                data=banner_png(size),
                filename=f"harbour-ferries-{size}.png",
                collection=collection,
            )
            creative(
                ferries,
                placements,
                0.6,
                rng.uniform(0.0015, 0.004),
                name=f"Cross the bay ({size})",
                kind=Creative.Kind.IMAGE,
                image=image,
                alt_text="Harbour Ferries: cross the bay in 25 minutes, every hour from 6 am. "
                "Book now.",
                link_url=FERRIES_URL,
            )
        creative(
            ferries,
            ("sidebar-lower", "in-article"),
            0.2,
            0.0022,
            name="Island day trips (HTML)",
            kind=Creative.Kind.HTML,
            html="<h3>Island day trips</h3><p>Return tickets from <strong>$12</strong>. "
            "Bikes travel free.</p><small>Harbour Ferries Ltd</small>",
            link_url=FERRIES_URL,
        )
        _history(made, rng, today)
    return len(made)
