"""Stripe webhooks posted to /support/webhooks/stripe/, signed for real with a test
secret exactly as Stripe signs them, and the state they leave behind."""

import datetime as dt
import json
import threading
import time
import uuid

import pytest
from django.db import OperationalError, connection
from django.test import Client

from masthead.support.models import (
    Donation,
    DonationStatus,
    Frequency,
    Membership,
    MembershipStatus,
    ProviderEvent,
)
from tests.support.conftest import make_donation, make_membership
from tests.support.stripe_stub import (  # noqa: F401
    WEBHOOK_SECRET,
    sign,
    stripe_event,
    stripe_keys_fixture,
)

URL = "/support/webhooks/stripe/"
PERIOD_END = 1_900_000_000  # 2030-03-17


def deliver(client, body: str, signature: str | None = None, **headers):
    if signature is None:
        signature = sign(body)
    if signature:
        headers["HTTP_STRIPE_SIGNATURE"] = signature
    return client.post(URL, data=body, content_type="application/json", **headers)


def outcome(event_id: str) -> str:
    return ProviderEvent.objects.get(provider="stripe", event_id=event_id).outcome


def stripe_donation(**fields):
    fields.setdefault("provider_reference", f"cs_test_{uuid.uuid4().hex}")
    return make_donation(provider="stripe", **fields)


def session(donation, **fields) -> dict:
    monthly = donation.frequency == Frequency.MONTHLY
    return {
        "id": donation.provider_reference,
        "object": "checkout.session",
        "mode": "subscription" if monthly else "payment",
        "client_reference_id": str(donation.public_id),
        "metadata": {"donation": str(donation.public_id)},
        "amount_total": donation.amount,
        "currency": donation.currency.lower(),
        "payment_status": "paid",
        "status": "complete",
        "payment_intent": None if monthly else f"pi_{donation.pk}",
        "subscription": f"sub_{donation.pk}" if monthly else None,
        "invoice": f"in_first_{donation.pk}" if monthly else None,
        "customer_details": {"email": donation.email},
        **fields,
    }


def invoice(subscription: str, *, invoice_id="in_cycle_1", billing_reason="subscription_cycle",
            amount=1000, new_api=True, **fields) -> dict:  # fmt: skip
    data = {
        "id": invoice_id,
        "object": "invoice",
        "billing_reason": billing_reason,
        "amount_paid": amount,
        "amount_due": amount,
        "currency": "usd",
        "customer_email": "reader@example.com",
        "period_end": PERIOD_END,
        "status": "paid",
        **fields,
    }
    if new_api:  # 2025-03-31.basil and later
        data["parent"] = {
            "type": "subscription_details",
            "subscription_details": {"subscription": subscription, "metadata": {}},
        }
    else:
        data["subscription"] = subscription
    return data


def subscription(sub_id: str, *, status="active", amount=1000, new_api=True) -> dict:
    item = {
        "id": "si_1",
        "object": "subscription_item",
        "quantity": 1,
        "price": {"id": "price_1", "currency": "usd", "unit_amount": amount},
    }
    data = {
        "id": sub_id,
        "object": "subscription",
        "status": status,
        "currency": "usd",
        "items": {"object": "list", "data": [item]},
    }
    if new_api:  # the period moved onto the items
        item["current_period_end"] = PERIOD_END
    else:
        data["current_period_end"] = PERIOD_END
    return data


@pytest.fixture
def client(support_settings, stripe_keys):
    return Client()


# --- checkout completion ------------------------------------------------------


def test_one_time_checkout_completed_completes_the_donation(client):
    donation = stripe_donation(amount=2500)
    body = stripe_event("checkout.session.completed", session(donation), event_id="evt_done")
    response = deliver(client, body)
    assert response.status_code == 200

    donation.refresh_from_db()
    assert donation.status == DonationStatus.COMPLETED
    assert donation.provider_payment_id == f"pi_{donation.pk}"
    assert donation.completed_at is not None
    assert outcome("evt_done") == "completed"
    assert ProviderEvent.objects.get(event_id="evt_done").event_type == "checkout.session.completed"


def test_completion_found_by_metadata_when_reference_is_missing(client):
    donation = stripe_donation(amount=700, currency="EUR")
    obj = session(donation, client_reference_id=None, id="cs_other")
    deliver(client, stripe_event("checkout.session.completed", obj))
    donation.refresh_from_db()
    assert donation.status == DonationStatus.COMPLETED


def test_zero_decimal_currency_completes_with_the_whole_amount(client):
    donation = stripe_donation(amount=1500, currency="JPY")
    body = stripe_event("checkout.session.completed", session(donation), event_id="evt_jpy")
    deliver(client, body)
    donation.refresh_from_db()
    assert donation.status == DonationStatus.COMPLETED
    assert outcome("evt_jpy") == "completed"


def test_amount_that_disagrees_does_not_complete(client):
    donation = stripe_donation(amount=2500)
    obj = session(donation, amount_total=250)
    deliver(client, stripe_event("checkout.session.completed", obj, event_id="evt_cheap"))
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING
    assert "amount mismatch" in outcome("evt_cheap")


def test_currency_that_disagrees_does_not_complete(client):
    donation = stripe_donation(amount=2500, currency="USD")
    obj = session(donation, currency="jpy")
    deliver(client, stripe_event("checkout.session.completed", obj, event_id="evt_yen"))
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING
    assert "currency mismatch" in outcome("evt_yen")


def test_delayed_payment_waits_for_async_success(client):
    donation = stripe_donation(amount=2500)
    unpaid = session(donation, payment_status="unpaid")
    deliver(client, stripe_event("checkout.session.completed", unpaid, event_id="evt_unpaid"))
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING
    assert outcome("evt_unpaid") == "ignored"

    paid = session(donation)
    deliver(client, stripe_event("checkout.session.async_payment_succeeded", paid))
    donation.refresh_from_db()
    assert donation.status == DonationStatus.COMPLETED


def test_delayed_payment_that_fails(client):
    donation = stripe_donation(amount=2500)
    obj = session(donation, payment_status="unpaid")
    deliver(client, stripe_event("checkout.session.async_payment_failed", obj))
    donation.refresh_from_db()
    assert donation.status == DonationStatus.FAILED
    assert donation.failure_reason == "The bank payment did not go through."


def test_expired_checkout_fails_the_pending_donation(client):
    donation = stripe_donation(amount=2500)
    obj = session(donation, payment_status="unpaid", status="expired")
    deliver(client, stripe_event("checkout.session.expired", obj))
    donation.refresh_from_db()
    assert donation.status == DonationStatus.FAILED


def test_monthly_checkout_starts_a_membership(client):
    donation = stripe_donation(amount=1000, frequency=Frequency.MONTHLY)
    deliver(client, stripe_event("checkout.session.completed", session(donation)))
    donation.refresh_from_db()
    assert donation.status == DonationStatus.COMPLETED
    assert donation.provider_payment_id == f"in_first_{donation.pk}"
    membership = donation.membership
    assert membership is not None
    assert membership.provider == "stripe"
    assert membership.provider_reference == f"sub_{donation.pk}"
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.amount == 1000


# --- failures and refunds -------------------------------------------------------


def test_payment_intent_failure_fails_the_donation(client):
    donation = stripe_donation(amount=2500)
    intent = {
        "id": "pi_declined",
        "object": "payment_intent",
        "amount": 2500,
        "currency": "usd",
        "metadata": {"donation": str(donation.public_id)},
        "last_payment_error": {"message": "Your card was declined."},
    }
    deliver(client, stripe_event("payment_intent.payment_failed", intent))
    donation.refresh_from_db()
    assert donation.status == DonationStatus.FAILED
    assert donation.failure_reason == "Your card was declined."


def test_retry_after_a_failure_completes(client):
    donation = stripe_donation(amount=2500)
    intent = {
        "id": f"pi_{donation.pk}",
        "object": "payment_intent",
        "metadata": {"donation": str(donation.public_id)},
        "last_payment_error": {"message": "Insufficient funds."},
    }
    deliver(client, stripe_event("payment_intent.payment_failed", intent))
    deliver(client, stripe_event("checkout.session.completed", session(donation)))
    donation.refresh_from_db()
    assert donation.status == DonationStatus.COMPLETED


def charge(donation, *, refunded: int, **fields) -> dict:
    return {
        "id": f"ch_{donation.pk}",
        "object": "charge",
        "amount": donation.amount,
        "amount_refunded": refunded,
        "currency": donation.currency.lower(),
        "payment_intent": f"pi_{donation.pk}",
        "metadata": {"donation": str(donation.public_id)},
        "refunded": refunded == donation.amount,
        **fields,
    }


def test_full_refund(client):
    donation = stripe_donation(amount=2500, status=DonationStatus.COMPLETED)
    deliver(client, stripe_event("charge.refunded", charge(donation, refunded=2500)))
    donation.refresh_from_db()
    assert donation.status == DonationStatus.REFUNDED
    assert donation.refunded_amount == 2500


def test_partial_refunds_record_the_running_total(client):
    donation = stripe_donation(amount=2500, status=DonationStatus.COMPLETED)
    # Found by the payment intent alone, as once the completion has stored it.
    Donation.objects.filter(pk=donation.pk).update(provider_payment_id=f"pi_{donation.pk}")
    first = charge(donation, refunded=1000, metadata={})
    deliver(client, stripe_event("charge.refunded", first, event_id="evt_r1"))
    donation.refresh_from_db()
    assert donation.refunded_amount == 1000
    assert outcome("evt_r1") == "partly refunded"
    second = charge(donation, refunded=2500, metadata={})
    deliver(client, stripe_event("charge.refunded", second, event_id="evt_r2"))
    donation.refresh_from_db()
    assert donation.refunded_amount == 2500
    assert outcome("evt_r2") == "refunded"


def test_refund_of_a_monthly_payment_found_by_its_invoice(client):
    membership = make_membership(provider="stripe", provider_reference="sub_r")
    donation = stripe_donation(
        amount=1000,
        frequency=Frequency.MONTHLY,
        status=DonationStatus.COMPLETED,
        membership=membership,
        provider_payment_id="in_month_2",
    )
    obj = charge(donation, refunded=1000, metadata={}, invoice="in_month_2", payment_intent="pi_x")
    deliver(client, stripe_event("charge.refunded", obj))
    donation.refresh_from_db()
    assert donation.status == DonationStatus.REFUNDED


# --- renewals, updates, cancellations ----------------------------------------------


@pytest.mark.parametrize("event_type", ["invoice.paid", "invoice.payment_succeeded"])
@pytest.mark.parametrize("new_api", [True, False])
def test_renewal_records_the_months_payment(client, event_type, new_api):
    membership = make_membership(provider="stripe", provider_reference="sub_live", amount=1000)
    body = stripe_event(event_type, invoice("sub_live", new_api=new_api), event_id="evt_renew")
    assert deliver(client, body).status_code == 200
    renewal = Donation.objects.get(membership=membership)
    assert renewal.status == DonationStatus.COMPLETED
    assert renewal.amount == 1000
    assert renewal.currency == "USD"
    assert renewal.provider_payment_id == "in_cycle_1"
    assert renewal.frequency == Frequency.MONTHLY
    membership.refresh_from_db()
    assert membership.current_period_end == dt.datetime.fromtimestamp(PERIOD_END, tz=dt.UTC)
    assert outcome("evt_renew") == "renewal recorded"


def test_first_invoice_is_left_to_the_checkout(client):
    membership = make_membership(provider="stripe", provider_reference="sub_new")
    obj = invoice("sub_new", billing_reason="subscription_create")
    deliver(client, stripe_event("invoice.paid", obj, event_id="evt_first"))
    assert not Donation.objects.filter(membership=membership).exists()
    assert outcome("evt_first") == "ignored"


def test_both_invoice_events_for_one_invoice_record_one_payment(client):
    membership = make_membership(provider="stripe", provider_reference="sub_twice")
    deliver(client, stripe_event("invoice.paid", invoice("sub_twice")))
    deliver(client, stripe_event("invoice.payment_succeeded", invoice("sub_twice")))
    assert Donation.objects.filter(membership=membership).count() == 1


def test_renewal_for_an_unknown_subscription_is_recorded_not_an_error(client):
    body = stripe_event("invoice.paid", invoice("sub_nobody"), event_id="evt_stray")
    assert deliver(client, body).status_code == 200
    assert outcome("evt_stray") == "unknown subscription"
    assert not Donation.objects.exists()


@pytest.mark.parametrize("new_api", [True, False])
def test_failed_renewal_makes_the_membership_past_due(client, new_api):
    membership = make_membership(provider="stripe", provider_reference="sub_dry")
    obj = invoice("sub_dry", new_api=new_api, status="open", amount_paid=0)
    deliver(client, stripe_event("invoice.payment_failed", obj))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PAST_DUE
    assert not Donation.objects.filter(membership=membership).exists()


@pytest.mark.parametrize("new_api", [True, False])
def test_subscription_update_changes_amount_status_and_period(client, new_api):
    membership = make_membership(provider="stripe", provider_reference="sub_up", amount=1000)
    obj = subscription("sub_up", status="past_due", amount=2500, new_api=new_api)
    deliver(client, stripe_event("customer.subscription.updated", obj))
    membership.refresh_from_db()
    assert membership.amount == 2500
    assert membership.status == MembershipStatus.PAST_DUE
    assert membership.current_period_end == dt.datetime.fromtimestamp(PERIOD_END, tz=dt.UTC)

    deliver(client, stripe_event("customer.subscription.updated", subscription("sub_up")))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.amount == 1000


@pytest.mark.parametrize(
    ("before", "stripe_status", "expected"),
    [
        (MembershipStatus.ACTIVE, "unpaid", MembershipStatus.PAST_DUE),
        (MembershipStatus.PAST_DUE, "trialing", MembershipStatus.ACTIVE),
        (MembershipStatus.ACTIVE, "incomplete_expired", MembershipStatus.CANCELED),
        # Not a state a membership has: the status is left as it was.
        (MembershipStatus.PAST_DUE, "incomplete", MembershipStatus.PAST_DUE),
    ],
)
def test_stripe_subscription_statuses_in_our_words(client, before, stripe_status, expected):
    membership = make_membership(provider="stripe", provider_reference="sub_st", status=before)
    obj = subscription("sub_st", status=stripe_status)
    deliver(client, stripe_event("customer.subscription.updated", obj))
    membership.refresh_from_db()
    assert membership.status == expected


def test_signed_event_with_odd_data_is_stored_as_ignored(client):
    body = json.dumps(
        {"id": "evt_odd", "object": "event", "type": "charge.refunded", "created": 1, "data": []}
    )
    assert deliver(client, body).status_code == 200
    assert outcome("evt_odd") == "unknown donation"


def test_subscription_deleted_cancels_the_membership(client):
    membership = make_membership(provider="stripe", provider_reference="sub_end")
    obj = subscription("sub_end", status="canceled")
    deliver(client, stripe_event("customer.subscription.deleted", obj))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.CANCELED
    assert membership.canceled_at is not None


def test_unhandled_event_types_are_stored_as_ignored(client):
    body = stripe_event("customer.created", {"id": "cus_1", "object": "customer"})
    response = deliver(client, body)
    assert response.status_code == 200
    event_id = json.loads(body)["id"]
    assert outcome(event_id) == "ignored"


# --- replays, duplicates, order ----------------------------------------------------


def test_replayed_completion_is_applied_once(client):
    donation = stripe_donation(amount=2500)
    body = stripe_event("checkout.session.completed", session(donation), event_id="evt_once")
    assert deliver(client, body).status_code == 200
    first_completed = Donation.objects.get(pk=donation.pk).completed_at
    assert deliver(client, body).status_code == 200  # Stripe retries until it gets a 2xx
    assert ProviderEvent.objects.filter(event_id="evt_once").count() == 1
    assert Donation.objects.get(pk=donation.pk).completed_at == first_completed


def test_replayed_renewal_records_one_payment(client):
    membership = make_membership(provider="stripe", provider_reference="sub_rep")
    body = stripe_event("invoice.paid", invoice("sub_rep"), event_id="evt_rep")
    for _ in range(3):
        assert deliver(client, body).status_code == 200
    assert Donation.objects.filter(membership=membership).count() == 1
    assert ProviderEvent.objects.filter(event_id="evt_rep").count() == 1


def test_refund_before_completion_stays_refunded(client):
    donation = stripe_donation(amount=2500)
    deliver(client, stripe_event("charge.refunded", charge(donation, refunded=2500)))
    body = stripe_event("checkout.session.completed", session(donation), event_id="evt_late")
    deliver(client, body)
    donation.refresh_from_db()
    assert donation.status == DonationStatus.REFUNDED
    assert donation.refunded_amount == 2500
    assert donation.completed_at is not None  # the payment did happen
    assert outcome("evt_late") == "already refunded"


def test_renewal_after_cancellation_does_not_reactivate(client):
    membership = make_membership(provider="stripe", provider_reference="sub_gone")
    obj = subscription("sub_gone", status="canceled")
    deliver(client, stripe_event("customer.subscription.deleted", obj))
    deliver(client, stripe_event("invoice.paid", invoice("sub_gone"), event_id="evt_after"))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.CANCELED
    renewal = Donation.objects.get(membership=membership)
    assert renewal.status == DonationStatus.COMPLETED  # the money did arrive
    assert "stays canceled" in outcome("evt_after")
    # A late "updated" saying active does not bring it back either.
    deliver(client, stripe_event("customer.subscription.updated", subscription("sub_gone")))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.CANCELED


# --- rejected deliveries -------------------------------------------------------


def _assert_nothing_changed(donation):
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING
    assert not ProviderEvent.objects.exists()


def test_bad_signature_is_rejected(client):
    donation = stripe_donation(amount=2500)
    body = stripe_event("checkout.session.completed", session(donation))
    timestamp = int(time.time())
    response = deliver(client, body, f"t={timestamp},v1={'0' * 64}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    _assert_nothing_changed(donation)


def test_signature_with_another_secret_is_rejected(client):
    donation = stripe_donation(amount=2500)
    body = stripe_event("checkout.session.completed", session(donation))
    response = deliver(client, body, sign(body, secret="whsec_someone_else"))
    assert response.status_code == 400
    _assert_nothing_changed(donation)


def test_stale_signature_is_rejected(client):
    donation = stripe_donation(amount=2500)
    body = stripe_event("checkout.session.completed", session(donation))
    response = deliver(client, body, sign(body, timestamp=int(time.time()) - 301 - 60))
    assert response.status_code == 400
    _assert_nothing_changed(donation)


def test_missing_signature_is_rejected(client):
    donation = stripe_donation(amount=2500)
    body = stripe_event("checkout.session.completed", session(donation))
    response = deliver(client, body, signature="")
    assert response.status_code == 400
    _assert_nothing_changed(donation)


@pytest.mark.parametrize("header", ["garbage", "t=notanumber,v1=abc", "v1=abc", "t=,v1="])
def test_malformed_signature_header_is_rejected(client, header):
    donation = stripe_donation(amount=2500)
    body = stripe_event("checkout.session.completed", session(donation))
    response = deliver(client, body, header)
    assert response.status_code == 400
    _assert_nothing_changed(donation)


def test_tampered_body_is_rejected(client):
    donation = stripe_donation(amount=2500)
    honest = stripe_event("checkout.session.completed", session(donation, amount_total=100))
    tampered = honest.replace('"amount_total": 100', '"amount_total": 2500')
    assert tampered != honest
    response = deliver(client, tampered, sign(honest))
    assert response.status_code == 400
    _assert_nothing_changed(donation)


def test_signed_garbage_is_rejected(client):
    donation = stripe_donation(amount=2500)
    for body in ["not json", "[1, 2]", json.dumps({"object": "event", "id": "evt_x"})]:
        response = deliver(client, body)
        assert response.status_code == 400, body
    _assert_nothing_changed(donation)


def test_webhook_refused_when_stripe_is_not_configured(client, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    donation = stripe_donation(amount=2500)
    body = stripe_event("checkout.session.completed", session(donation))
    response = deliver(client, body)
    assert response.status_code in (400, 404)
    _assert_nothing_changed(donation)


def test_only_post_is_accepted(client):
    assert client.get(URL).status_code == 405


# --- concurrent duplicates -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_duplicates_arriving_together_are_applied_once(support_settings, stripe_keys):
    """Nine deliveries at once: three copies each of a completion and of the two invoice
    events Stripe sends for one renewal.  (SQLite's in-memory test database may refuse
    a writer on its table lock: that delivery fails like any 5xx and Stripe retries it,
    as done here afterwards.)"""
    membership = make_membership(provider="stripe", provider_reference="sub_race")
    donation = stripe_donation(amount=2500)
    bodies = [
        stripe_event("checkout.session.completed", session(donation), event_id="evt_race"),
        stripe_event("invoice.paid", invoice("sub_race"), event_id="evt_race_inv"),
        stripe_event("invoice.payment_succeeded", invoice("sub_race"), event_id="evt_race_ps"),
    ]
    start = threading.Barrier(9)
    answered: list[int] = []
    to_retry: list[str] = []
    errors: list[BaseException] = []

    def post(body: str) -> None:
        try:
            start.wait()
            answered.append(deliver(Client(), body).status_code)
        except OperationalError:
            to_retry.append(body)
        except BaseException as error:  # surfaced in the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(body,)) for body in bodies for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors, errors
    assert set(answered) <= {200}
    assert len(answered) + len(to_retry) == 9
    if connection.vendor == "postgresql":  # row locks, no table lock: all answered at once
        assert not to_retry
    for body in to_retry:
        assert deliver(Client(), body).status_code == 200
    assert ProviderEvent.objects.filter(provider="stripe").count() == 3
    donation.refresh_from_db()
    assert donation.status == DonationStatus.COMPLETED
    assert Donation.objects.filter(membership=membership).count() == 1
    assert Membership.objects.get(pk=membership.pk).status == MembershipStatus.ACTIVE
