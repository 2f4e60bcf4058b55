"""Who must use two-factor sign-in, and who has it."""

from django_otp.plugins.otp_totp.models import TOTPDevice

from .conf import required_by_deployment
from .models import StaffAuthSettings

ADMIN_ACCESS_PERMISSION = "wagtailadmin.access_admin"


def is_staff_user(user) -> bool:
    """Someone the Wagtail admin lets in.  Readers signed in by magic link have no
    admin permission, so nothing here ever applies to them."""
    return bool(user.is_authenticated and user.is_active and user.has_perm(ADMIN_ACCESS_PERMISSION))


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_required(user, request=None) -> bool:
    """Whether this staff user must have two-factor sign-in: the deployment's
    STAFF_2FA_REQUIRED, or the administrator's setting."""
    if not is_staff_user(user):
        return False
    if required_by_deployment():
        return True
    policy = StaffAuthSettings.load(request_or_site=request)
    return policy.require_for_all_staff or (policy.require_for_superusers and user.is_superuser)
