"""An administrator can require two-factor sign-in; readers are never staff."""

import pytest
from django.contrib.auth.models import Permission
from django_otp.plugins.otp_totp.models import TOTPDevice

from masthead.staffauth.models import StaffAuthSettings

from .helpers import (
    DISABLE,
    LOGIN,
    OVERVIEW,
    PAGES,
    PASSWORD,
    SETUP,
    VERIFY,
    add_authenticator,
    code_for,
    location,
    make_editor,
    make_superuser,
    sign_in_with_password,
)

pytestmark = pytest.mark.django_db
SETTINGS_URL = "/admin/settings/staffauth/staffauthsettings/"


def require(**fields):
    policy = StaffAuthSettings.load()
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.save()


def test_required_policy_sends_staff_without_authenticator_to_setup(client, django_user_model):
    require(require_for_all_staff=True)
    user = make_editor(django_user_model)
    sign_in_with_password(client, user)

    for url in (PAGES, "/admin/", OVERVIEW, DISABLE, "/admin/account/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert location(response).startswith(SETUP), url
    assert client.post(PAGES).status_code == 302
    assert client.get(PAGES, headers={"accept": "application/json"}).status_code == 403

    page = client.get(f"{SETUP}?next=/admin/pages/")
    assert page.status_code == 200
    assert b"requires two-factor sign-in for your account" in page.content
    assert b"wagtail-sidebar" not in page.content

    device = TOTPDevice.objects.get(user=user)
    response = client.post(SETUP, {"code": code_for(device), "next": PAGES})
    assert response.status_code == 200
    assert b'href="/admin/pages/"' in response.content, "continue goes where they were going"
    assert client.get(PAGES).status_code == 200


def test_required_for_superusers_only_leaves_editors_alone(client, django_user_model):
    require(require_for_superusers=True)
    editor = make_editor(django_user_model)
    sign_in_with_password(client, editor)
    assert client.get(PAGES).status_code == 200

    client.logout()
    chief = make_superuser(django_user_model)
    sign_in_with_password(client, chief)
    assert location(client.get(PAGES)).startswith(SETUP)


def test_environment_requires_it_whatever_the_setting(client, django_user_model, monkeypatch):
    monkeypatch.setenv("STAFF_2FA_REQUIRED", "true")
    assert not StaffAuthSettings.load().require_for_all_staff
    user = make_editor(django_user_model)
    sign_in_with_password(client, user)
    assert location(client.get(PAGES)).startswith(SETUP)

    monkeypatch.setenv("STAFF_2FA_REQUIRED", "false")
    assert client.get(PAGES).status_code == 200


def test_cannot_turn_it_off_while_required(client, django_user_model):
    user = make_editor(django_user_model)
    device = add_authenticator(user)
    sign_in_with_password(client, user)
    client.post(VERIFY, {"code": code_for(device)})
    require(require_for_all_staff=True)

    page = client.get(DISABLE)
    assert b"cannot be turned off" in page.content
    assert b'name="code"' not in page.content
    response = client.post(DISABLE, {"code": code_for(device, steps_ahead=1)})
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert b"cannot be turned off" in client.get(OVERVIEW).content


def test_only_superusers_can_change_the_policy(client, django_user_model):
    editor = make_editor(django_user_model)
    # Even granted the setting's permission through a group, an editor may not change it.
    editor.user_permissions.add(Permission.objects.get(codename="change_staffauthsettings"))
    sign_in_with_password(client, editor)
    response = client.get(SETTINGS_URL, follow=True)
    assert b"require_for_all_staff" not in response.content
    pk = StaffAuthSettings.load().pk
    client.post(f"{SETTINGS_URL}{pk}/", {"require_for_all_staff": "on"})
    assert not StaffAuthSettings.load().require_for_all_staff

    client.logout()
    chief = make_superuser(django_user_model)
    sign_in_with_password(client, chief)
    response = client.get(SETTINGS_URL, follow=True)
    assert b"require_for_all_staff" in response.content
    response = client.post(f"{SETTINGS_URL}{pk}/", {"require_for_all_staff": "on"})
    assert response.status_code == 302
    assert StaffAuthSettings.load().require_for_all_staff
    # The superuser who just required it is now sent to set it up themselves.
    assert location(client.get(PAGES)).startswith(SETUP)


def test_a_reader_is_never_treated_as_staff(client, django_user_model, settings):
    """A reader signed in by magic link is a plain user: no admin access, so none of
    the two-factor pages, even if a device row somehow exists for them."""
    settings.STAFF_2FA_REQUIRED = True
    reader = django_user_model.objects.create_user("reader@example.com", "reader@example.com")
    TOTPDevice.objects.create(user=reader, name="stray", confirmed=True)
    client.force_login(reader)

    for url in ("/admin/", PAGES, OVERVIEW, SETUP, VERIFY):
        response = client.get(url)
        assert response.status_code == 302, url
        assert location(response).startswith(LOGIN), url
    assert client.post(VERIFY, {"code": "123456"}).status_code == 302
    assert TOTPDevice.objects.filter(user=reader).count() == 1
    assert client.get("/reader/state.json").status_code == 200


def test_password_step_is_still_wagtails_login(client, django_user_model):
    user = make_superuser(django_user_model)
    add_authenticator(user)
    response = client.post(LOGIN, {"username": user.username, "password": "nope-nope-nope"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert location(client.get(response.headers["Location"])).startswith(VERIFY)


def test_staff_signed_in_any_other_way_are_still_held(client, django_user_model):
    """The check is on the session, not on how it began: a staff session started
    without the password step (as a magic link would) still needs the code."""
    user = make_superuser(django_user_model)
    add_authenticator(user)
    client.force_login(user)
    assert location(client.get(PAGES)).startswith(VERIFY)


def test_reset_command_lets_a_locked_out_user_start_again(client, django_user_model):
    from io import StringIO

    from django.core.management import CommandError, call_command

    user = make_editor(django_user_model)
    add_authenticator(user)
    out = StringIO()
    call_command("reset_two_factor", user.username, stdout=out)
    assert "Removed two-factor sign-in" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=user).exists()
    sign_in_with_password(client, user)
    assert client.get(PAGES).status_code == 200

    with pytest.raises(CommandError):
        call_command("reset_two_factor", "nobody-here")
