"""The page's Content-Security-Policy holds with ads on: ads change nothing in it, and
nothing an ad puts into the page needs an inline style, an inline script or a handler."""

import re

import pytest
from bs4 import BeautifulSoup

from masthead.ads.models import Creative, Placement
from tests.ads.conftest import make_campaign, make_creative, make_placement

KINDS = [
    (Placement.Kind.HEADER, "728x90"),
    (Placement.Kind.SIDEBAR, "300x250"),
    (Placement.Kind.SIDEBAR, "300x600"),
    (Placement.Kind.IN_ARTICLE, "300x250"),
    (Placement.Kind.BETWEEN, "728x90"),
    (Placement.Kind.FOOTER, "728x90"),
]
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        # The nonce is new on every response; everything else must be the same.
        directives[name] = ["'nonce-…'" if v.startswith("'nonce-") else v for v in values]
    return directives


def _every_kind_of_ad(ads_settings) -> list[Placement]:
    ads_settings.allow_third_party_tags = True
    ads_settings.save()
    placements = [
        make_placement(kind, size=size, paragraph=2, position=n)
        for n, (kind, size) in enumerate(KINDS)
    ]
    campaign = make_campaign()
    for kind in (Creative.Kind.IMAGE, Creative.Kind.HTML, Creative.Kind.HOUSE, Creative.Kind.TAG):
        make_creative(campaign, placements, kind=kind)
    Creative.objects.filter(kind=Creative.Kind.HTML).update(
        html='<p style="color:red" onmouseover="x()">Boats<script>alert(1)</script></p>'
    )
    return placements


@pytest.fixture
def every_kind_of_ad(ads_settings):
    return _every_kind_of_ad(ads_settings)


def test_policy_is_the_same_with_ads_in_every_placement(
    client, article, ads_settings, django_capture_on_commit_callbacks
):
    plain = client.get(article.url)
    assert "data-ad-slot" not in plain.content.decode()
    # Committed, so the saves bump the generation and the article's cached markup goes.
    with django_capture_on_commit_callbacks(execute=True):
        placements = _every_kind_of_ad(ads_settings)
    with_ads = client.get(article.url)
    slots = set(re.findall(r'data-ad-slot="(\d+)"', with_ads.content.decode()))
    assert slots == {str(p.pk) for p in placements}
    assert _policy(with_ads) == _policy(plain)
    assert "Content-Security-Policy-Report-Only" not in with_ads


def test_page_and_snippets_hold_the_strict_policy(client, article, every_kind_of_ad):
    response = client.get(article.url)
    html = response.content.decode()
    assert len(set(re.findall(r'data-ad-slot="(\d+)"', html))) == len(every_kind_of_ad)
    policy = _policy(response)
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert "style=" not in html
    assert not HANDLER.search(html)
    # The only scripts are the site's own files, each with the response's nonce.
    soup = BeautifulSoup(html, "html.parser")
    for script in soup.find_all("script"):
        assert script.get("nonce"), script

    ids = ",".join(str(p.pk) for p in every_kind_of_ad)
    slots = client.get(f"/ads/slots.json?p={ids}&s=").json()["slots"]
    snippets = [entry["html"] for entries in slots.values() for entry in entries]
    assert len(snippets) == 4 * len(every_kind_of_ad)
    for snippet in snippets:
        assert "style=" not in snippet
        assert "<script" not in snippet
        assert not HANDLER.search(snippet)
    frames = [s for s in snippets if s.startswith("<iframe")]
    assert len(frames) == len(every_kind_of_ad)
    for frame in frames:
        assert re.search(r'src="/ads/frame/\d+/"', frame)
        assert "allow-same-origin" not in frame
