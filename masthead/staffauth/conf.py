"""The deployment's override of the two-factor policy.

STAFF_2FA_REQUIRED=true (environment or .env) requires two-factor sign-in for all
staff, whatever the admin setting says, so an operator can enforce it before anyone
signs in.  A STAFF_2FA_REQUIRED Django setting, when defined, takes precedence.
"""

from django.conf import settings
from environs import Env

_env = Env()


def required_by_deployment() -> bool:
    configured = getattr(settings, "STAFF_2FA_REQUIRED", None)
    if configured is not None:
        return bool(configured)
    return _env.bool("STAFF_2FA_REQUIRED", False)
