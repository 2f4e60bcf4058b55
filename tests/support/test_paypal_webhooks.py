"""PayPal webhooks posted to /support/webhooks/paypal/, verified through PayPal's
verification call (answered by respx), and what they change."""

import json
import threading

import httpx
import pytest
from django.db import OperationalError, connection
from django.test import Client

from masthead.support import services
from masthead.support.models import (
    Donation,
    DonationStatus,
    Frequency,
    Membership,
    MembershipStatus,
    ProviderEvent,
)
from masthead.support.providers import get

from .conftest import make_donation, make_membership
from .test_paypal_fakes import (
    API,
    SIGNATURE_HEADERS,
    WEBHOOK_ID,
    capture,
    captured_order,
    network_down,
    raw,
    refund,
    sale,
    subscription,
    verified,
    webhook,
)
from .test_paypal_fakes import paypal as paypal  # noqa: F401  (the fixture)

URL = "/support/webhooks/paypal/"


def deliver(client, body, headers=SIGNATURE_HEADERS):
    content = body if isinstance(body, bytes) else raw(body)
    return client.post(
        URL,
        data=content,
        content_type="application/json",
        headers=headers,
    )


def pending(amount=1250, currency="USD", **fields):
    fields.setdefault("provider_reference", "5O190127TN364715T")
    return make_donation(
        amount=amount, currency=currency, provider="paypal", status=DonationStatus.PENDING, **fields
    )


@pytest.fixture
def ready(paypal, support_settings):
    return paypal


def test_a_verified_capture_completes_the_donation(client, ready):
    verify = verified(ready)
    donation = pending()
    body = webhook("PAYMENT.CAPTURE.COMPLETED", capture(donation))

    response = deliver(client, body)

    assert response.status_code == 200
    donation.refresh_from_db()
    assert donation.status == DonationStatus.COMPLETED
    assert donation.provider_payment_id == "3C679366HH908993F"
    record = ProviderEvent.objects.get(provider="paypal")
    assert record.event_id == body["id"]
    assert record.outcome == "completed"

    sent = verify.calls.last.request
    assert sent.headers["Authorization"] == "Bearer A21AAFake-token"
    verification = json.loads(sent.content)
    assert verification["webhook_id"] == WEBHOOK_ID
    assert verification["auth_algo"] == SIGNATURE_HEADERS["PAYPAL-AUTH-ALGO"]
    assert verification["cert_url"] == SIGNATURE_HEADERS["PAYPAL-CERT-URL"]
    assert verification["transmission_id"] == SIGNATURE_HEADERS["PAYPAL-TRANSMISSION-ID"]
    assert verification["transmission_sig"] == SIGNATURE_HEADERS["PAYPAL-TRANSMISSION-SIG"]
    assert verification["transmission_time"] == SIGNATURE_HEADERS["PAYPAL-TRANSMISSION-TIME"]
    assert verification["webhook_event"] == body
    # The event goes back byte for byte, not re-serialised.
    assert raw(body) in sent.content


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, json={"verification_status": "FAILURE"}),
        httpx.Response(200, json={"something": "else"}),
        httpx.Response(500, text="Internal Server Error"),
        httpx.Response(400, json={"name": "VALIDATION_ERROR"}),
        network_down,
    ],
)
def test_an_unverified_webhook_is_refused_and_changes_nothing(client, ready, answer):
    verify = ready.post("/v1/notifications/verify-webhook-signature").mock(side_effect=[answer])
    donation = pending()

    response = deliver(client, webhook("PAYMENT.CAPTURE.COMPLETED", capture(donation)))

    assert response.status_code == 400
    assert verify.called
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING
    assert not ProviderEvent.objects.exists()


def test_missing_signature_headers_are_refused_without_asking_paypal(client, ready):
    verify = verified(ready)
    donation = pending()
    for header in SIGNATURE_HEADERS:
        partial = {k: v for k, v in SIGNATURE_HEADERS.items() if k != header}
        response = deliver(client, webhook("PAYMENT.CAPTURE.COMPLETED", capture(donation)), partial)
        assert response.status_code == 400
    assert not verify.called
    assert not ready["token"].called
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING


@pytest.mark.parametrize(
    "body", [b"not json", b"[]", b'{"id": "WH-1", "event_type": "X"}', b'{"resource": {}}']
)
def test_a_body_that_is_not_a_paypal_event_is_refused(client, ready, body):
    verify = verified(ready)
    assert deliver(client, body).status_code == 400
    assert not verify.called


def test_not_configured_means_not_found(client, ready, settings):
    settings.PAYPAL_WEBHOOK_ID = ""
    verify = verified(ready)
    donation = pending()
    response = deliver(client, webhook("PAYMENT.CAPTURE.COMPLETED", capture(donation)))
    assert response.status_code in (400, 404)
    assert not verify.called


def test_a_replayed_webhook_changes_things_once(
    client, ready, django_capture_on_commit_callbacks, smtp_server
):
    verified(ready)
    donation = pending()
    body = webhook("PAYMENT.CAPTURE.COMPLETED", capture(donation))
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, body).status_code == 200
        assert deliver(client, body).status_code == 200
    donation.refresh_from_db()
    assert donation.status == DonationStatus.COMPLETED
    assert ProviderEvent.objects.filter(provider="paypal").count() == 1
    assert len(smtp_server.to("reader@example.com")) == 1  # one receipt


def test_capture_call_and_webhook_complete_once(
    client, ready, django_capture_on_commit_callbacks, smtp_server
):
    verified(ready)
    donation = pending()
    ready.post("/v2/checkout/orders/5O190127TN364715T/capture").respond(
        201, json=captured_order(donation)
    )
    with django_capture_on_commit_callbacks(execute=True):
        for event in get("paypal").capture_order("5O190127TN364715T"):
            assert services.apply_event(event) == "completed"
        donation.refresh_from_db()
        completed_at = donation.completed_at
        assert (
            deliver(client, webhook("PAYMENT.CAPTURE.COMPLETED", capture(donation))).status_code
            == 200
        )
    donation.refresh_from_db()
    assert donation.status == DonationStatus.COMPLETED
    assert donation.completed_at == completed_at
    assert ProviderEvent.objects.get(event_id__startswith="WH-").outcome == "already completed"
    assert len(smtp_server.to("reader@example.com")) == 1  # one receipt


def test_a_capture_for_another_amount_does_not_complete(client, ready):
    verified(ready)
    donation = pending(amount=1250)
    tampered = capture(donation, amount={"currency_code": "USD", "value": "1.25"})
    assert deliver(client, webhook("PAYMENT.CAPTURE.COMPLETED", tampered)).status_code == 200
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING
    assert "mismatch" in ProviderEvent.objects.get().outcome


def test_a_zero_decimal_capture_completes(client, ready):
    verified(ready)
    donation = pending(amount=1250, currency="JPY")
    body = capture(donation)
    assert body["amount"] == {"currency_code": "JPY", "value": "1250"}
    assert deliver(client, webhook("PAYMENT.CAPTURE.COMPLETED", body)).status_code == 200
    donation.refresh_from_db()
    assert donation.status == DonationStatus.COMPLETED


@pytest.mark.parametrize("event_type", ["PAYMENT.CAPTURE.DENIED", "PAYMENT.CAPTURE.DECLINED"])
def test_a_denied_capture_fails_the_donation(client, ready, event_type):
    verified(ready)
    donation = pending()
    assert (
        deliver(client, webhook(event_type, capture(donation, status="DECLINED"))).status_code
        == 200
    )
    donation.refresh_from_db()
    assert donation.status == DonationStatus.FAILED
    assert donation.failure_reason


def test_a_refund_after_the_capture_refunds(client, ready):
    verified(ready)
    donation = pending()
    deliver(client, webhook("PAYMENT.CAPTURE.COMPLETED", capture(donation)))
    # A refund made in PayPal's dashboard: it names the capture, not our custom_id.
    lookup = ready.get("/v2/payments/captures/3C679366HH908993F").respond(
        200, json=capture(donation)
    )
    response = deliver(
        client, webhook("PAYMENT.CAPTURE.REFUNDED", refund(), event_id="WH-REFUND-1")
    )
    assert response.status_code == 200
    donation.refresh_from_db()
    assert donation.status == DonationStatus.REFUNDED
    assert donation.refunded_amount == 1250
    assert lookup.called


def test_a_partial_refund_counts_the_total_refunded(client, ready):
    verified(ready)
    donation = pending()
    deliver(client, webhook("PAYMENT.CAPTURE.COMPLETED", capture(donation)))
    ready.get("/v2/payments/captures/3C679366HH908993F").respond(200, json=capture(donation))
    deliver(
        client, webhook("PAYMENT.CAPTURE.REFUNDED", refund(value="2.00", total="2.00"), "WH-R1")
    )
    deliver(
        client, webhook("PAYMENT.CAPTURE.REFUNDED", refund(value="3.00", total="5.00"), "WH-R2")
    )
    donation.refresh_from_db()
    assert donation.refunded_amount == 500


def test_a_refund_before_the_completion_wins(
    client, ready, django_capture_on_commit_callbacks, smtp_server
):
    verified(ready)
    donation = pending()
    ready.get("/v2/payments/captures/3C679366HH908993F").respond(200, json=capture(donation))
    assert deliver(client, webhook("PAYMENT.CAPTURE.REFUNDED", refund(), "WH-R")).status_code == 200
    donation.refresh_from_db()
    assert donation.status == DonationStatus.REFUNDED

    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, webhook("PAYMENT.CAPTURE.COMPLETED", capture(donation), "WH-C"))
    donation.refresh_from_db()
    assert donation.status == DonationStatus.REFUNDED
    assert donation.completed_at is not None
    assert smtp_server.to("reader@example.com") == []  # no receipt for a refunded gift


def test_a_refund_whose_capture_cannot_be_looked_up_is_retried_later(client, ready):
    verified(ready)
    donation = pending()
    ready.get("/v2/payments/captures/3C679366HH908993F").respond(503)
    response = deliver(client, webhook("PAYMENT.CAPTURE.REFUNDED", refund(), "WH-R"))
    assert response.status_code == 400  # PayPal delivers it again later
    assert not ProviderEvent.objects.exists()
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING


def monthly_pending(subscription_id="I-BW452GLLEP1G", amount=1000):
    return make_donation(
        amount=amount,
        currency="USD",
        provider="paypal",
        frequency=Frequency.MONTHLY,
        provider_reference=subscription_id,
        email="member@example.com",
    )


def test_subscription_payments_start_then_renew_the_membership(client, ready):
    verified(ready)
    first = monthly_pending()
    sub = "I-BW452GLLEP1G"

    response = deliver(
        client, webhook("PAYMENT.SALE.COMPLETED", sale(sub, custom=str(first.public_id)), "WH-S1")
    )
    assert response.status_code == 200
    first.refresh_from_db()
    assert first.status == DonationStatus.COMPLETED
    assert first.provider_payment_id == "80021663DE681814L"
    membership = Membership.objects.get(provider="paypal")
    assert membership.provider_reference == sub
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.amount == 1000
    assert Donation.objects.count() == 1

    next_month = sale(sub, custom=str(first.public_id), sale_id="9T0916710M1105906")
    deliver(client, webhook("PAYMENT.SALE.COMPLETED", next_month, "WH-S2"))
    renewals = Donation.objects.exclude(pk=first.pk)
    assert renewals.count() == 1
    renewal = renewals.get()
    assert renewal.status == DonationStatus.COMPLETED
    assert renewal.membership == membership
    assert renewal.provider_payment_id == "9T0916710M1105906"
    first.refresh_from_db()
    assert first.provider_payment_id == "80021663DE681814L"

    # The same renewal delivered again changes nothing.
    deliver(client, webhook("PAYMENT.SALE.COMPLETED", next_month, "WH-S2"))
    assert Donation.objects.count() == 2


def test_a_first_payment_without_custom_id_finds_the_donation_by_subscription(client, ready):
    verified(ready)
    first = monthly_pending()
    deliver(client, webhook("PAYMENT.SALE.COMPLETED", sale("I-BW452GLLEP1G"), "WH-S1"))
    first.refresh_from_db()
    assert first.status == DonationStatus.COMPLETED
    assert Membership.objects.get().status == MembershipStatus.ACTIVE


def test_cancellation_then_a_late_renewal(client, ready):
    verified(ready)
    membership = make_membership(provider="paypal", provider_reference="I-CANCEL1", amount=1000)
    response = deliver(
        client,
        webhook(
            "BILLING.SUBSCRIPTION.CANCELLED", subscription("I-CANCEL1", status="CANCELLED"), "WH-X"
        ),
    )
    assert response.status_code == 200
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.CANCELED
    assert membership.canceled_at is not None

    deliver(client, webhook("PAYMENT.SALE.COMPLETED", sale("I-CANCEL1", sale_id="LATE1"), "WH-L"))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.CANCELED
    late = Donation.objects.get(provider_payment_id="LATE1")
    assert late.status == DonationStatus.COMPLETED
    assert late.membership == membership


def test_an_expired_subscription_is_canceled(client, ready):
    verified(ready)
    membership = make_membership(provider="paypal", provider_reference="I-EXP", amount=1000)
    deliver(
        client, webhook("BILLING.SUBSCRIPTION.EXPIRED", subscription("I-EXP", status="EXPIRED"))
    )
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.CANCELED


def test_a_failed_subscription_payment_makes_it_past_due(client, ready):
    verified(ready)
    membership = make_membership(provider="paypal", provider_reference="I-FAIL", amount=1000)
    deliver(client, webhook("BILLING.SUBSCRIPTION.PAYMENT.FAILED", subscription("I-FAIL")))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PAST_DUE


def test_an_updated_subscription_takes_the_plan_price(client, ready):
    verified(ready)
    plan = ready.get("/v1/billing/plans/P-NEWPLAN").respond(
        200,
        json={
            "id": "P-NEWPLAN",
            "billing_cycles": [
                {
                    "tenure_type": "REGULAR",
                    "pricing_scheme": {"fixed_price": {"value": "25.00", "currency_code": "USD"}},
                }
            ],
        },
    )
    membership = make_membership(provider="paypal", provider_reference="I-UPD", amount=1000)
    body = subscription("I-UPD", plan_id="P-NEWPLAN")
    deliver(client, webhook("BILLING.SUBSCRIPTION.UPDATED", body, "WH-U1"))
    membership.refresh_from_db()
    assert membership.amount == 2500
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.current_period_end.isoformat().startswith("2026-12-26")

    deliver(client, webhook("BILLING.SUBSCRIPTION.UPDATED", body, "WH-U2"))
    assert plan.call_count == 1  # the plan's price is remembered


def test_an_unknown_event_type_is_acknowledged_and_ignored(client, ready):
    verified(ready)
    donation = pending()
    body = webhook("CHECKOUT.ORDER.APPROVED", {"id": "5O190127TN364715T", "status": "APPROVED"})
    assert deliver(client, body).status_code == 200
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING
    assert ProviderEvent.objects.get().outcome == "ignored"


def test_the_webhook_needs_post(client, ready):
    verify = verified(ready)
    assert client.get(URL).status_code == 405
    assert not verify.called
    assert API.startswith("https://")


def test_a_refunded_subscription_payment_refunds_that_month(client, ready):
    verified(ready)
    first = monthly_pending()
    deliver(client, webhook("PAYMENT.SALE.COMPLETED", sale("I-BW452GLLEP1G"), "WH-S1"))
    sale_refund = {
        "id": "4CF18861HF410323U",
        "state": "completed",
        "amount": {"total": "10.00", "currency": "USD"},
        "sale_id": "80021663DE681814L",
        "create_time": "2026-11-27T10:00:00Z",
    }
    deliver(client, webhook("PAYMENT.SALE.REFUNDED", sale_refund, "WH-SR"))
    first.refresh_from_db()
    assert first.status == DonationStatus.REFUNDED
    assert first.refunded_amount == 1000


def test_a_reversed_capture_counts_as_refunded(client, ready):
    verified(ready)
    donation = pending()
    deliver(client, webhook("PAYMENT.CAPTURE.COMPLETED", capture(donation)))
    reversal = refund()
    reversal["custom_id"] = str(donation.public_id)
    lookup = ready.get("/v2/payments/captures/3C679366HH908993F").respond(500)
    deliver(client, webhook("PAYMENT.CAPTURE.REVERSED", reversal, "WH-REV"))
    donation.refresh_from_db()
    assert donation.status == DonationStatus.REFUNDED
    assert not lookup.called  # the custom_id was enough


@pytest.mark.django_db(transaction=True)
def test_webhook_and_capture_arriving_together_complete_once(paypal, support_settings):
    """Three copies of the webhook and three returns of the reader at once.  (SQLite's
    test database may refuse a writer on its table lock: that delivery fails like
    any 5xx and is retried, as PayPal and the reader's reload would.)"""
    verified(paypal)
    donation = pending()
    paypal.post("/v2/checkout/orders/5O190127TN364715T/capture").respond(
        201, json=captured_order(donation)
    )
    body = raw(webhook("PAYMENT.CAPTURE.COMPLETED", capture(donation)))
    start = threading.Barrier(6)
    outcomes: list[str] = []
    to_retry: list[str] = []
    errors: list[BaseException] = []

    def deliver_webhook():
        status = deliver(Client(), body).status_code
        assert status == 200, status
        outcomes.append("webhook")

    def come_back():
        fresh = Donation.objects.get(pk=donation.pk)
        outcomes.append(get("paypal").confirm_return(fresh, "5O190127TN364715T"))

    def run(job) -> None:
        try:
            start.wait()
            job()
        except OperationalError:
            to_retry.append(job.__name__)
        except BaseException as error:  # surfaced in the main thread
            errors.append(error)
        finally:
            connection.close()

    jobs = [deliver_webhook] * 3 + [come_back] * 3
    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors, errors
    assert len(outcomes) + len(to_retry) == 6
    if connection.vendor == "postgresql":
        assert not to_retry
    for name in to_retry:
        {"deliver_webhook": deliver_webhook, "come_back": come_back}[name]()
    # The reader reloads once more: on SQLite a return whose write met the table lock
    # may have answered "still confirming" without storing its capture.  A reload after
    # completion must change nothing but record that capture once.
    get("paypal").confirm_return(Donation.objects.get(pk=donation.pk), "5O190127TN364715T")
    donation.refresh_from_db()
    assert donation.status == DonationStatus.COMPLETED
    assert donation.provider_payment_id == "3C679366HH908993F"
    # One webhook event and one capture event, each stored once.
    assert sorted(ProviderEvent.objects.values_list("event_id", flat=True)) == [
        "WH-58D329510W468432D-8HN650336L201105X",
        "capture-3C679366HH908993F",
    ]
    assert outcomes.count("completed") <= 1
