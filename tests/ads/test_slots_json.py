"""slots.json: what each slot may show (contract 1) and the creatives' markup (contract 2)."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from masthead.ads.links import unsign_click
from masthead.ads.models import Creative, CreativeDailyStats, Placement
from masthead.ads.serving import unix_day
from tests.ads.conftest import make_campaign, make_creative, make_placement


def _get(client, placements, section=""):
    ids = ",".join(str(p.pk) for p in placements)
    return client.get(f"/ads/slots.json?p={ids}&s={section}")


def _slots(client, placements, section=""):
    response = _get(client, placements, section)
    assert response.status_code == 200, response.content
    return response.json()["slots"]


def _ids(entries):
    return sorted(entry["id"] for entry in entries)


def test_answer_shape_weights_caps_and_headers(client, news, ads_settings):
    placement = make_placement(Placement.Kind.SIDEBAR)
    campaign = make_campaign(weight=30, visitor_daily_cap=3)
    creative = make_creative(campaign, [placement], weight=4)
    other = make_creative(make_campaign("Ferries", weight=5), [placement])
    response = _get(client, [placement], news.pk)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=30"
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies
    document = response.json()
    assert document["label"] == "Advertisement"
    entries = {e["id"]: e for e in document["slots"][str(placement.pk)]}
    assert entries[creative.pk]["campaign"] == campaign.pk
    assert entries[creative.pk]["weight"] == 120
    assert entries[creative.pk]["cap"] == 3
    assert entries[other.pk]["weight"] == 5
    assert entries[other.pk]["cap"] is None


def test_max_age_follows_the_setting(client, ads_settings, settings):
    settings.MASTHEAD_AD_SLOTS_MAX_AGE = 7
    placement = make_placement()
    make_creative(make_campaign(), [placement])
    assert _get(client, [placement])["Cache-Control"] == "public, max-age=7"


@pytest.mark.parametrize(
    "query",
    [
        "",
        "p=",
        "p=abc",
        "p=1,,2",
        "p=0",
        "p=-1",
        "p=1&s=x",
        "p=1&s=-3",
        "p=" + ",".join(str(n) for n in range(1, 22)),
        "p=1%0A",
    ],
)
def test_bad_queries_get_problem_details(client, ads_settings, query):
    response = client.get(f"/ads/slots.json?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400 and body["title"] == "Bad Request"


def test_twenty_placements_are_accepted(client, ads_settings):
    response = client.get("/ads/slots.json?p=" + ",".join(str(n) for n in range(1, 21)))
    assert response.status_code == 200
    assert len(response.json()["slots"]) == 20


def test_post_is_refused(client, ads_settings):
    assert client.post("/ads/slots.json?p=1").status_code == 405


def test_unknown_disabled_newsletter_and_other_section_placements_are_empty(
    client, news, analysis, ads_settings
):
    campaign = make_campaign()
    shown = make_placement(Placement.Kind.SIDEBAR)
    off = make_placement(Placement.Kind.SIDEBAR, enabled=False)
    mail = make_placement(Placement.Kind.NEWSLETTER, size="600x200")
    elsewhere = make_placement(Placement.Kind.FOOTER)
    elsewhere.sections.set([analysis])
    here = make_placement(Placement.Kind.HEADER, size="728x90")
    here.sections.set([news])
    make_creative(campaign, [shown, off, mail, elsewhere, here])
    slots = client.get(
        f"/ads/slots.json?p={shown.pk},{off.pk},{mail.pk},{elsewhere.pk},{here.pk},999999"
        f"&s={news.pk}"
    ).json()["slots"]
    assert [bool(slots[str(p.pk)]) for p in (shown, off, mail, elsewhere, here)] == [
        True,
        False,
        False,
        False,
        True,
    ]
    assert slots["999999"] == []
    # The same placements for a page outside any section: the news-only one goes too.
    cache.clear()
    slots = client.get(f"/ads/slots.json?p={here.pk},{shown.pk}&s=").json()["slots"]
    assert slots[str(here.pk)] == [] and slots[str(shown.pk)]


def test_campaign_sections_target_both_ways(client, news, analysis, ads_settings):
    placement = make_placement()
    news_only = make_creative(make_campaign("News only"), [placement])
    news_only.campaign.sections.set([news])
    everywhere = make_creative(make_campaign("Everywhere"), [placement])
    assert _ids(_slots(client, [placement], news.pk)[str(placement.pk)]) == sorted(
        [news_only.pk, everywhere.pk]
    )
    assert _ids(_slots(client, [placement], analysis.pk)[str(placement.pk)]) == [everywhere.pk]
    assert _ids(_slots(client, [placement], "")[str(placement.pk)]) == [everywhere.pk]


def test_scheduling_windows(client, ads_settings):
    placement = make_placement()
    now = timezone.now()
    running = make_creative(
        make_campaign("Running", ends_at=now + dt.timedelta(days=1)), [placement]
    )
    open_ended = make_creative(make_campaign("Open-ended", ends_at=None), [placement])
    make_creative(make_campaign("Not yet", starts_at=now + dt.timedelta(hours=1)), [placement])
    make_creative(
        make_campaign(
            "Over", starts_at=now - dt.timedelta(days=3), ends_at=now - dt.timedelta(minutes=1)
        ),
        [placement],
    )
    make_creative(make_campaign("Paused", active=False), [placement])
    make_creative(make_campaign("Inactive creative"), [placement], active=False)
    entries = _slots(client, [placement])[str(placement.pk)]
    assert _ids(entries) == sorted([running.pk, open_ended.pk])


def test_daily_impression_cap(client, ads_settings):
    placement = make_placement()
    capped = make_campaign("Capped", daily_impression_cap=100)
    first = make_creative(capped, [placement], name="first")
    second = make_creative(capped, [placement], kind=Creative.Kind.HOUSE, name="second")
    uncapped = make_creative(make_campaign("Uncapped"), [placement])
    today = unix_day(timezone.now())
    CreativeDailyStats.objects.create(creative=first, day=today, impressions=60)
    stats = CreativeDailyStats.objects.create(creative=second, day=today, impressions=39)
    # Yesterday's impressions do not count against today's cap.
    CreativeDailyStats.objects.create(creative=first, day=today - 1, impressions=500)
    entries = _slots(client, [placement])[str(placement.pk)]
    assert _ids(entries) == sorted([first.pk, second.pk, uncapped.pk])
    stats.impressions = 40  # the campaign's creatives together reach 100
    stats.save()
    cache.clear()  # the answer is cached for its max-age; the cap applies to the next one
    entries = _slots(client, [placement])[str(placement.pk)]
    assert _ids(entries) == [uncapped.pk]


def test_ads_switched_off_empty_every_slot(client, ads_settings):
    placement = make_placement()
    make_creative(make_campaign(), [placement])
    ads_settings.enabled = False
    ads_settings.save()
    assert _slots(client, [placement]) == {str(placement.pk): []}


def test_tags_only_when_the_site_allows_them(client, ads_settings):
    placement = make_placement()
    tag = make_creative(make_campaign(), [placement], kind=Creative.Kind.TAG)
    image = make_creative(make_campaign("Image"), [placement])
    assert _ids(_slots(client, [placement])[str(placement.pk)]) == [image.pk]
    ads_settings.allow_third_party_tags = True
    ads_settings.save()
    cache.clear()
    assert _ids(_slots(client, [placement])[str(placement.pk)]) == sorted([tag.pk, image.pk])


def test_image_snippet(client, ads_settings):
    placement = make_placement(size="300x250")
    creative = make_creative(make_campaign(), [placement], alt_text='Boats "cheap" <today>')
    (entry,) = _slots(client, [placement])[str(placement.pk)]
    html = entry["html"]
    match = re.fullmatch(
        r'<a class="ad ad--image" href="([^"]+)" rel="sponsored noopener">'
        r'<img src="([^"]+)" width="300" height="250" alt="([^"]*)"></a>',
        html,
    )
    assert match, html
    assert unsign_click(match.group(1).split("/")[-2]) == (creative.pk, placement.pk)
    assert match.group(2).startswith("/media/") and match.group(2).endswith(".webp")
    assert match.group(3) == "Boats &quot;cheap&quot; &lt;today&gt;"
    # The rendition is a real file of twice the slot's size (high-density screens)...
    from wagtail.images.models import Rendition

    rendition = Rendition.objects.get(
        image=creative.image, file__endswith=match.group(2).split("/")[-1]
    )
    assert (rendition.width, rendition.height) == (300, 250)  # ...but never upscaled


def test_image_rendition_is_twice_the_slot_when_the_original_allows(client, ads_settings):
    from tests.newsroom.factories import make_image

    placement = make_placement(size="320x100")
    make_creative(
        make_campaign(), [placement], image=make_image(title="Big", width=1000, height=500)
    )
    (entry,) = _slots(client, [placement])[str(placement.pk)]
    assert 'width="320" height="100"' in entry["html"]
    from wagtail.images.models import Rendition

    assert Rendition.objects.filter(width=640, height=200).exists()


def test_html_snippet_is_sanitised_again_at_render(client, ads_settings):
    placement = make_placement()
    creative = make_creative(make_campaign(), [placement], kind=Creative.Kind.HTML)
    # Written past the admin's sanitiser, as an old row or a direct database edit would be.
    Creative.objects.filter(pk=creative.pk).update(
        html='<p onclick="steal()" style="color:red">Big <b>boats</b></p>'
        '<script>alert(1)</script><a href="https://evil.example">x</a>'
    )
    (entry,) = _slots(client, [placement])[str(placement.pk)]
    html = entry["html"]
    assert html.startswith('<a class="ad ad--html" href="/ads/c/')
    assert '<div class="ad__html"><p>Big <b>boats</b></p>' in html
    for forbidden in ("onclick", "style=", "<script", "alert(1)", "evil.example"):
        assert forbidden not in html


@pytest.mark.parametrize(
    ("target", "headline", "button"),
    [
        ("donate", "Support independent journalism", "Donate"),
        ("newsletter", "Get our newsletter", "Subscribe"),
    ],
)
def test_house_snippet_defaults_by_target(client, ads_settings, target, headline, button):
    placement = make_placement()
    creative = make_creative(
        make_campaign(is_house=True),
        [placement],
        kind=Creative.Kind.HOUSE,
        house_target=target,
        headline="",
        text="",
    )
    (entry,) = _slots(client, [placement])[str(placement.pk)]
    html = entry["html"]
    assert html.startswith(f'<a class="ad ad--house ad--house-{target}" href="/ads/c/')
    assert f'<span class="ad__headline">{headline}</span>' in html
    assert f'<span class="ad__button">{button}</span>' in html
    href = re.search(r'href="([^"]+)"', html).group(1)
    assert unsign_click(href.split("/")[-2]) == (creative.pk, placement.pk)


def test_house_snippet_uses_the_editors_words(client, ads_settings):
    placement = make_placement()
    make_creative(make_campaign(), [placement], kind=Creative.Kind.HOUSE)
    (entry,) = _slots(client, [placement])[str(placement.pk)]
    assert '<span class="ad__headline">Support independent news</span>' in entry["html"]
    assert '<span class="ad__text">Readers keep us going.</span>' in entry["html"]


def test_tag_snippet_is_a_sandboxed_frame_without_same_origin(client, ads_settings):
    ads_settings.allow_third_party_tags = True
    ads_settings.save()
    placement = make_placement(size="728x90", kind=Placement.Kind.HEADER)
    creative = make_creative(make_campaign(), [placement], kind=Creative.Kind.TAG)
    (entry,) = _slots(client, [placement])[str(placement.pk)]
    assert entry["html"] == (
        f'<iframe class="ad ad--tag" src="/ads/frame/{creative.pk}/" '
        'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox" '
        'title="Advertisement" width="728" height="90" referrerpolicy="no-referrer" '
        'loading="lazy"></iframe>'
    )
    assert "allow-same-origin" not in entry["html"]
    assert "<script" not in entry["html"]


def test_answer_is_cached_per_generation(client, ads_settings, django_capture_on_commit_callbacks):
    placement = make_placement()
    make_creative(make_campaign(), [placement])
    assert len(_slots(client, [placement])[str(placement.pk)]) == 1
    # A write the cache does not hear about (no signal): the cached answer stands...
    Creative.objects.update(active=False)
    assert len(_slots(client, [placement])[str(placement.pk)]) == 1
    # ...until the content generation moves, as every ads edit makes it.
    from masthead.core.pagecache import bump_generation

    with django_capture_on_commit_callbacks(execute=True):
        bump_generation()
    assert _slots(client, [placement])[str(placement.pk)] == []
