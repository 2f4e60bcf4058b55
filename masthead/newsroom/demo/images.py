"""Pillow-drawn pictures for the demo: abstract featured images and initials avatars.

Each picture is drawn from a seed, so a rebuild draws the same picture again.
"""

import colorsys
import io
import math
import random

from django.core.files.images import ImageFile
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFilter, ImageFont
from wagtail.images.models import Image
from wagtail.models import Collection

COLLECTION_NAME = "Demo publication"
FEATURED_SIZE = (1600, 900)
AVATAR_SIZE = 400

Colour = tuple[int, int, int]


def demo_collection() -> Collection:
    """The collection that holds every demo image, so a reset can find them all."""
    existing = Collection.objects.filter(name=COLLECTION_NAME).first()
    if existing:
        return existing
    return Collection.get_first_root_node().add_child(name=COLLECTION_NAME)


def save_image(*, title: str, data: bytes, filename: str, collection: Collection) -> Image:
    return Image.objects.create(
        title=title, file=ImageFile(io.BytesIO(data), name=filename), collection=collection
    )


def _hls(hue: float, lightness: float, saturation: float) -> Colour:
    r, g, b = colorsys.hls_to_rgb((hue % 360) / 360, lightness, saturation)
    return (round(r * 255), round(g * 255), round(b * 255))


def palette(rng: random.Random, hue: int) -> dict[str, Colour]:
    """A harmonious set around `hue`: deep, mid and light tones plus one accent."""
    hue = hue + rng.uniform(-14, 14)
    accent_shift = rng.choice((150, 180, 210, 40))
    return {
        "deep": _hls(hue - 12, rng.uniform(0.14, 0.22), rng.uniform(0.45, 0.7)),
        "mid": _hls(hue, rng.uniform(0.36, 0.46), rng.uniform(0.5, 0.75)),
        "light": _hls(hue + 18, rng.uniform(0.7, 0.82), rng.uniform(0.45, 0.7)),
        "accent": _hls(hue + accent_shift, rng.uniform(0.55, 0.65), rng.uniform(0.65, 0.85)),
    }


def _gradient(size: tuple[int, int], grid: list[list[Colour]]) -> PILImage.Image:
    """A smooth mesh gradient, made by enlarging a tiny image of the grid's colours."""
    rows, cols = len(grid), len(grid[0])
    seed_image = PILImage.new("RGBA", (cols, rows))
    seed_image.putdata([(*colour, 255) for row in grid for colour in row])
    return seed_image.resize(size, PILImage.Resampling.BILINEAR, reducing_gap=None)


def _rgba(colour: Colour, alpha: int) -> tuple[int, int, int, int]:
    return (*colour, alpha)


def _waves(draw, rng, w, h, colours):
    bands = rng.randint(4, 6)
    for i in range(bands):
        base = h * (0.35 + 0.6 * i / bands)
        amplitude = rng.uniform(0.03, 0.08) * h
        wavelength = rng.uniform(0.5, 1.2) * w
        phase = rng.uniform(0, math.tau)
        points = [
            (x, base + amplitude * math.sin(phase + math.tau * x / wavelength))
            for x in range(0, w + 41, 40)
        ]
        colour = colours[i % len(colours)]
        draw.polygon([*points, (w, h), (0, h)], fill=_rgba(colour, 90 + 25 * i))


def _orbs(draw, rng, w, h, colours):
    for _ in range(rng.randint(5, 9)):
        r = rng.uniform(0.12, 0.38) * h
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=_rgba(rng.choice(colours), 120))


def _lines(draw, rng, w, h, colours):
    angle = rng.uniform(-0.6, 0.6)
    dx = math.tan(angle) * h
    x = -abs(dx) - 200.0
    while x < w + abs(dx) + 200:
        width = rng.uniform(30, 140)
        if rng.random() < 0.6:
            colour = _rgba(rng.choice(colours), rng.randint(70, 170))
            draw.polygon([(x, 0), (x + width, 0), (x + width + dx, h), (x + dx, h)], fill=colour)
        x += width + rng.uniform(20, 90)


def _blocks(draw, rng, w, h, colours):
    for _ in range(rng.randint(7, 12)):
        bw, bh = rng.uniform(0.1, 0.4) * w, rng.uniform(0.15, 0.6) * h
        x, y = rng.uniform(-0.1, 0.9) * w, rng.uniform(-0.1, 0.8) * h
        draw.rectangle(
            (x, y, x + bw, y + bh), fill=_rgba(rng.choice(colours), rng.randint(90, 200))
        )


def _arcs(draw, rng, w, h, colours):
    cx, cy = rng.choice((0.0, 1.0)) * w, rng.uniform(0.6, 1.3) * h
    radius = max(w, h) * 1.3
    while radius > 60:
        width = int(rng.uniform(14, 60))
        colour = _rgba(rng.choice(colours), rng.randint(90, 200))
        draw.ellipse(
            (cx - radius, cy - radius, cx + radius, cy + radius), outline=colour, width=width
        )
        radius -= width + rng.uniform(10, 50)


def _grid(draw, rng, w, h, colours):
    step = rng.choice((60, 75, 90))
    for gx in range(step // 2, w, step):
        for gy in range(step // 2, h, step):
            r = rng.choice((4, 4, 6, 10)) if rng.random() < 0.9 else 18
            draw.ellipse((gx - r, gy - r, gx + r, gy + r), fill=_rgba(rng.choice(colours), 170))
    for _ in range(3):
        x0, y0 = rng.randrange(0, w, step), rng.randrange(0, h, step)
        draw.line((x0, y0, x0 + step * rng.randint(3, 8), y0), fill=_rgba(colours[0], 200), width=6)


def _rays(draw, rng, w, h, colours):
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.7, 1.1) * h
    count = rng.randint(14, 24)
    for i in range(count):
        a0 = math.pi + math.pi * i / count
        a1 = a0 + math.pi / count * rng.uniform(0.3, 0.8)
        far = 2.2 * w
        points = [(cx, cy), (cx + far * math.cos(a0), cy + far * math.sin(a0))]
        points.append((cx + far * math.cos(a1), cy + far * math.sin(a1)))
        draw.polygon(points, fill=_rgba(colours[i % len(colours)], rng.randint(50, 120)))


def _stars(draw, rng, w, h, colours):
    for _ in range(420):
        x, y, r = rng.uniform(0, w), rng.uniform(0, h), rng.choice((1, 1, 2, 2, 3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 255, rng.randint(90, 240)))
    r = rng.uniform(0.18, 0.3) * h
    x, y = rng.uniform(0.6, 0.85) * w, rng.uniform(0.2, 0.45) * h
    draw.ellipse((x - r, y - r, x + r, y + r), fill=_rgba(colours[-1], 220))


MOTIFS = {
    "waves": _waves,
    "orbs": _orbs,
    "lines": _lines,
    "blocks": _blocks,
    "arcs": _arcs,
    "grid": _grid,
    "rays": _rays,
    "stars": _stars,
}
SOFT_MOTIFS = {"orbs"}


def featured_jpeg(*, seed: str, hue: int, motif: str, size=FEATURED_SIZE) -> bytes:
    """An abstract composition in a per-seed palette: gradient, shapes, soft light."""
    rng = random.Random(seed)
    colours = palette(rng, hue)
    w, h = size
    if motif == "stars":
        tones = [colours["deep"], (8, 10, 28), colours["mid"]]
        shapes = [colours["accent"], colours["light"]]
    else:
        tones = [colours["light"], colours["mid"], colours["deep"], colours["accent"]]
        shapes = [colours["deep"], colours["mid"], colours["light"], colours["accent"]]
    # A 3x2 grid of tones, mostly the palette's own, sometimes a hint of the accent.
    weights = [4, 4, 3, 1] if motif != "stars" else [3, 3, 2]
    grid = [rng.choices(tones, weights=weights, k=3) for _ in range(2)]
    picture = _gradient(size, grid)
    # Shapes are drawn at half size and enlarged: softer edges, a quarter of the work.
    layer = PILImage.new("RGBA", (w // 2, h // 2), (0, 0, 0, 0))
    MOTIFS[motif](ImageDraw.Draw(layer), rng, w // 2, h // 2, shapes)
    if motif in SOFT_MOTIFS:
        layer = layer.filter(ImageFilter.GaussianBlur(18))
    picture.alpha_composite(layer.resize(size, PILImage.Resampling.BILINEAR))
    out = io.BytesIO()
    picture.convert("RGB").save(out, "JPEG", quality=84, optimize=True, progressive=True)
    return out.getvalue()


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    # Pillow's bundled font: always there, so the avatar never fails to draw.
    return ImageFont.load_default(size=size)


def avatar_png(*, initials: str, colour: Colour, size: int = AVATAR_SIZE) -> bytes:
    """Initials in white on a two-tone disc of the author's colour."""
    picture = PILImage.new("RGB", (size, size), colour)
    draw = ImageDraw.Draw(picture)
    lighter = tuple(min(255, c + 40) for c in colour)
    draw.ellipse((size * 0.45, -size * 0.2, size * 1.3, size * 0.65), fill=lighter)
    font = _font(int(size * 0.4))
    draw.text((size / 2, size / 2), initials, font=font, fill=(255, 255, 255), anchor="mm")
    out = io.BytesIO()
    picture.save(out, "PNG", optimize=True)
    return out.getvalue()
