"""Signing staff in through the real pages, and computing the codes their app would show."""

import datetime as dt
import time

from django.contrib.auth.models import Group
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

PASSWORD = "correct-horse-battery-9"
LOGIN = "/admin/login/"
VERIFY = "/admin/two-factor/verify/"
SETUP = "/admin/two-factor/setup/"
DISABLE = "/admin/two-factor/disable/"
OVERVIEW = "/admin/two-factor/"
PAGES = "/admin/pages/"


def make_editor(django_user_model, username="editor"):
    """A staff member who is not a superuser: in Wagtail's Editors group."""
    user = django_user_model.objects.create_user(username, f"{username}@example.com", PASSWORD)
    user.groups.add(Group.objects.get(name="Editors"))
    assert user.has_perm("wagtailadmin.access_admin")
    return user


def make_superuser(django_user_model, username="chief"):
    return django_user_model.objects.create_superuser(username, f"{username}@example.com", PASSWORD)


def add_authenticator(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def add_backup_codes(user, codes=("alpha2345", "bravo6789")) -> list[str]:
    device = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    for code in codes:
        StaticToken.objects.create(device=device, token=code)
    return list(codes)


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the user's app shows now (or that many time steps later).  django-otp
    accepts one step either side and never the same step twice, so a later step is
    how a test gets a second valid code without waiting."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def clear_throttle(device, seconds=None) -> None:
    """Let the back-off after a wrong code run out: the last failure moves into the
    past far enough (or is forgotten), instead of the test sleeping."""
    device.refresh_from_db()
    if seconds is None:
        type(device).objects.filter(pk=device.pk).update(
            throttling_failure_count=0, throttling_failure_timestamp=None
        )
    else:
        type(device).objects.filter(pk=device.pk).update(
            throttling_failure_timestamp=device.throttling_failure_timestamp
            - dt.timedelta(seconds=seconds)
        )


def sign_in_with_password(client, user, next_url=PAGES):
    response = client.post(
        LOGIN, {"username": user.get_username(), "password": PASSWORD, "next": next_url}
    )
    assert response.status_code == 302, "the password step should succeed"
    return response


def location(response) -> str:
    return response.headers["Location"]


def admin_home() -> str:
    return reverse("wagtailadmin_home")
