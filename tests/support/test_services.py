"""create_donation's checks and every state transition through apply_event: replays,
out-of-order events, amount and currency mismatches."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from masthead.support import services
from masthead.support.models import (
    Donation,
    DonationStatus,
    Frequency,
    Membership,
    MembershipStatus,
    ProviderEvent,
)
from masthead.support.providers.base import Event, EventKind

from .conftest import make_donation, make_membership

pytestmark = pytest.mark.django_db


def event(kind, donation=None, **fields) -> Event:
    if donation is not None:
        fields.setdefault("donation_public_id", str(donation.public_id))
    return Event(
        provider=fields.pop("provider", "offline"),
        event_id=fields.pop("event_id", f"evt-{uuid.uuid4()}"),
        kind=kind,
        event_type=fields.pop("event_type", f"test.{kind}"),
        occurred_at=fields.pop("occurred_at", timezone.now()),
        **fields,
    )


def _create(**fields):
    data = {
        "amount_minor": 2500,
        "currency": "USD",
        "frequency": "once",
        "provider_name": "offline",
        "email": "Giver@Example.com ",
    }
    data.update(fields)
    return services.create_donation(**data)


# --- create_donation -------------------------------------------------------


def test_create_donation_stores_a_clean_row(support_settings):
    donation = _create(public_name="  Ada\n  Lovelace ", message="Hello\r\nworld\x07")
    assert donation.status == DonationStatus.CREATED
    assert donation.email == "giver@example.com"
    assert donation.public_name == "Ada Lovelace"
    assert donation.message == "Hello\nworld"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"amount_minor": 99}, "amount", "smallest"),
        ({"amount_minor": 1_000_001}, "amount", "largest"),
        ({"currency": "GBP"}, "currency", "not a currency"),
        ({"currency": "XYZ"}, "currency", "not a currency"),
        ({"frequency": "weekly"}, "frequency", "one-time or monthly"),
        ({"email": "not an address"}, "email", "valid email"),
        ({"email": "a@example.com\r\nBcc: x@example.com"}, "email", "line breaks"),
        ({"public_name": "x" * 81}, "public_name", "80"),
        ({"message": "x" * 501}, "message", "500"),
    ],
)
def test_create_donation_refuses(support_settings, fields, field, message):
    with pytest.raises(services.DonationError, match=message) as caught:
        _create(**fields)
    assert caught.value.field == field
    assert Donation.objects.count() == 0


def test_bounds_follow_the_settings_and_the_currency(support_settings):
    support_settings.currencies = "USD,JPY,BHD"
    support_settings.minimum_amount = 5
    support_settings.maximum_amount = 50
    support_settings.save()
    assert _create(amount_minor=500).amount == 500
    assert _create(amount_minor=5000).amount == 5000
    assert _create(amount_minor=5, currency="JPY").amount == 5
    assert _create(amount_minor=50_000, currency="BHD").amount == 50_000
    for amount, currency in [(499, "USD"), (5001, "USD"), (4, "JPY"), (51, "JPY"), (50_001, "BHD")]:
        with pytest.raises(services.DonationError):
            _create(amount_minor=amount, currency=currency)


def test_monthly_only_when_offered(support_settings):
    support_settings.monthly_enabled = False
    support_settings.save()
    with pytest.raises(services.DonationError, match="Monthly"):
        _create(frequency="monthly")


def test_nothing_when_support_is_off(support_settings):
    support_settings.enabled = False
    support_settings.save()
    with pytest.raises(services.DonationError):
        _create()


# --- transitions -----------------------------------------------------------


@pytest.mark.parametrize("start", [DonationStatus.CREATED, DonationStatus.PENDING])
def test_completion(support_settings, start):
    donation = make_donation(status=start)
    outcome = services.apply_event(
        event(EventKind.PAYMENT_COMPLETED, donation, amount=2500, currency="USD",
              provider_payment_id="pay-1")
    )  # fmt: skip
    assert outcome == "completed"
    donation.refresh_from_db()
    assert donation.status == DonationStatus.COMPLETED
    assert donation.completed_at is not None and donation.provider_payment_id == "pay-1"
    assert ProviderEvent.objects.get().outcome == "completed"


def test_completion_found_by_provider_reference(support_settings):
    donation = make_donation(provider_reference="cs_123")
    services.apply_event(event(EventKind.PAYMENT_COMPLETED, provider_reference="cs_123"))
    donation.refresh_from_db()
    assert donation.status == DonationStatus.COMPLETED


def test_failure_then_a_retry_succeeds(support_settings):
    donation = make_donation()
    assert (
        services.apply_event(
            event(EventKind.PAYMENT_FAILED, donation, failure_reason="Card declined")
        )
        == "failed"
    )
    donation.refresh_from_db()
    assert donation.status == DonationStatus.FAILED
    assert donation.failure_reason == "Card declined"
    services.apply_event(event(EventKind.PAYMENT_COMPLETED, donation))
    donation.refresh_from_db()
    assert donation.status == DonationStatus.COMPLETED


def test_failure_after_completion_changes_nothing(support_settings):
    donation = make_donation(status=DonationStatus.COMPLETED)
    services.apply_event(event(EventKind.PAYMENT_FAILED, donation))
    donation.refresh_from_db()
    assert donation.status == DonationStatus.COMPLETED


def test_refund_whole_and_partial(support_settings):
    whole = make_donation(status=DonationStatus.COMPLETED)
    assert services.apply_event(event(EventKind.REFUNDED, whole)) == "refunded"
    whole.refresh_from_db()
    assert whole.status == DonationStatus.REFUNDED and whole.refunded_amount == 2500
    partial = make_donation(status=DonationStatus.COMPLETED)
    outcome = services.apply_event(event(EventKind.REFUNDED, partial, amount=1000))
    assert outcome == "partly refunded"
    partial.refresh_from_db()
    assert partial.refunded_amount == 1000 and partial.refunded_at is not None
    # A refund larger than the payment is capped at the payment.
    services.apply_event(event(EventKind.REFUNDED, partial, amount=99_999))
    partial.refresh_from_db()
    assert partial.refunded_amount == 2500


def test_replay_changes_once(support_settings):
    donation = make_donation()
    completed = event(EventKind.PAYMENT_COMPLETED, donation)
    assert services.apply_event(completed) == "completed"
    first = Donation.objects.get().completed_at
    assert services.apply_event(completed) == "duplicate"
    assert ProviderEvent.objects.count() == 1
    assert Donation.objects.get().completed_at == first
    refund = event(EventKind.REFUNDED, donation, amount=500)
    services.apply_event(refund)
    services.apply_event(refund)
    assert Donation.objects.get().refunded_amount == 500
    assert ProviderEvent.objects.count() == 2


def test_same_event_id_from_another_provider_is_another_event(support_settings):
    donation = make_donation(provider="stripe")
    services.apply_event(event(EventKind.PAYMENT_COMPLETED, donation, provider="stripe",
                               event_id="evt_1"))  # fmt: skip
    assert services.apply_event(event(EventKind.IGNORED, provider="paypal",
                                      event_id="evt_1")) == "ignored"  # fmt: skip
    assert ProviderEvent.objects.count() == 2


def test_refund_before_completion_wins(support_settings):
    donation = make_donation()
    services.apply_event(event(EventKind.REFUNDED, donation, amount=2500))
    outcome = services.apply_event(event(EventKind.PAYMENT_COMPLETED, donation, amount=2500))
    assert outcome == "already refunded"
    donation.refresh_from_db()
    assert donation.status == DonationStatus.REFUNDED
    assert donation.completed_at is not None
    assert donation.receipt_sent_at is None


def test_refunded_failed_donation_stays_refunded(support_settings):
    donation = make_donation()
    services.apply_event(event(EventKind.PAYMENT_FAILED, donation))
    services.apply_event(event(EventKind.REFUNDED, donation))
    services.apply_event(event(EventKind.PAYMENT_COMPLETED, donation))
    donation.refresh_from_db()
    assert donation.status == DonationStatus.REFUNDED


@pytest.mark.parametrize(
    ("amount", "currency", "word"),
    [(2400, "USD", "amount mismatch"), (2500, "EUR", "currency mismatch"),
     (250000, "JPY", "mismatch")],
)  # fmt: skip
def test_mismatch_does_not_complete(support_settings, amount, currency, word):
    donation = make_donation()
    outcome = services.apply_event(
        event(EventKind.PAYMENT_COMPLETED, donation, amount=amount, currency=currency)
    )
    assert word in outcome
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING
    assert word in ProviderEvent.objects.get().outcome


def test_unknown_donation_is_recorded(support_settings):
    outcome = services.apply_event(
        event(EventKind.PAYMENT_COMPLETED, donation_public_id=str(uuid.uuid4()))
    )
    assert outcome == "unknown donation"
    assert (
        services.apply_event(event(EventKind.PAYMENT_COMPLETED, donation_public_id="not-a-uuid"))
        == "unknown donation"
    )
    assert ProviderEvent.objects.count() == 2


def test_another_providers_event_does_not_touch_a_donation(support_settings):
    donation = make_donation(provider="offline")
    services.apply_event(event(EventKind.PAYMENT_COMPLETED, donation, provider="stripe"))
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING


# --- memberships -----------------------------------------------------------


def test_first_monthly_payment_starts_a_membership(support_settings):
    donation = make_donation(frequency=Frequency.MONTHLY, amount=1000, public_name="Ada")
    services.apply_event(
        event(EventKind.PAYMENT_COMPLETED, donation, subscription_reference="sub_1")
    )
    membership = Membership.objects.get()
    assert membership.provider_reference == "sub_1"
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.amount == 1000 and membership.public_name == "Ada"
    donation.refresh_from_db()
    assert donation.membership == membership


def test_renewal_records_a_payment(support_settings):
    membership = make_membership(provider_reference="sub_2", amount=1500)
    end = timezone.now() + dt.timedelta(days=30)
    renewal = event(EventKind.RENEWED, subscription_reference="sub_2", amount=1500,
                    currency="USD", provider_payment_id="in_1", current_period_end=end)  # fmt: skip
    assert services.apply_event(renewal) == "renewal recorded"
    assert services.apply_event(renewal) == "duplicate"
    payment = Donation.objects.get()
    assert payment.status == DonationStatus.COMPLETED
    assert payment.frequency == Frequency.MONTHLY and payment.membership == membership
    membership.refresh_from_db()
    assert membership.current_period_end == end
    # The same provider payment under another event id is not counted twice.
    again = event(EventKind.RENEWED, subscription_reference="sub_2", provider_payment_id="in_1")
    assert services.apply_event(again) == "payment already recorded"
    assert Donation.objects.count() == 1


def test_renewal_after_cancellation_keeps_it_canceled(support_settings):
    membership = make_membership(provider_reference="sub_3")
    services.apply_event(event(EventKind.SUBSCRIPTION_CANCELED, subscription_reference="sub_3"))
    outcome = services.apply_event(event(EventKind.RENEWED, subscription_reference="sub_3"))
    assert "stays canceled" in outcome
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.CANCELED
    assert membership.payments.get().status == DonationStatus.COMPLETED
    services.apply_event(event(EventKind.SUBSCRIPTION_UPDATED, subscription_reference="sub_3",
                               subscription_status="active"))  # fmt: skip
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.CANCELED


def test_renewal_for_an_unknown_subscription(support_settings):
    outcome = services.apply_event(event(EventKind.RENEWED, subscription_reference="sub_nope"))
    assert outcome == "unknown subscription"
    assert ProviderEvent.objects.get().outcome == "unknown subscription"
    assert Donation.objects.count() == 0


def test_subscription_updated_and_past_due(support_settings):
    membership = make_membership(provider_reference="sub_4", amount=1000)
    services.apply_event(event(EventKind.SUBSCRIPTION_UPDATED, subscription_reference="sub_4",
                               amount=2000, subscription_status="past_due"))  # fmt: skip
    membership.refresh_from_db()
    assert membership.amount == 2000 and membership.status == MembershipStatus.PAST_DUE
    services.apply_event(event(EventKind.RENEWED, subscription_reference="sub_4"))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    services.apply_event(event(EventKind.PAYMENT_FAILED, subscription_reference="sub_4"))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PAST_DUE


def test_cancel_and_change_through_the_provider(support_settings):
    membership = make_membership(amount=1000)
    services.change_membership_amount(membership, 2000)
    assert Membership.objects.get().amount == 2000
    with pytest.raises(services.DonationError):
        services.change_membership_amount(membership, 50)
    services.cancel_membership(membership)
    assert Membership.objects.get().status == MembershipStatus.CANCELED
    with pytest.raises(services.DonationError):
        services.change_membership_amount(membership, 3000)


# --- what readers see ------------------------------------------------------


def test_campaign_progress_counts_completed_in_currency_and_period(support_settings):
    support_settings.goal_enabled = True
    support_settings.goal_amount = 100
    support_settings.goal_currency = "USD"
    support_settings.goal_starts = timezone.localdate() - dt.timedelta(days=3)
    support_settings.goal_ends = timezone.localdate()
    support_settings.save()
    make_donation(status=DonationStatus.COMPLETED, amount=2000)
    make_donation(status=DonationStatus.COMPLETED, amount=1000, currency="EUR")
    make_donation(status=DonationStatus.PENDING, amount=5000)
    make_donation(status=DonationStatus.REFUNDED, amount=5000, completed_at=timezone.now())
    make_donation(status=DonationStatus.FAILED, amount=5000)
    make_donation(status=DonationStatus.COMPLETED, amount=7000,
                  completed_at=timezone.now() - dt.timedelta(days=10))  # fmt: skip
    raised, goal, percent = services.campaign_progress(support_settings)
    assert (raised, goal, percent) == (2000, 10000, 20)
    make_donation(status=DonationStatus.COMPLETED, amount=99_000)
    progress = services.campaign_progress(support_settings)
    assert progress.percent == 100 and progress.step == 100
    support_settings.goal_enabled = False
    assert services.campaign_progress(support_settings) is None


def test_supporters_only_completed_and_public(support_settings):
    shown = make_donation(status=DonationStatus.COMPLETED, show_publicly=True, public_name="Ada")
    make_donation(status=DonationStatus.COMPLETED, show_publicly=False, public_name="Hidden")
    make_donation(status=DonationStatus.PENDING, show_publicly=True, public_name="Pending")
    make_donation(status=DonationStatus.REFUNDED, show_publicly=True, public_name="Refunded")
    make_donation(status=DonationStatus.COMPLETED, show_publicly=True)  # nothing to show
    assert services.supporters() == [shown]


def test_totals(support_settings):
    make_donation(status=DonationStatus.COMPLETED, amount=2000)
    make_donation(status=DonationStatus.COMPLETED, amount=500)
    make_donation(status=DonationStatus.COMPLETED, amount=1000, currency="EUR")
    make_donation(status=DonationStatus.REFUNDED, amount=700, refunded_amount=700,
                  completed_at=timezone.now())  # fmt: skip
    make_donation(status=DonationStatus.PENDING, amount=9999)
    assert services.totals() == [
        {"currency": "EUR", "count": 1, "amount": 1000, "refunded": 0},
        {"currency": "USD", "count": 2, "amount": 2500, "refunded": 700},
    ]
