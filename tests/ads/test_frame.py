"""The sandboxed document a third-party tag runs in."""

import pytest

from masthead.ads.models import Creative, Placement
from tests.ads.conftest import make_campaign, make_creative, make_placement

FRAME_CSP = (
    "sandbox allow-scripts allow-popups allow-popups-to-escape-sandbox; "
    "default-src * data: blob: 'unsafe-inline' 'unsafe-eval'"
)
TAG = (
    '<script src="https://ads.example.net/tag.js" data-slot="harbour"></script>\n'
    "<script>window.adConfig = {size: '300x250', q: \"a&b\"};</script>"
)


@pytest.fixture
def tags_on(ads_settings):
    ads_settings.allow_third_party_tags = True
    ads_settings.save()
    return ads_settings


@pytest.fixture
def tag(tags_on):
    return make_creative(make_campaign(), [make_placement()], kind=Creative.Kind.TAG, tag=TAG)


def test_document_carries_the_tag_verbatim_under_its_own_policy(client, tag):
    response = client.get(f"/ads/frame/{tag.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert TAG in html
    assert html.startswith("<!doctype html>")
    assert '<base target="_blank">' in html
    assert "<title>Advertisement</title>" in html
    assert response["Content-Security-Policy"] == FRAME_CSP
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, max-age=300"
    assert not response.cookies


def test_the_sites_page_policy_is_not_applied_to_it(client, tag):
    policy = client.get(f"/ads/frame/{tag.pk}/")["Content-Security-Policy"]
    assert "nonce-" not in policy and "frame-src" not in policy
    assert policy.startswith("sandbox allow-scripts")
    assert "allow-same-origin" not in policy


def test_only_get(client, tag):
    assert client.post(f"/ads/frame/{tag.pk}/").status_code == 405


def test_not_a_tag_or_inactive_or_unknown_is_404(client, tags_on):
    placement = make_placement()
    image = make_creative(make_campaign(), [placement])
    html = make_creative(make_campaign("Html"), [placement], kind=Creative.Kind.HTML)
    paused = make_creative(
        make_campaign("Paused"), [placement], kind=Creative.Kind.TAG, active=False
    )
    assert client.get(f"/ads/frame/{image.pk}/").status_code == 404
    assert client.get(f"/ads/frame/{html.pk}/").status_code == 404
    assert client.get(f"/ads/frame/{paused.pk}/").status_code == 404
    assert client.get("/ads/frame/999999/").status_code == 404


def test_tags_switched_off_is_404(client, tag, tags_on):
    assert client.get(f"/ads/frame/{tag.pk}/").status_code == 200
    tags_on.allow_third_party_tags = False
    tags_on.save()
    response = client.get(f"/ads/frame/{tag.pk}/")
    assert response.status_code == 404
    assert TAG not in response.content.decode()


def test_slots_json_frames_it_sandboxed_without_same_origin(client, tag):
    placement = tag.placements.get()
    slots = client.get(f"/ads/slots.json?p={placement.pk}&s=").json()["slots"]
    (entry,) = slots[str(placement.pk)]
    assert f'src="/ads/frame/{tag.pk}/"' in entry["html"]
    assert 'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox"' in entry["html"]
    assert "allow-same-origin" not in entry["html"]
    assert TAG not in entry["html"]


def test_newsletter_placements_never_carry_tags_into_slots(client, tag):
    mail = make_placement(Placement.Kind.NEWSLETTER, size="600x200")
    tag.placements.add(mail)
    slots = client.get(f"/ads/slots.json?p={mail.pk}&s=").json()["slots"]
    assert slots[str(mail.pk)] == []
