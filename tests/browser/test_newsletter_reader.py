"""In Chromium: a reader subscribes from an article page, confirms by the link read from the
SMTP server, signs in by magic link, and finds the newsletters on their page; signed in, a
further list is one click, with no confirmation mail."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from masthead.newsletters.models import Frequency, Newsletter, Subscriber, SubscriptionStatus
from tests.newsroom.factories import make_article, make_section

pytestmark = pytest.mark.django_db(transaction=True)


def _path_of_link(text: str, pattern: str) -> str:
    """Mails link to SITE_URL; the test server listens elsewhere, so keep only the path."""
    match = re.search(rf"https?://[^\s\"<>]*{pattern}[^\s\"<>]*", text)
    assert match, f"no link matching {pattern} in:\n{text}"
    return urlsplit(match[0]).path


def _statuses(email: str) -> dict[str, str]:
    subscriber = Subscriber.objects.get(email=email)
    return {row.newsletter.slug: row.status for row in subscriber.subscriptions.all()}


def test_subscribe_from_an_article_confirm_sign_in_and_see_it(live_server, page, smtp_server):
    article = make_article(section=make_section("News"), title="Harbour dredging starts")
    Newsletter.objects.create(
        name="Daily briefing", slug="daily-briefing", frequency=Frequency.DAILY, sort_order=0
    )
    Newsletter.objects.create(name="Weekly analysis", slug="weekly-analysis", sort_order=1)
    Newsletter.objects.create(name="Local sport", slug="local-sport", sort_order=2)

    # After the article: Daily briefing is ticked already; Ann adds Weekly analysis.
    page.goto(live_server.url + article.url)
    box = page.locator("section.newsletter-signup--article")
    expect(box.get_by_role("checkbox", name=re.compile("Daily briefing"))).to_be_checked()
    box.get_by_role("checkbox", name=re.compile("Weekly analysis")).check()
    box.get_by_label("Email").fill("ann@example.com")
    box.get_by_role("button", name="Subscribe").click()
    # The answer appears in the box (fetch), the page stays.
    expect(box.locator("[data-signup-status]")).to_contain_text("check your inbox")
    assert page.url == live_server.url + article.url
    assert set(_statuses("ann@example.com").values()) == {SubscriptionStatus.PENDING}

    # The confirmation mail lists both; its link opens a page with one button.
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "ann@example.com"
    assert "Daily briefing" in mail.text() and "Weekly analysis" in mail.text()
    page.goto(live_server.url + _path_of_link(mail.text(), "/newsletters/confirm/"))
    expect(page.get_by_role("heading", name="Confirm your subscription")).to_be_visible()
    assert set(_statuses("ann@example.com").values()) == {SubscriptionStatus.PENDING}
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Subscription confirmed")).to_be_visible()
    assert _statuses("ann@example.com") == {
        "daily-briefing": SubscriptionStatus.ACTIVE,
        "weekly-analysis": SubscriptionStatus.ACTIVE,
    }

    # She signs in by the mailed link.
    page.goto(live_server.url + "/reader/sign-in/")
    page.get_by_label("Email address").fill("ann@example.com")
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    sign_in = smtp_server.wait_for(2)[1]
    assert sign_in["To"] == "ann@example.com"
    page.goto(live_server.url + _path_of_link(sign_in.text(), "/reader/sign-in/"))
    page.get_by_role("button", name="Sign in", exact=True).click()

    # Her page shows the two newsletters ticked, the third not.
    page.goto(live_server.url + "/reader/")
    section = page.locator("#section-newsletters")
    expect(section).to_contain_text("Newsletters sent to ann@example.com")
    expect(section.get_by_role("checkbox", name=re.compile("Daily briefing"))).to_be_checked()
    expect(section.get_by_role("checkbox", name=re.compile("Weekly analysis"))).to_be_checked()
    expect(section.get_by_role("checkbox", name=re.compile("Local sport"))).not_to_be_checked()

    # Signed in, the article's box needs no address: one click subscribes, with no mail.
    page.goto(live_server.url + article.url)
    box = page.locator("section.newsletter-signup--article")
    expect(box.get_by_label("Email")).to_be_hidden()
    box.get_by_role("checkbox", name=re.compile("Daily briefing")).uncheck()
    box.get_by_role("checkbox", name=re.compile("Local sport")).check()
    box.get_by_role("button", name="Subscribe").click()
    expect(box.locator("[data-signup-status]")).to_contain_text(
        "You are subscribed to Local sport."
    )
    assert _statuses("ann@example.com")["local-sport"] == SubscriptionStatus.ACTIVE

    # On her page she drops Weekly analysis; it is saved at once.
    page.goto(live_server.url + "/reader/")
    section = page.locator("#section-newsletters")
    expect(section.get_by_role("checkbox", name=re.compile("Local sport"))).to_be_checked()
    section.get_by_role("checkbox", name=re.compile("Weekly analysis")).uncheck()
    section.get_by_role("button", name="Save newsletter choices").click()
    expect(page.locator("body")).to_contain_text("Your newsletter choices are saved.")
    assert _statuses("ann@example.com") == {
        "daily-briefing": SubscriptionStatus.ACTIVE,
        "weekly-analysis": SubscriptionStatus.UNSUBSCRIBED,
        "local-sport": SubscriptionStatus.ACTIVE,
    }
    assert len(smtp_server.messages) == 2
