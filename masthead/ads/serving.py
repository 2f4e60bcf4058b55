"""What the ad slots receive: the slots.json payload with each creative's markup, and
the one ad a newsletter issue carries.

The payload is the same for every reader (the choice among creatives is made in
the browser, see ads.js), so it is cached in the shared cache under the content
generation: an admin edit, a saved setting or the schedule watcher bumping the
generation makes the next request rebuild it.
"""

import datetime as dt
import json
import logging

from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from masthead.core.pagecache import current_generation

from . import rotation, selectors
from .links import click_path
from .models import Creative, CreativeDailyStats, Placement

logger = logging.getLogger(__name__)

MAX_PLACEMENTS = 20

# Headline, text and button of house ads whose editor left them empty.
HOUSE_DEFAULTS = {
    Creative.HouseTarget.DONATE: (
        "Support independent journalism",
        "Readers like you keep our reporting free for everyone.",
        "Donate",
    ),
    Creative.HouseTarget.NEWSLETTER: (
        "Get our newsletter",
        "The stories that matter, in your inbox.",
        "Subscribe",
    ),
}


def unix_day(at: dt.datetime) -> int:
    return int(at.timestamp() // 86400)


def campaigns_over_daily_cap(campaign_ids, *, at: dt.datetime | None = None) -> set[int]:
    """The campaigns among `campaign_ids` whose creatives have reached the campaign's
    daily impression cap today (UTC).

    Counts are the flushed CreativeDailyStats rows: impressions still in a buffer
    are not seen, so a campaign can overshoot its cap by up to one flush interval's
    impressions (and by what cached slots.json answers still offer for their max-age).
    """
    day = unix_day(at or timezone.now())
    rows = (
        CreativeDailyStats.objects.filter(
            day=day,
            creative__campaign__in=campaign_ids,
            creative__campaign__daily_impression_cap__isnull=False,
        )
        .values("creative__campaign", "creative__campaign__daily_impression_cap")
        .annotate(shown=Sum("impressions"))
    )
    return {
        row["creative__campaign"]
        for row in rows
        if row["shown"] >= row["creative__campaign__daily_impression_cap"]
    }


# --- snippets (contract 2: the whole content of .ad-slot__box) ---------------------------


def _image_url(creative: Creative, width: int, height: int, *, fmt: str) -> str:
    # Twice the slot's size for high-density screens; the width/height attributes keep
    # the reserved box.  Wagtail's fill never upscales a smaller original.
    rendition = creative.image.get_rendition(f"fill-{width * 2}x{height * 2}|format-{fmt}")
    return rendition.url


def house_content(creative: Creative) -> dict:
    headline, text, button = HOUSE_DEFAULTS.get(creative.house_target, ("", "", ""))
    return {
        "target": creative.house_target,
        "headline": creative.headline or headline,
        "text": creative.text or text,
        "button": button,
    }


def render_snippet(creative: Creative, placement: Placement) -> str:
    context = {
        "creative": creative,
        "width": placement.width,
        "height": placement.height,
        "click": click_path(creative.pk, placement.pk),
    }
    if creative.kind == Creative.Kind.IMAGE:
        context["src"] = _image_url(creative, placement.width, placement.height, fmt="webp")
    elif creative.kind == Creative.Kind.HTML:
        from .sanitise import clean_html

        # Sanitised again at render: an HTML creative saved before a tightening of the
        # safelist (or written to the database some other way) cannot reach a page.
        context["markup"] = clean_html(creative.html)
    elif creative.kind == Creative.Kind.HOUSE:
        context["house"] = house_content(creative)
    elif creative.kind == Creative.Kind.TAG:
        context["src"] = reverse("ads:frame", args=[creative.pk])
    else:
        return ""
    return render_to_string(f"ads/snippets/{creative.kind}.html", context).strip()


# --- slots.json (contract 1) --------------------------------------------------------------


def _placement_entries(
    placement: Placement, section_id: int | None, *, allow_tags: bool, at: dt.datetime
) -> list[dict]:
    creatives = list(
        selectors.eligible_creatives(placement, section_id, allow_tags=allow_tags, at=at)
    )
    capped = campaigns_over_daily_cap({c.campaign_id for c in creatives}, at=at)
    entries = []
    for creative in creatives:
        if creative.campaign_id in capped:
            continue
        try:
            html = render_snippet(creative, placement)
        except Exception:  # an unreadable image file: that creative sits out, the rest run
            logger.exception("ads: creative %s could not be rendered", creative.pk)
            continue
        if not html:
            continue
        entries.append(
            {
                "id": creative.pk,
                "campaign": creative.campaign_id,
                "weight": creative.campaign.weight * creative.weight,
                "cap": creative.campaign.visitor_daily_cap,
                "html": html,
            }
        )
    return entries


def _shown_here(placement: Placement, section_id: int | None) -> bool:
    if not placement.enabled or placement.kind == Placement.Kind.NEWSLETTER:
        return False
    sections = {s.pk for s in placement.sections.all()}
    return not sections or section_id in sections


def build_slots(
    placement_ids: list[int], section_id: int | None, ads, *, at: dt.datetime | None = None
) -> dict:
    """The slots.json document: for each requested placement, the creatives that may run
    there now for a page of `section_id` (empty for unknown, disabled, newsletter or
    other-section placements, and for all when `ads` (AdsSettings) is switched off)."""
    at = at or timezone.now()
    slots: dict[str, list] = {str(pk): [] for pk in placement_ids}
    if ads.enabled:
        placements = Placement.objects.filter(pk__in=placement_ids).prefetch_related("sections")
        for placement in placements:
            if _shown_here(placement, section_id):
                slots[str(placement.pk)] = _placement_entries(
                    placement, section_id, allow_tags=ads.allow_third_party_tags, at=at
                )
    return {"label": ads.label, "slots": slots}


def slots_json(placement_ids: list[int], section_id: int | None, ads, *, site_id) -> bytes:
    """build_slots() as JSON bytes, cached per content generation for the max-age."""
    ids = sorted(set(placement_ids))
    generation = current_generation()
    if isinstance(generation, tuple):  # (size, inode) of the generation file
        generation = "-".join(map(str, generation))
    key = f"ads:slots:{generation}:{site_id}:{section_id or ''}:{','.join(map(str, ids))}"
    body = cache.get(key)
    if body is None:
        document = build_slots(ids, section_id, ads)
        body = json.dumps(document, separators=(",", ":")).encode()
        cache.set(key, body, timeout=settings.MASTHEAD_AD_SLOTS_MAX_AGE)
    return body


# --- the newsletter's ad ------------------------------------------------------------------


def newsletter_ad(issue, *, at: dt.datetime | None = None) -> dict | None:
    """The ad `issue` carries: one creative among those of the enabled newsletter
    placements (never a tag: mail runs no scripts), weighted like the web's rotation and
    drawn with the issue id as the seed.  None when there is none (or ads are off).

    Links and images are absolute, for a mail client.  Email impressions are not counted
    (a mail has no beacon, and image pixels are unreliable: Apple Mail fetches every
    image in advance); clicks are, through the signed click link.
    """
    from masthead.newsletters.rendering import absolute, absolute_links, html_to_text

    ads = _default_site_ads()
    if ads is None or not ads.enabled:
        return None
    at = at or timezone.now()
    candidates = []
    placements = Placement.objects.filter(
        kind=Placement.Kind.NEWSLETTER, enabled=True, sections__isnull=True
    ).order_by("position", "pk")
    for placement in placements:
        creatives = list(
            selectors.eligible_creatives(placement, None, allow_tags=False, at=at).filter(
                kind__in=[Creative.Kind.IMAGE, Creative.Kind.HTML, Creative.Kind.HOUSE]
            )
        )
        capped = campaigns_over_daily_cap({c.campaign_id for c in creatives}, at=at)
        candidates += [
            ((placement, creative), creative.campaign.weight * creative.weight)
            for creative in creatives
            if creative.campaign_id not in capped
        ]
    chosen = rotation.pick(candidates, rotation.seeded(issue.pk or 0))
    if chosen is None:
        return None
    placement, creative = chosen
    ad = {
        "kind": creative.kind,
        "label": ads.label,
        "url": absolute(click_path(creative.pk, placement.pk)),
        "width": placement.width,
        "height": placement.height,
        "creative_id": creative.pk,
        "placement_id": placement.pk,
    }
    if creative.kind == Creative.Kind.IMAGE:
        try:
            ad["src"] = absolute(_image_url(creative, placement.width, placement.height, fmt="png"))
        except Exception:  # a missing file must not stop a newsletter
            logger.exception("ads: newsletter image of creative %s failed", creative.pk)
            return None
        ad["alt"] = creative.alt_text
    elif creative.kind == Creative.Kind.HTML:
        from .sanitise import clean_html

        markup = absolute_links(clean_html(creative.html))
        ad["html"] = markup
        ad["text"] = html_to_text(markup)
    else:
        ad["house"] = house_content(creative)
    return ad


def _default_site_ads():
    from wagtail.models import Site

    from .models import AdsSettings

    site = Site.objects.filter(is_default_site=True).first()
    return AdsSettings.for_site(site) if site is not None else None
