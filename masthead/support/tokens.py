"""Signed tokens: the offline provider's confirmation form, and guests' membership links."""

import uuid

from django.conf import settings
from django.core import signing
from django.urls import reverse

OFFLINE_SALT = "masthead.support.offline"
MEMBERSHIP_SALT = "masthead.support.membership"
# A membership link travels in every monthly receipt, so a year covers the newest one.
MEMBERSHIP_MAX_AGE = 400 * 24 * 3600
OFFLINE_MAX_AGE = 24 * 3600


def offline_token(public_id) -> str:
    return signing.dumps(str(public_id), salt=OFFLINE_SALT, compress=True)


def offline_token_valid(token: str, public_id) -> bool:
    try:
        value = signing.loads(token or "", salt=OFFLINE_SALT, max_age=OFFLINE_MAX_AGE)
    except signing.BadSignature:
        return False
    return value == str(public_id)


def membership_token(membership) -> str:
    return signing.dumps(str(membership.public_id), salt=MEMBERSHIP_SALT, compress=True)


def membership_from_token(token: str):
    from .models import Membership

    try:
        value = signing.loads(token or "", salt=MEMBERSHIP_SALT, max_age=MEMBERSHIP_MAX_AGE)
        public_id = uuid.UUID(value)
    except (signing.BadSignature, ValueError, TypeError, AttributeError):
        return None
    return Membership.objects.filter(public_id=public_id).first()


def membership_url(membership) -> str:
    path = reverse("support:membership", args=[membership_token(membership)])
    return settings.SITE_URL + path
