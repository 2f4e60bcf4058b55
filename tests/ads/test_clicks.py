"""The signed click redirect: where it sends a reader, what it counts, what it refuses."""

import pytest
from django.core import signing
from django.db.models import Sum

from masthead.ads.counting import flush_ads
from masthead.ads.links import click_path
from masthead.ads.models import Creative, CreativeDailyStats
from tests.ads.conftest import BROWSER_UA, make_campaign, make_creative, make_placement


def follow(client, path, *, ip="203.0.113.7", ua=BROWSER_UA, method="get", **headers):
    return getattr(client, method)(path, REMOTE_ADDR=ip, headers={"User-Agent": ua, **headers})


def clicks() -> int:
    flush_ads()
    return CreativeDailyStats.objects.aggregate(n=Sum("clicks"))["n"] or 0


@pytest.fixture
def placement(db):
    return make_placement()


@pytest.fixture
def creative(placement):
    return make_creative(make_campaign(), [placement])


def test_a_click_redirects_to_the_link_and_counts_once_flushed(client, creative, placement):
    response = follow(client, click_path(creative.pk, placement.pk))
    assert response.status_code == 302
    assert response["Location"] == "https://boats.example.com/offer"
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert CreativeDailyStats.objects.count() == 0  # buffered until the flush
    assert clicks() == 1
    row = CreativeDailyStats.objects.get(creative=creative)
    assert (row.impressions, row.clicks) == (0, 1)


def test_a_double_click_counts_once_and_another_reader_counts_too(client, creative, placement):
    path = click_path(creative.pk, placement.pk)
    follow(client, path)
    follow(client, path)
    assert clicks() == 1
    follow(client, path, ip="198.51.100.20")
    assert clicks() == 2


def _tampered(creative, placement) -> dict[str, str]:
    token = click_path(creative.pk, placement.pk).split("/")[-2]
    creative_part, placement_part, signature = token.split(".")
    other_creative = str(int(creative_part) + 1)
    foreign = signing.Signer(salt="another.purpose", sep=".").sign(f"{creative.pk}.{placement.pk}")
    leaked_salt_url = signing.Signer(salt="masthead.ads.click", sep=".").sign("evil.example.com")
    return {
        "changed digit": f"{other_creative}.{placement_part}.{signature}",
        "changed signature": f"{creative_part}.{placement_part}.{signature[:-1]}"
        + ("A" if signature[-1] != "A" else "B"),
        "no signature": f"{creative_part}.{placement_part}",
        "foreign salt": foreign,
        "url in a genuinely signed token": leaked_salt_url,
        "url": "https:..evil.example.com",
    }


@pytest.mark.parametrize(
    "case",
    [
        "changed digit",
        "changed signature",
        "no signature",
        "foreign salt",
        "url in a genuinely signed token",
        "url",
    ],
)
def test_a_tampered_or_foreign_token_is_not_found(client, creative, placement, case):
    # A creative with the neighbouring id exists, so a changed digit would name a real ad.
    make_creative(creative.campaign, [placement], name="Neighbour")
    response = follow(client, f"/ads/c/{_tampered(creative, placement)[case]}/")
    assert response.status_code == 404
    assert "Location" not in response
    assert response["Cache-Control"] == "no-store"
    assert clicks() == 0


def test_a_path_carrying_a_url_is_not_a_click(client, creative):
    response = follow(client, "/ads/c/https://evil.example.com/")
    assert response.status_code == 404
    assert "Location" not in response


@pytest.mark.parametrize(
    ("target", "location"),
    [
        (Creative.HouseTarget.DONATE, "/support/"),
        (Creative.HouseTarget.NEWSLETTER, "/newsletters/"),
    ],
)
def test_house_ads_lead_inside_the_site(client, placement, target, location):
    house = make_creative(
        make_campaign(is_house=True), [placement], kind=Creative.Kind.HOUSE, house_target=target
    )
    response = follow(client, click_path(house.pk, placement.pk))
    assert response.status_code == 302
    assert response["Location"] == location
    assert clicks() == 1


def test_a_deleted_creative_sends_the_reader_home_uncounted(client, creative, placement):
    path = click_path(creative.pk, placement.pk)
    creative.delete()
    response = follow(client, path)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert clicks() == 0


def test_an_edited_link_applies_to_links_on_pages_cached_before(client, creative, placement):
    path = click_path(creative.pk, placement.pk)  # as rendered into a cached page
    creative.link_url = "https://boats.example.com/spring-sale"
    creative.save()
    assert follow(client, path)["Location"] == "https://boats.example.com/spring-sale"


@pytest.mark.parametrize(
    "stored",
    ["javascript:alert(1)", "//evil.example.com/", "data:text/html,hi", "/local/path", ""],
)
def test_a_link_that_is_not_http_goes_home_uncounted(client, creative, placement, stored):
    # Written past the form's URL validation, as a data import or a bug might.
    Creative.objects.filter(pk=creative.pk).update(link_url=stored)
    response = follow(client, click_path(creative.pk, placement.pk))
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert clicks() == 0


def test_a_tag_creative_has_no_click_link(client, placement):
    tag = make_creative(make_campaign(), [placement], kind=Creative.Kind.TAG)
    assert follow(client, click_path(tag.pk, placement.pk)).status_code == 404
    assert clicks() == 0


@pytest.mark.parametrize(
    ("method", "ua", "headers"),
    [
        ("get", "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", {}),
        ("get", "", {}),
        ("get", BROWSER_UA, {"Sec-Purpose": "prefetch;prerender"}),
        ("head", BROWSER_UA, {}),
    ],
    ids=["crawler", "empty user agent", "prefetch", "HEAD"],
)
def test_non_readers_are_redirected_but_not_counted(
    client, creative, placement, method, ua, headers
):
    response = follow(
        client, click_path(creative.pk, placement.pk), method=method, ua=ua, **headers
    )
    assert response.status_code == 302
    assert response["Location"] == "https://boats.example.com/offer"
    assert clicks() == 0
    follow(client, click_path(creative.pk, placement.pk))
    assert clicks() == 1


def test_other_methods_are_refused(client, creative, placement):
    response = follow(client, click_path(creative.pk, placement.pk), method="post")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert clicks() == 0
