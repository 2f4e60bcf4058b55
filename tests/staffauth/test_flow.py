"""The whole staff sign-in with two factors, through Wagtail's login page and ours."""

from base64 import b32encode

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.newsroom.factories import home_page

from .helpers import (
    DISABLE,
    LOGIN,
    OVERVIEW,
    PAGES,
    PASSWORD,
    SETUP,
    VERIFY,
    add_authenticator,
    add_backup_codes,
    clear_throttle,
    code_for,
    location,
    make_editor,
    make_superuser,
    sign_in_with_password,
)

pytestmark = pytest.mark.django_db


def test_password_alone_leads_to_the_code_page_not_the_admin(client, django_user_model):
    user = make_superuser(django_user_model)
    add_authenticator(user)
    sign_in_with_password(client, user)

    for url in (PAGES, "/admin/", OVERVIEW, SETUP, "/admin/settings/staffauth/staffauthsettings/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert location(response).startswith(VERIFY), url
    assert location(client.get(PAGES)) == f"{VERIFY}?next=%2Fadmin%2Fpages%2F"

    page = client.get(f"{VERIFY}?next=/admin/pages/")
    assert page.status_code == 200
    assert b"Enter your sign-in code" in page.content
    assert b'autocomplete="one-time-code"' in page.content
    assert b"wagtail-sidebar" not in page.content, "no admin menu before the second factor"


def test_admin_json_requests_get_403_not_a_redirect(client, django_user_model):
    user = make_superuser(django_user_model)
    add_authenticator(user)
    sign_in_with_password(client, user)

    response = client.get(PAGES, headers={"accept": "application/json"})
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 403
    xhr = client.get("/admin/pages/search/", headers={"x-requested-with": "XMLHttpRequest"})
    assert xhr.status_code == 403


def test_right_code_opens_the_admin_and_goes_to_next(client, django_user_model):
    user = make_superuser(django_user_model)
    device = add_authenticator(user)
    sign_in_with_password(client, user)
    session_key = client.session.session_key

    response = client.post(VERIFY, {"code": code_for(device), "next": PAGES})
    assert response.status_code == 302
    assert location(response) == PAGES
    assert client.session.session_key != session_key, "a new session key on gaining access"
    assert client.get(PAGES).status_code == 200
    assert client.get(VERIFY).status_code == 302, "nothing left to verify"


def test_a_code_cannot_be_used_twice(client, django_user_model):
    user = make_superuser(django_user_model)
    device = add_authenticator(user)
    code = code_for(device)
    sign_in_with_password(client, user)
    assert client.post(VERIFY, {"code": code}).status_code == 302

    other = Client()
    sign_in_with_password(other, user)
    response = other.post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert b"That code is not right" in response.content
    assert location(other.get(PAGES)).startswith(VERIFY)


def test_wrong_code_is_refused_and_counted(client, django_user_model):
    user = make_superuser(django_user_model)
    device = add_authenticator(user)
    sign_in_with_password(client, user)

    response = client.post(VERIFY, {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert response.status_code == 200
    assert b"That code is not right" in response.content
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert location(client.get(PAGES)).startswith(VERIFY)


def test_after_wrong_codes_even_the_right_code_waits(client, django_user_model, settings):
    """django-otp's back-off: after n wrong codes nothing is checked for
    factor * 2^(n-1) seconds.  A large factor makes the wait outlast the test."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 600
    user = make_superuser(django_user_model)
    device = add_authenticator(user)
    sign_in_with_password(client, user)
    wrong = "123456" if code_for(device) != "123456" else "654321"
    client.post(VERIFY, {"code": wrong})

    response = client.post(VERIFY, {"code": code_for(device)})
    assert response.status_code == 200
    assert b"Too many wrong codes" in response.content
    assert location(client.get(PAGES)).startswith(VERIFY)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1, "a held-back attempt is not checked at all"

    clear_throttle(device, seconds=601)
    response = client.post(VERIFY, {"code": code_for(device), "next": PAGES})
    assert response.status_code == 302
    assert client.get(PAGES).status_code == 200
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_next_is_only_followed_to_this_site(client, django_user_model):
    user = make_superuser(django_user_model)
    device = add_authenticator(user)
    sign_in_with_password(client, user)
    response = client.post(VERIFY, {"code": code_for(device), "next": "https://evil.example/x"})
    assert response.status_code == 302
    assert location(response) == "/admin/"


def test_backup_code_signs_in_once(client, django_user_model):
    user = make_editor(django_user_model)
    add_authenticator(user)
    codes = add_backup_codes(user)
    sign_in_with_password(client, user)

    response = client.post(VERIFY, {"code": codes[0].upper()[:4] + "-" + codes[0][4:]})
    assert response.status_code == 302
    assert client.get(PAGES).status_code == 200
    assert StaticToken.objects.filter(device__user=user).count() == 1

    other = Client()
    sign_in_with_password(other, user)
    again = other.post(VERIFY, {"code": codes[0]})
    assert again.status_code == 200
    assert b"That code is not right" in again.content


def test_staff_without_authenticator_and_no_policy_are_unaffected(client, django_user_model):
    user = make_editor(django_user_model)
    sign_in_with_password(client, user)
    assert client.get(PAGES).status_code == 200
    assert client.get(VERIFY).status_code == 302


def test_public_pages_are_never_held(client, django_user_model, settings):
    settings.STAFF_2FA_REQUIRED = True
    home = home_page()
    user = make_superuser(django_user_model)
    add_authenticator(user)
    sign_in_with_password(client, user)
    assert client.get(home.url).status_code == 200
    assert client.get("/robots.txt").status_code == 200

    other = make_editor(django_user_model, "newbie")  # required, no authenticator
    client.logout()
    sign_in_with_password(client, other)
    assert client.get(home.url).status_code == 200


def test_setup_confirms_the_device_only_after_a_right_code(client, django_user_model):
    user = make_editor(django_user_model)
    sign_in_with_password(client, user)

    page = client.get(SETUP)
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    assert b"<svg" in page.content and b"staffauth-qr" in page.content
    secret = b32encode(device.bin_key).decode().rstrip("=")
    assert secret[:4].encode() in page.content
    again = client.get(SETUP)
    assert secret[:4].encode() in again.content
    assert TOTPDevice.objects.filter(user=user).count() == 1, "reloading keeps the same secret"

    wrong = "000000" if code_for(device) != "000000" else "111111"
    response = client.post(SETUP, {"code": wrong})
    assert response.status_code == 200
    assert b"That code is not right" in response.content
    device.refresh_from_db()
    assert not device.confirmed
    assert device.throttling_failure_count == 1, "wrong codes at set-up are throttled too"
    clear_throttle(device)

    response = client.post(SETUP, {"code": code_for(device, steps_ahead=1)})
    assert response.status_code == 200
    assert b"they will not be shown again" in response.content
    device.refresh_from_db()
    assert device.confirmed
    codes = list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(codes) == 10
    assert all(code.encode() in response.content for code in codes)
    # Setting up proved the second factor: this session goes on without asking again.
    assert client.get(PAGES).status_code == 200

    client.logout()
    sign_in_with_password(client, user)
    assert location(client.get(PAGES)).startswith(VERIFY)


def test_setup_is_refused_once_there_is_an_authenticator(client, django_user_model):
    user = make_editor(django_user_model)
    device = add_authenticator(user)
    sign_in_with_password(client, user)
    client.post(VERIFY, {"code": code_for(device)})

    response = client.get(SETUP)
    assert response.status_code == 302
    assert location(response) == OVERVIEW
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_disable_needs_a_current_code(client, django_user_model):
    user = make_editor(django_user_model)
    device = add_authenticator(user)
    add_backup_codes(user)
    sign_in_with_password(client, user)
    client.post(VERIFY, {"code": code_for(device)})

    response = client.post(DISABLE, {"code": ""})
    assert response.status_code == 200
    wrong = "000000" if code_for(device, 1) != "000000" else "111111"
    response = client.post(DISABLE, {"code": wrong})
    assert response.status_code == 200
    assert b"That code is not right" in response.content
    assert TOTPDevice.objects.filter(user=user).exists()

    clear_throttle(device)
    response = client.post(DISABLE, {"code": code_for(device, steps_ahead=1)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticToken.objects.filter(device__user=user).exists()
    assert client.get(PAGES).status_code == 200

    client.logout()
    sign_in_with_password(client, user)
    assert client.get(PAGES).status_code == 200, "no second factor any more"


def test_new_backup_codes_replace_the_old_ones(client, django_user_model):
    user = make_editor(django_user_model)
    device = add_authenticator(user)
    old = add_backup_codes(user)
    sign_in_with_password(client, user)
    client.post(VERIFY, {"code": code_for(device)})

    assert client.get("/admin/two-factor/backup-codes/").status_code == 405
    response = client.post("/admin/two-factor/backup-codes/")
    assert response.status_code == 200
    new = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(new) == 10
    assert not new & set(old)
    assert all(code.encode() in response.content for code in new)
    overview = client.get(OVERVIEW)
    assert b"<strong>10</strong> unused backup codes" in overview.content
    assert not any(code.encode() in overview.content for code in new), "shown only once"


def test_account_page_links_to_two_factor(client, django_user_model):
    user = make_editor(django_user_model)
    sign_in_with_password(client, user)
    response = client.get("/admin/account/")
    assert response.status_code == 200
    assert OVERVIEW.encode() in response.content
    assert b"Two-factor sign-in" in response.content


def test_axes_lockout_still_guards_the_password_step(client, django_user_model, settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = make_superuser(django_user_model)
    add_authenticator(user)
    for _ in range(3):
        client.post(LOGIN, {"username": user.username, "password": "wrong-password"})
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code != 302, "locked out even with the right password"
    assert "_auth_user_id" not in client.session
    assert location(client.get(PAGES)).startswith(LOGIN)
