"""The reads: which placements a page renders and which creatives may run in them now."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from masthead.core.memo import per_generation

from .models import Campaign, Creative, Placement


def section_id_of(page) -> int | None:
    """The section a page belongs to (an article's parent section, a section itself)."""
    if page is None:
        return None
    from masthead.newsroom.models import ArticlePage, SectionPage

    specific = getattr(page, "specific_deferred", page)
    if isinstance(specific, SectionPage):
        return specific.pk
    if isinstance(specific, ArticlePage):
        return specific.get_parent().pk
    return None


def running_campaigns(at: dt.datetime | None = None):
    at = at or timezone.now()
    return Campaign.objects.filter(active=True, starts_at__lte=at).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=at)
    )


def eligible_creatives(
    placement: Placement,
    section_id: int | None,
    *,
    allow_tags: bool,
    at: dt.datetime | None = None,
):
    """Active, complete creatives of running campaigns assigned to `placement` that may
    run on a page of `section_id` (caps are applied by the caller that knows the counts)."""
    creatives = (
        Creative.objects.filter(active=True, placements=placement)
        .filter(campaign__in=running_campaigns(at))
        .filter(
            Q(kind=Creative.Kind.IMAGE, image__isnull=False) & ~Q(link_url="")
            | Q(kind=Creative.Kind.HTML) & ~Q(html="") & ~Q(link_url="")
            | Q(kind=Creative.Kind.TAG) & ~Q(tag="")
            | Q(kind=Creative.Kind.HOUSE) & ~Q(house_target="")
        )
    )
    if not allow_tags or placement.kind == Placement.Kind.NEWSLETTER:
        creatives = creatives.exclude(kind=Creative.Kind.TAG)
    if section_id is None:
        creatives = creatives.filter(campaign__sections__isnull=True)
    else:
        creatives = creatives.filter(
            Q(campaign__sections__isnull=True) | Q(campaign__sections=section_id)
        )
    return creatives.select_related("campaign", "image").distinct().order_by("pk")


def _placements(kind: str, section_id: int | None, allow_tags: bool) -> list[Placement]:
    from .serving import campaigns_over_daily_cap  # serving builds on this module

    placements = Placement.objects.filter(kind=kind, enabled=True).prefetch_related("sections")
    shown = []
    for placement in placements:
        sections = {s.pk for s in placement.sections.all()}
        if sections and section_id not in sections:
            continue
        campaigns = set(
            eligible_creatives(placement, section_id, allow_tags=allow_tags).values_list(
                "campaign", flat=True
            )
        )
        # A campaign that filled today's cap leaves its slot empty: render no box for it.
        if campaigns - campaigns_over_daily_cap(campaigns):
            shown.append(placement)
    return shown


def placements_for(kind: str, section_id: int | None, *, allow_tags: bool) -> list[Placement]:
    """The enabled placements of `kind` a page of `section_id` renders: those restricted to
    no section or to this one, with at least one creative that may run there now (its
    campaign below today's impression cap).  An empty
    slot renders nothing.  Memoised per content generation (ads admin edits bump it, and
    the scheduler bumps it when a campaign starts or ends)."""
    return per_generation(
        ("ads.placements", kind, section_id, allow_tags),
        lambda: _placements(kind, section_id, allow_tags),
    )


def in_article_break(page, placement: Placement) -> int | None:
    """Index of the body block after which `placement` goes: the block holding the
    placement's Nth paragraph; None when the article has fewer paragraphs."""
    seen = 0
    for index, block in enumerate(page.body):
        if block.block_type == "paragraph":
            seen += 1
            if seen == placement.paragraph:
                return index
    return None
