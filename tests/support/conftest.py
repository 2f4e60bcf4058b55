"""Shared fixtures for the reader support tests: a site whose SupportSettings accept
donations, the offline provider enabled, and a factory for stored donations."""

import uuid

import pytest
from django.utils import timezone

from masthead.support.models import (
    Donation,
    DonationStatus,
    Frequency,
    Membership,
    MembershipStatus,
    SupportSettings,
)
from tests.newsroom.factories import default_site, make_section


@pytest.fixture
def support_settings(db, settings):
    """The default site's SupportSettings (USD and EUR, 5–100 presets), offline provider on."""
    settings.SUPPORT_OFFLINE_PROVIDER = True
    make_section("News")  # builds the page tree and the default site
    rules = SupportSettings.for_site(default_site())
    rules.enabled = True
    rules.currencies = "USD,EUR"
    rules.preset_amounts = "5,10,25,50,100"
    rules.minimum_amount = 1
    rules.maximum_amount = 10_000
    rules.quick_amount = 10
    rules.monthly_enabled = True
    rules.save()
    return rules


def _digits() -> int:
    """A unique reference made of digits only, so searches for names never match it by chance."""
    return uuid.uuid4().int % 10**15


def make_donation(
    *,
    amount=2500,
    currency="USD",
    status=DonationStatus.PENDING,
    provider="offline",
    frequency=Frequency.ONE_TIME,
    email="reader@example.com",
    membership=None,
    **fields,
) -> Donation:
    """A stored donation as a checkout leaves it (pending), or in any other state."""
    if status == DonationStatus.COMPLETED:
        fields.setdefault("completed_at", timezone.now())
    return Donation.objects.create(
        amount=amount,
        currency=currency,
        status=status,
        provider=provider,
        frequency=frequency,
        email=email,
        membership=membership,
        provider_reference=fields.pop("provider_reference", f"ref-{_digits()}"),
        **fields,
    )


def make_membership(
    *,
    amount=1000,
    currency="USD",
    status=MembershipStatus.ACTIVE,
    provider="offline",
    email="reader@example.com",
    **fields,
) -> Membership:
    fields.setdefault("provider_reference", f"{provider}-sub-{_digits()}")
    if status == MembershipStatus.ACTIVE:
        fields.setdefault("started_at", timezone.now())
    return Membership.objects.create(
        amount=amount, currency=currency, status=status, provider=provider, email=email, **fields
    )


@pytest.fixture(name="make_donation")
def make_donation_fixture():
    return make_donation


@pytest.fixture(name="make_membership")
def make_membership_fixture():
    return make_membership
