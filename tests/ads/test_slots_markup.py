"""The reserved slots in page markup: where each placement kind renders, and when not."""

import datetime as dt

from django.utils import timezone

from masthead.ads.models import Placement
from tests.ads.conftest import make_campaign, make_creative, make_placement


def _slots(html: str) -> list[str]:
    import re

    return re.findall(r'data-ad-slot="(\d+)"', html)


def test_every_kind_renders_its_slot_on_an_article(client, article, ads_settings):
    campaign = make_campaign()
    placements = [
        make_placement(Placement.Kind.HEADER, size="728x90"),
        make_placement(Placement.Kind.SIDEBAR),
        make_placement(Placement.Kind.SIDEBAR, position=2),
        make_placement(Placement.Kind.IN_ARTICLE, paragraph=2),
        make_placement(Placement.Kind.BETWEEN, size="728x90"),
        make_placement(Placement.Kind.FOOTER, size="728x90"),
    ]
    make_creative(campaign, placements)
    html = client.get(article.url).content.decode()
    assert sorted(_slots(html)) == sorted(str(p.pk) for p in placements)
    assert html.count('<p class="ad-slot__label">Advertisement</p>') == len(placements)
    in_article = html.index(f'data-ad-slot="{placements[3].pk}"')
    assert html.index("Paragraph 2 of") < in_article < html.index("Paragraph 3 of")


def test_empty_disabled_or_elsewhere_slots_render_nothing(client, article, analysis, ads_settings):
    campaign = make_campaign()
    unused = make_placement(Placement.Kind.SIDEBAR)  # no creative assigned
    off = make_placement(Placement.Kind.SIDEBAR, enabled=False)
    other_section = make_placement(Placement.Kind.FOOTER)
    other_section.sections.set([analysis])
    make_creative(campaign, [off, other_section])
    ended = make_campaign("Old", ends_at=timezone.now() - dt.timedelta(hours=1))
    ended_slot = make_placement(Placement.Kind.HEADER)
    make_creative(ended, [ended_slot])
    html = client.get(article.url).content.decode()
    assert _slots(html) == []
    assert "ad-slot" not in html
    assert unused.pk  # created, yet absent


def test_ads_switched_off_render_no_slot_and_no_assets(client, article, ads_settings):
    make_creative(make_campaign(), [make_placement(Placement.Kind.SIDEBAR)])
    assert _slots(client.get(article.url).content.decode())
    ads_settings.enabled = False
    ads_settings.save()
    html = client.get(article.url).content.decode()
    assert _slots(html) == [] and "ads/ads.js" not in html


def test_short_article_has_no_in_article_ad(client, news, ads_settings):
    from tests.newsroom.factories import make_article

    short = make_article(section=news, title="Brief", body=[("paragraph", "<p>Only one.</p>")])
    placement = make_placement(Placement.Kind.IN_ARTICLE, paragraph=3)
    make_creative(make_campaign(), [placement])
    assert _slots(client.get(short.url).content.decode()) == []


def test_a_campaign_at_its_daily_cap_leaves_no_box(client, article, ads_settings):
    from masthead.ads.models import CreativeDailyStats
    from masthead.ads.serving import unix_day

    campaign = make_campaign(daily_impression_cap=100)
    creative = make_creative(campaign, [make_placement(Placement.Kind.SIDEBAR)])
    stats = CreativeDailyStats.objects.create(
        creative=creative, day=unix_day(timezone.now()), impressions=99
    )
    assert len(_slots(client.get(article.url).content.decode())) == 1
    stats.impressions = 100
    stats.save()
    from masthead.core.pagecache import bump_generation

    bump_generation()  # what the scheduler's ads.watch_schedule does when the cap fills
    assert _slots(client.get(article.url).content.decode()) == []
