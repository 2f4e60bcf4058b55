"""In Chromium: a superuser turns on two-factor sign-in from the admin, then signs in
again with password and code; the error for a wrong code is visible on the page."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.newsroom.factories import home_page

from .helpers import PASSWORD, clear_throttle, code_for, make_superuser

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _sign_in(page, base, username):
    page.goto(f"{base}/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_turn_on_then_sign_in_with_a_code(page, browser, live_server, django_user_model):
    home_page()  # the dashboard needs the page tree an earlier transactional test may have flushed
    user = make_superuser(django_user_model)
    base = live_server.url
    _sign_in(page, base, user.username)
    expect(page).to_have_url(f"{base}/admin/")

    page.goto(f"{base}/admin/account/")
    page.get_by_role("tab", name="More actions").click()
    page.get_by_role("link", name="Two-factor sign-in").click()
    page.get_by_role("link", name="Set up two-factor sign-in").click()
    expect(page.locator("svg.staffauth-qr")).to_be_visible()
    expect(page.locator(".staffauth-secret")).to_be_visible()
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    page.get_by_label("Code from the app").fill(code_for(device))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.locator(".staffauth-codes li")).to_have_count(10)
    page.get_by_role("link", name="I have saved my codes").click()
    expect(page.get_by_text("Two-factor sign-in is on")).to_be_visible()

    other = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _sign_in(other, base, user.username)
    expect(other).to_have_url(f"{base}/admin/two-factor/verify/?next=%2Fadmin%2F")
    expect(other.locator("#wagtail-sidebar")).to_have_count(0)
    wrong = "000000" if code_for(device) != "000000" else "111111"
    other.get_by_label("Code").fill(wrong)
    other.get_by_role("button", name="Verify").click()
    expect(other.get_by_text("That code is not right.")).to_be_visible()

    clear_throttle(device)
    other.get_by_label("Code").fill(code_for(device, steps_ahead=1))
    other.get_by_role("button", name="Verify").click()
    expect(other).to_have_url(f"{base}/admin/")
    expect(other.get_by_role("navigation", name="Main menu")).to_be_visible()
    other.context.close()
