"""The verbs of two-factor sign-in: set up an authenticator, check a code, issue
backup codes, switch it off.  Every check goes through django-otp's devices, so its
throttling (exponential back-off after each wrong code) and its refusal to accept a
TOTP code twice apply everywhere."""

import logging
import re
from base64 import b32encode
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

logger = logging.getLogger(__name__)
BACKUP_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
_SEPARATORS = re.compile(r"[\s-]+")


class Throttled(Exception):
    """Too many wrong codes: no code is checked until `until`."""

    def __init__(self, until):
        super().__init__(until)
        self.until = until

    @property
    def seconds_left(self) -> int:
        return max(1, int((self.until - timezone.now()).total_seconds() + 0.999))


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    secret: str  # base32, grouped by four for typing
    qr_svg: str


def normalise_code(value: str) -> str:
    return _SEPARATORS.sub("", value or "").lower()


def authenticator(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _pending_authenticator(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def _otpauth_url(device: TOTPDevice) -> str:
    issuer = settings.WAGTAIL_SITE_NAME.replace(":", "")
    label = quote(f"{issuer}:{device.user.get_username()}")
    params = urlencode(
        {
            "secret": b32encode(device.bin_key).decode().rstrip("="),
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": device.digits,
            "period": device.step,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{params}"


def start_enrolment(user) -> Enrolment:
    """The unconfirmed authenticator being set up, created on first visit.  Reloading
    the page keeps the same secret, so an app that already scanned it still works."""
    device = _pending_authenticator(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    secret = b32encode(device.bin_key).decode().rstrip("=")
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    qr = segno.make(_otpauth_url(device), error="m")
    svg = qr.svg_inline(
        scale=5,
        border=2,
        dark="#000",
        light="#fff",
        svgclass="staffauth-qr",
        title="QR code to scan with your authenticator app",
    )
    return Enrolment(device=device, secret=grouped, qr_svg=svg)


def _check(device, code: str) -> bool:
    """One throttled attempt against one device, rows locked so two concurrent
    requests cannot both spend the same code."""
    with transaction.atomic():
        device = type(device).objects.select_for_update().get(pk=device.pk)
        allowed, info = device.verify_is_allowed()
        if not allowed:
            raise Throttled(info["locked_until"])
        return device.verify_token(code)


def confirm_enrolment(request, code: str) -> list[str] | None:
    """Confirm the pending authenticator with a code it produced.  On success the
    session counts as verified and a fresh set of backup codes is returned (to be
    shown once); on a wrong code, None.  Raises Throttled."""
    user = request.user
    device = _pending_authenticator(user)
    if device is None or not _check(device, normalise_code(code)):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        device.refresh_from_db()
        codes = issue_backup_codes(user)
    _mark_verified(request, device)
    return codes


def _device_for_code(user, code: str):
    """Digits are a code from the authenticator; anything else is a backup code."""
    if code.isdigit():
        return authenticator(user)
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


def check_current_code(user, code: str):
    """The device that accepts this code (authenticator or backup code), or None.
    Throttled like at sign-in; a backup code is spent.  Raises Throttled."""
    code = normalise_code(code)
    if not code:
        return None
    device = _device_for_code(user, code)
    if device is None or not _check(device, code):
        logger.warning("wrong two-factor code for user %s", user.pk)
        return None
    return device


def verify(request, code: str) -> bool:
    """Check a code at sign-in; on success the session counts as verified.
    Raises Throttled."""
    device = check_current_code(request.user, code)
    if device is None:
        return False
    _mark_verified(request, device)
    return True


def _mark_verified(request, device) -> None:
    # A new session key at the moment of gaining access, as at password sign-in.
    request.session.cycle_key()
    otp_login(request, device)


def issue_backup_codes(user) -> list[str]:
    """Replace the user's backup codes with BACKUP_CODE_COUNT new single-use ones."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, defaults={"name": BACKUP_DEVICE_NAME, "confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def remove_all(user) -> bool:
    """Delete the user's authenticators and backup codes; whether there were any."""
    with transaction.atomic():
        totp, _ = TOTPDevice.objects.filter(user=user).delete()
        static, _ = StaticDevice.objects.filter(user=user).delete()
    return bool(totp or static)


def disable(request) -> None:
    """Switch two-factor sign-in off for the signed-in user (their code was checked)."""
    remove_all(request.user)
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.user.otp_device = None
