"""A reader donates in Chromium: picks an amount with the slider, pays through the offline
provider, sees the thank-you page, gets the receipt by mail, and the goal's bar moves."""

import re

import pytest
from playwright.sync_api import expect

from masthead.support.models import Donation, DonationStatus
from tests.support.conftest import support_settings  # noqa: F401  (the shared fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_reader_donates_with_the_slider(
    live_server,
    page,
    smtp_server,
    support_settings,  # noqa: F811
):
    support_settings.goal_enabled = True
    support_settings.goal_label = "Our spring appeal"
    support_settings.goal_amount = 100
    support_settings.goal_currency = "USD"
    support_settings.save()

    page.goto(live_server.url + "/support/")
    bar = page.locator(".support-goal__bar")
    expect(bar).to_have_attribute("value", "0")
    form = page.locator(".support-page__donate")
    slider = form.locator("[data-donate-slider]")
    expect(slider).to_be_visible()  # shown by the script; without it the number field serves
    slider.fill("40")
    expect(form.get_by_label(re.compile("^Other amount"))).to_have_value("40")
    expect(form.locator("[data-donate-summary]")).to_have_text("You give $40 once")
    form.get_by_role("radio", name="Monthly").check()
    expect(form.locator("[data-donate-summary]")).to_have_text("You give $40 every month")
    form.get_by_role("radio", name="One-time").check()
    form.get_by_text("Add your name and a message").click()
    form.get_by_label(re.compile("^Public name")).fill("Grace")
    form.get_by_label(re.compile("^Message")).fill("For the harbour coverage")
    form.get_by_label("Show me in the supporters list").check()
    form.get_by_label(re.compile("^Email")).fill("grace@example.com")
    form.get_by_role("button", name="Donate", exact=True).click()

    expect(page).to_have_url(re.compile(r"/support/offline/"))
    expect(page.locator("[data-offline-amount]")).to_have_text("$40")
    page.get_by_role("button", name="Complete payment").click()

    expect(page).to_have_url(re.compile(r"/support/thanks/"))
    expect(page.locator("h1")).to_have_text("Thank you")
    expect(page.locator("main")).to_contain_text("Your donation of $40 has arrived")

    [receipt] = smtp_server.wait_for(1)
    assert receipt["To"] == "grace@example.com"
    assert "$40" in receipt.text()
    donation = Donation.objects.get()
    assert donation.status == DonationStatus.COMPLETED and donation.amount == 4000

    # Another reader (this browser may keep its copy of the public page for a minute).
    other = page.context.browser.new_context().new_page()
    other.goto(live_server.url + "/support/")
    expect(other.locator(".support-goal__bar")).to_have_attribute("value", "40")
    expect(other.locator(".support-goal__numbers")).to_contain_text("$40 raised of $100")
    expect(other.locator(".supporters")).to_contain_text("For the harbour coverage")
    other.context.close()
