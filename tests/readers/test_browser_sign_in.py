"""In Chromium: a reader on an article signs in by the mailed link, comes back to the
article, and the header's "Sign in" has become "Your account"."""

import pytest
from playwright.sync_api import expect

from tests.newsroom.factories import make_article, make_section

from .helpers import link_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_from_an_article_and_back(live_server, page, smtp_server):
    article = make_article(section=make_section("News"), title="Ferry timetable changes")
    page.goto(live_server.url + article.url)
    link = page.locator("[data-account-link]")
    expect(link).to_have_text("Sign in")
    # reader-state.js points the link back to this page.
    expect(link).to_have_attribute(
        "href", f"/reader/sign-in/?next={article.url.replace('/', '%2F')}"
    )
    link.click()

    page.get_by_label("Email address").fill("walker@example.com")
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    [message] = smtp_server.wait_for(1)
    page.goto(live_server.url + link_in(message))
    expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()
    page.get_by_role("button", name="Sign in", exact=True).click()

    page.wait_for_url(live_server.url + article.url)
    expect(page.locator("[data-account-link]")).to_have_text("Your account")
    expect(page.locator("[data-account-link]")).to_have_attribute("href", "/reader/")
    page.locator("[data-account-link]").click()
    expect(page.get_by_text("walker@example.com").first).to_be_visible()
