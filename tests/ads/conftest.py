"""Fixtures shared by the ads tests: a site with a section and an article, and builders
for placements, campaigns and creatives."""

import datetime as dt

import pytest
from django.utils import timezone

from masthead.ads.models import AdsSettings, Campaign, Creative, Placement
from masthead.metrics.services import reset_process_state
from tests.newsroom.factories import make_article, make_image, make_section

BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


@pytest.fixture(autouse=True)
def _fresh_counting_state():
    reset_process_state()
    yield
    reset_process_state()


@pytest.fixture
def news(db):
    return make_section("News", order=1)


@pytest.fixture
def analysis(db):
    return make_section("Analysis", order=2)


@pytest.fixture
def article(news):
    body = [("paragraph", f"<p>Paragraph {n} of the harbour story.</p>") for n in range(1, 7)]
    return make_article(section=news, title="Harbour reopens", body=body)


@pytest.fixture
def ads_settings(db):
    from wagtail.models import Site

    ads = AdsSettings.for_site(Site.objects.get(is_default_site=True))
    ads.save()
    return ads


def make_placement(kind=Placement.Kind.SIDEBAR, *, key=None, size="300x250", **fields):
    key = key or f"{kind}-{Placement.objects.count() + 1}"
    return Placement.objects.create(name=key.title(), key=key, kind=kind, size=size, **fields)


def make_campaign(name="Harbour Boats", *, advertiser="Harbour Boats Ltd", **fields):
    fields.setdefault("starts_at", timezone.now() - dt.timedelta(days=1))
    return Campaign.objects.create(name=name, advertiser=advertiser, **fields)


def make_creative(campaign, placements=(), *, kind=Creative.Kind.IMAGE, **fields):
    if kind == Creative.Kind.IMAGE:
        fields.setdefault("image", make_image(title="Ad", width=300, height=250))
        fields.setdefault("alt_text", "Boats for sale")
        fields.setdefault("link_url", "https://boats.example.com/offer")
    elif kind == Creative.Kind.HTML:
        fields.setdefault("html", "<p><strong>Boats</strong> for sale</p>")
        fields.setdefault("link_url", "https://boats.example.com/offer")
    elif kind == Creative.Kind.TAG:
        fields.setdefault("tag", '<script src="https://ads.example.net/tag.js"></script>')
    elif kind == Creative.Kind.HOUSE:
        fields.setdefault("house_target", Creative.HouseTarget.DONATE)
        fields.setdefault("headline", "Support independent news")
        fields.setdefault("text", "Readers keep us going.")
    creative = Creative.objects.create(
        campaign=campaign, name=fields.pop("name", f"{kind} creative"), kind=kind, **fields
    )
    creative.placements.set(placements)
    return creative
