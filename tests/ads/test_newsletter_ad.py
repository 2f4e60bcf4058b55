"""The ad inside a newsletter issue: labelled, in the HTML and the text, absolute links
through the click redirect, never a tag, the same for every recipient of an issue."""

import re
from collections import Counter

import pytest
from bs4 import BeautifulSoup

from masthead.ads.links import unsign_click
from masthead.ads.models import Creative, Placement
from masthead.ads.serving import newsletter_ad
from masthead.newsletters import rendering
from tests.ads.conftest import make_campaign, make_creative, make_placement
from tests.newsletters.sending_support import make_issue, make_newsletter


@pytest.fixture
def site_url(settings):
    settings.SITE_URL = "https://news.example"
    return settings.SITE_URL


@pytest.fixture
def newsletter(db):
    return make_newsletter()


@pytest.fixture
def mail_slot(db):
    return make_placement(Placement.Kind.NEWSLETTER, key="newsletter", size="600x200")


def _click_of(url: str, site_url: str) -> tuple[int, int] | None:
    assert url.startswith(f"{site_url}/ads/c/"), url
    return unsign_click(url.rstrip("/").split("/")[-1])


def test_image_ad_in_html_and_text(site_url, newsletter, mail_slot, ads_settings):
    creative = make_creative(make_campaign(), [mail_slot], alt_text="Boats for sale")
    rendered = rendering.render_issue(make_issue(newsletter))
    html, text = rendered.html, rendered.text
    cell = BeautifulSoup(html, "html.parser").select_one("td.ad-cell")
    assert cell.select_one("p.ad-label").get_text() == "Advertisement"
    link = cell.select_one("a.ad-link")
    image = link.select_one("img.ad-image")
    assert (image["width"], image["alt"]) == ("600", "Boats for sale")
    assert _click_of(link["href"], site_url) == (creative.pk, mail_slot.pk)
    assert image["src"].startswith(f"{site_url}/media/") and image["src"].endswith(".png")
    assert "ADVERTISEMENT\nBoats for sale\n" + link["href"] in text
    # After the content the issue's web page shows, before the footer.
    assert (
        html.index(rendering.CONTENT_END)
        < html.index("Advertisement")
        < html.index("because you subscribed")
    )


def test_css_is_still_inlined_with_the_ad(site_url, newsletter, mail_slot, ads_settings):
    make_creative(make_campaign(), [mail_slot], kind=Creative.Kind.HOUSE)
    html = rendering.render_issue(make_issue(newsletter)).html
    soup = BeautifulSoup(html, "html.parser")
    assert re.search(r"text-transform: ?uppercase", soup.select_one("p.ad-label")["style"])
    assert re.search(r"background-color: ?#b3261e", soup.select_one("a.ad-button")["style"])
    styles = re.findall(r"<style[^>]*>(.*?)</style>", html, re.S)
    assert styles and all("@media" in s for s in styles)
    assert ".ad-label {" not in "".join(styles)


def test_house_ad_with_default_words(site_url, newsletter, mail_slot, ads_settings):
    creative = make_creative(
        make_campaign(is_house=True),
        [mail_slot],
        kind=Creative.Kind.HOUSE,
        house_target="newsletter",
        headline="",
        text="",
    )
    rendered = rendering.render_issue(make_issue(newsletter))
    assert "Get our newsletter" in rendered.html and "Subscribe" in rendered.html
    assert "ADVERTISEMENT\nGet our newsletter\n" in rendered.text
    url = BeautifulSoup(rendered.html, "html.parser").select_one("a.ad-button")["href"]
    assert _click_of(url, site_url) == (creative.pk, mail_slot.pk)
    assert url in rendered.text


def test_html_ad_is_sanitised_with_absolute_links(site_url, newsletter, mail_slot, ads_settings):
    creative = make_creative(make_campaign(), [mail_slot], kind=Creative.Kind.HTML)
    Creative.objects.filter(pk=creative.pk).update(
        html='<p onclick="x()">Big <strong>boats</strong> <img src="/media/ad.png" alt="boat"></p>'
        "<script>alert(1)</script>"
    )
    rendered = rendering.render_issue(make_issue(newsletter))
    assert "<strong>boats</strong>" in rendered.html
    assert f'src="{site_url}/media/ad.png"' in rendered.html
    assert "onclick" not in rendered.html and "alert(1)" not in rendered.html
    assert "Big boats" in rendered.text


def test_tags_never_go_into_mail(site_url, newsletter, mail_slot, ads_settings):
    ads_settings.allow_third_party_tags = True
    ads_settings.save()
    make_creative(make_campaign(), [mail_slot], kind=Creative.Kind.TAG)
    rendered = rendering.render_issue(make_issue(newsletter))
    assert "Advertisement" not in rendered.html and "ADVERTISEMENT" not in rendered.text
    assert "ads.example.net" not in rendered.html


def test_no_ad_without_placement_or_with_ads_off(site_url, newsletter, mail_slot, ads_settings):
    web = make_placement(Placement.Kind.SIDEBAR)
    make_creative(make_campaign("Web only"), [web])
    issue = make_issue(newsletter)
    assert newsletter_ad(issue) is None
    assert "Advertisement" not in rendering.render_issue(issue).html
    make_creative(make_campaign("Mail"), [mail_slot])
    assert newsletter_ad(issue) is not None
    mail_slot.enabled = False
    mail_slot.save()
    assert newsletter_ad(issue) is None
    mail_slot.enabled = True
    mail_slot.save()
    ads_settings.enabled = False
    ads_settings.save()
    assert newsletter_ad(issue) is None


def test_same_ad_for_every_render_of_an_issue_and_weighted_across_issues(
    site_url, newsletter, mail_slot, ads_settings
):
    heavy = make_creative(make_campaign("Heavy", weight=90), [mail_slot])
    light = make_creative(make_campaign("Light", weight=10), [mail_slot])
    issues = [make_issue(newsletter, subject=f"Issue {n}") for n in range(200)]
    chosen = Counter()
    for issue in issues:
        ad = newsletter_ad(issue)
        assert newsletter_ad(issue)["creative_id"] == ad["creative_id"]  # stable re-render
        chosen[ad["creative_id"]] += 1
    assert chosen[heavy.pk] > chosen[light.pk] > 0
    first = rendering.render_issue(issues[0])
    assert rendering.render_issue(issues[0]).html == first.html


def test_the_issue_web_page_shows_no_frozen_ad(site_url, newsletter, mail_slot, ads_settings):
    make_creative(make_campaign(), [mail_slot], kind=Creative.Kind.HOUSE)
    issue = make_issue(newsletter)
    issue.sent_html = rendering.render_issue(issue).html
    assert "Advertisement" in issue.sent_html
    assert "Advertisement" not in rendering.web_content(issue)
