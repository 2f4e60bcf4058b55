"""A reader's browser with ads in every placement: labelled slots filled from slots.json,
the in-article ad after its paragraph, impressions counted once each slot has been in
view for a second, a click counted on its way to the advertiser, no layout shift on a
desktop or a phone, and the page's CSP unbroken."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from masthead.ads.counting import flush_ads, known_creative, reset_ad_state
from masthead.ads.models import CreativeDailyStats, Placement
from masthead.metrics import services as metrics
from tests.ads.conftest import make_campaign, make_creative, make_placement
from tests.newsroom.factories import make_article, make_image, make_section

pytestmark = pytest.mark.django_db(transaction=True)

READER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)

# Installed before any of the page's own scripts: every layout shift (also those right
# after input) and every CSP violation the page causes.
WATCH_PAGE = """
window.__shifts = [];
window.__cspViolations = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    window.__shifts.push({
      value: entry.value,
      at: entry.startTime,
      // What moved, to read in a failure's message.
      sources: (entry.sources || []).map(
        (s) => (s.node ? `${s.node.nodeName}.${s.node.className}` : "?"),
      ),
    });
  }
}).observe({ type: "layout-shift", buffered: true });
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""

# True once every slot holds its ad and every image in the slots is decoded.
ADS_READY = """
async () => {
  const slots = [...document.querySelectorAll(".ad-slot[data-ad-slot]")];
  if (!slots.length || slots.some((slot) => !slot.dataset.adCreative)) return false;
  const images = slots.flatMap((slot) => [...slot.querySelectorAll("img")]);
  if (images.some((img) => !img.complete || !img.naturalWidth)) return false;
  await Promise.all(images.map((img) => img.decode()));
  // Two frames: whatever the decoded images change is laid out and reported.
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  return true;
}
"""


def wait_until(page, condition, attempts: int = 150) -> None:
    """Let the page run until `condition()` holds (up to 15 s); the caller asserts after."""
    for _ in range(attempts):
        if condition():
            return
        page.wait_for_timeout(100)


def open_reader(browser, **options):
    """A browser presenting itself as a reader's: headless Chromium's own user agent is on
    the crawler list, rightly, and its impressions would not count."""
    context = browser.new_context(user_agent=READER_UA, **options)
    context.add_init_script(WATCH_PAGE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def close(page) -> None:
    """Leave the page, then close its browser.  The live server shares one in-memory
    SQLite database with the test: a beacon or image request still being served when
    the test's teardown empties the tables makes that flush fail on a table lock (and
    the next test then sees this one's rows).  Leaving the page stops its timers; the
    pause lets requests already sent finish before the context goes."""
    page.goto("about:blank")
    page.wait_for_timeout(500)
    page.context.close()


def wait_for_ads(page) -> None:
    page.wait_for_function(ADS_READY)


def layout_shift(page) -> tuple[float, list]:
    """The page's total layout shift, and its entries for the failure message."""
    shifts = page.evaluate("window.__shifts")
    return sum(entry["value"] for entry in shifts), shifts


def stats(creative):
    row = CreativeDailyStats.objects.filter(creative=creative).first()
    return (row.impressions, row.clicks) if row else (0, 0)


@pytest.fixture
def site_with_ads(db, live_server):
    """An article of six paragraphs and an image ad in every web placement."""
    from wagtail.models import Site

    from masthead.ads.models import AdsSettings

    metrics.reset_process_state()
    reset_ad_state()
    news = make_section("News", order=1)  # rebuilds the page tree and site if flushed
    AdsSettings.for_site(Site.objects.get(is_default_site=True)).save()
    body = [
        ("paragraph", f"<p>Paragraph {n} of the harbour story. " + "The quay was busy. " * 30)
        for n in range(1, 7)
    ]
    body = [(kind, text + "</p>") for kind, text in body]
    article = make_article(section=news, title="Harbour reopens", body=body)
    placements = {
        "header": make_placement(Placement.Kind.HEADER, size="728x90"),
        "sidebar-1": make_placement(Placement.Kind.SIDEBAR, size="300x250", position=1),
        "sidebar-2": make_placement(Placement.Kind.SIDEBAR, size="300x250", position=2),
        "in-article": make_placement(Placement.Kind.IN_ARTICLE, size="300x250", paragraph=2),
        "between": make_placement(Placement.Kind.BETWEEN, size="728x90"),
        "footer": make_placement(Placement.Kind.FOOTER, size="728x90"),
    }
    campaign = make_campaign()
    advertiser = live_server.url + "/support/"

    def image_ad(name, size, chosen, colour):
        width, height = (int(n) for n in size.split("x"))
        return make_creative(
            campaign,
            [placements[key] for key in chosen],
            name=name,
            image=make_image(title=name, width=width, height=height, color=colour),
            alt_text=f"{name} from Harbour Boats",
            link_url=advertiser,
        )

    creatives = {
        "header": image_ad("Header boats", "728x90", ["header"], (20, 80, 140)),
        # Both sidebar ads run in both sidebar slots: the page shows each once.
        "sidebar-a": image_ad("Sails", "300x250", ["sidebar-1", "sidebar-2"], (160, 60, 40)),
        "sidebar-b": image_ad("Oars", "300x250", ["sidebar-1", "sidebar-2"], (40, 140, 90)),
        "in-article": image_ad("Moorings", "300x250", ["in-article"], (120, 90, 30)),
        "between": image_ad("Charts", "728x90", ["between"], (70, 40, 120)),
        "footer": image_ad("Anchors", "728x90", ["footer"], (30, 110, 130)),
    }
    # The live server shares one in-memory SQLite connection between its threads, and
    # beacons arrive together: what their first use would write or cache is set up here.
    metrics.salt_for(dt.datetime.now(dt.UTC).date())
    known_creative(creatives["header"].pk)
    return live_server.url + article.url, placements, creatives


def test_ads_in_every_placement_are_labelled_counted_and_clickable(browser, site_with_ads):
    article_url, placements, creatives = site_with_ads
    page = open_reader(browser, viewport={"width": 1280, "height": 900})
    beacons, answers = [], {}
    page.on("request", lambda r: r.url.endswith("/ads/i/") and beacons.append(r.post_data))
    page.on(
        "response",
        lambda r: r.url.endswith("/ads/i/") and answers.update({r.request.post_data: r.status}),
    )
    page.goto(article_url)
    wait_for_ads(page)

    slots = page.locator(".ad-slot[data-ad-slot]")
    assert slots.count() == len(placements)
    shown = {}
    for index in range(slots.count()):
        slot = slots.nth(index)
        expect(slot).to_be_visible()
        expect(slot.locator(".ad-slot__label")).to_have_text("Advertisement")
        expect(slot.locator(".ad-slot__box a.ad img")).to_be_visible()
        shown[int(slot.get_attribute("data-ad-slot"))] = int(slot.get_attribute("data-ad-creative"))

    by_id = {c.pk: c for c in creatives.values()}
    assert shown[placements["header"].pk] == creatives["header"].pk
    assert shown[placements["in-article"].pk] == creatives["in-article"].pk
    assert shown[placements["between"].pk] == creatives["between"].pk
    assert shown[placements["footer"].pk] == creatives["footer"].pk
    # Two eligible sidebar ads, two sidebar slots: neither is repeated.
    assert {shown[placements["sidebar-1"].pk], shown[placements["sidebar-2"].pk]} == {
        creatives["sidebar-a"].pk,
        creatives["sidebar-b"].pk,
    }

    # The in-article slot follows the second paragraph.
    in_article = page.locator(f'.ad-slot[data-ad-slot="{placements["in-article"].pk}"]')
    before = in_article.evaluate("el => el.previousElementSibling.textContent")
    after = in_article.evaluate("el => el.nextElementSibling.textContent")
    assert before.startswith("Paragraph 2 of") and after.startswith("Paragraph 3 of")

    # Every slot in view for more than a second: one beacon each, then counted.
    for placement_id, creative_id in shown.items():
        page.locator(f'.ad-slot[data-ad-slot="{placement_id}"]').scroll_into_view_if_needed()
        wait_until(page, lambda body=f"c={creative_id}&p={placement_id}": body in answers)
    page.wait_for_timeout(1500)  # time enough for any stray second beacon to show up
    expected = sorted(f"c={c}&p={p}" for p, c in shown.items())
    assert sorted(beacons) == expected
    assert sorted(answers.items()) == [(body, 204) for body in expected]
    assert layout_shift(page)[0] == 0, layout_shift(page)[1]
    assert page.evaluate("window.__cspViolations") == []

    assert flush_ads() == len(shown)
    for creative_id in shown.values():
        assert stats(by_id[creative_id]) == (1, 0)

    # A click on the first sidebar ad lands on the advertiser's page and is counted.
    sidebar = page.locator(f'.ad-slot[data-ad-slot="{placements["sidebar-1"].pk}"]')
    clicked = by_id[int(sidebar.get_attribute("data-ad-creative"))]
    sidebar.locator("a.ad").click()
    page.wait_for_url(clicked.link_url)
    assert page.url == clicked.link_url
    assert flush_ads() == 1
    assert stats(clicked) == (1, 1)
    close(page)


def test_a_phone_keeps_every_slot_in_place(browser, site_with_ads):
    """At 390 px the boxes shrink to the column but keep their proportions, known before
    any ad arrives: filling them moves nothing."""
    article_url, placements, _ = site_with_ads
    page = open_reader(browser, viewport={"width": 390, "height": 844}, is_mobile=True)
    page.goto(article_url)
    wait_for_ads(page)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(300)
    assert layout_shift(page)[0] == 0, layout_shift(page)[1]
    assert page.evaluate("window.__cspViolations") == []
    boxes = page.locator(".ad-slot[data-ad-slot] .ad-slot__box")
    assert boxes.count() == len(placements)
    for index in range(boxes.count()):
        box = boxes.nth(index).bounding_box()
        size = boxes.nth(index).evaluate("el => el.closest('.ad-slot').className")
        width, height = (int(n) for n in size.split("ad-size-")[1].split()[0].split("x"))
        assert 0 < box["width"] <= min(width, 390)
        assert abs(box["height"] - box["width"] * height / width) < 1
    close(page)


def test_without_javascript_no_empty_slot_shows(browser, site_with_ads):
    article_url, placements, _ = site_with_ads
    context = browser.new_context(java_script_enabled=False, user_agent=READER_UA)
    page = context.new_page()
    page.goto(article_url)
    slots = page.locator(".ad-slot[data-ad-slot]")
    assert slots.count() == len(placements)
    for index in range(slots.count()):
        expect(slots.nth(index)).to_be_hidden()
    close(page)
