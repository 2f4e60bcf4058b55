"""A reader gives through PayPal from the donate form to the completed donation:
the checkout view, PayPal's API (respx), the return, and the webhook."""

import json

import pytest

from masthead.support.models import Donation, DonationStatus, Membership, MembershipStatus

from .test_paypal_checkout import subscription_routes
from .test_paypal_fakes import (
    SIGNATURE_HEADERS,
    captured_order,
    order_created,
    raw,
    sale,
    verified,
    webhook,
)
from .test_paypal_fakes import paypal as paypal  # noqa: F401  (the fixture)


@pytest.fixture
def ready(paypal, support_settings, settings):
    settings.SUPPORT_OFFLINE_PROVIDER = False
    return paypal


def give(client, **fields):
    data = {
        "amount": "25",
        "currency": "USD",
        "frequency": "once",
        "provider": "paypal",
        "email": "Reader@Example.com ",
        **fields,
    }
    return client.post("/support/checkout/", data)


def test_a_one_time_gift_goes_to_paypal_and_is_completed_by_the_webhook(
    client, ready, django_capture_on_commit_callbacks, smtp_server
):
    orders = ready.post("/v2/checkout/orders").respond(201, json=order_created("ORDER-FLOW"))

    response = give(client)

    assert response.status_code == 303
    assert response["Location"] == "https://www.sandbox.paypal.com/checkoutnow?token=ORDER-FLOW"
    donation = Donation.objects.get()
    assert donation.status == DonationStatus.PENDING
    assert donation.provider == "paypal"
    assert donation.provider_reference == "ORDER-FLOW"
    body = json.loads(orders.calls.last.request.content)
    assert body["purchase_units"][0]["amount"] == {"currency_code": "USD", "value": "25.00"}
    context = body["payment_source"]["paypal"]["experience_context"]
    assert context["return_url"].endswith(f"/support/thanks/{donation.public_id}/")

    # Coming back alone completes nothing without PayPal's word.
    thanks = client.get(f"/support/thanks/{donation.public_id}/")
    assert thanks.status_code == 200
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING

    verified(ready)
    order = captured_order(donation, order_id="ORDER-FLOW")
    resource = order["purchase_units"][0]["payments"]["captures"][0]
    resource["supplementary_data"] = {"related_ids": {"order_id": "ORDER-FLOW"}}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/support/webhooks/paypal/",
            data=raw(webhook("PAYMENT.CAPTURE.COMPLETED", resource)),
            content_type="application/json",
            headers=SIGNATURE_HEADERS,
        )
    assert response.status_code == 200
    donation.refresh_from_db()
    assert donation.status == DonationStatus.COMPLETED
    assert len(smtp_server.to("reader@example.com")) == 1


def test_paypal_down_at_checkout_leaves_a_failed_donation_and_an_error(client, ready):
    ready.post("/v2/checkout/orders").respond(503)
    response = give(client)
    assert response.status_code == 502
    assert "PayPal" in response.content.decode()
    assert Donation.objects.get().status == DonationStatus.FAILED


def test_a_monthly_gift_subscribes_and_the_first_payment_starts_the_membership(client, ready):
    subscription_routes(ready)
    response = give(client, frequency="monthly", amount="10")
    assert response.status_code == 303
    assert response["Location"].endswith("ba_token=BA-I-BW452GLLEP1G")
    donation = Donation.objects.get()
    assert donation.provider_reference == "I-BW452GLLEP1G"

    verified(ready)
    response = client.post(
        "/support/webhooks/paypal/",
        data=raw(
            webhook("PAYMENT.SALE.COMPLETED", sale("I-BW452GLLEP1G", str(donation.public_id)))
        ),
        content_type="application/json",
        headers=SIGNATURE_HEADERS,
    )
    assert response.status_code == 200
    donation.refresh_from_db()
    assert donation.status == DonationStatus.COMPLETED
    membership = Membership.objects.get()
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.provider_reference == "I-BW452GLLEP1G"
    assert membership.email == "reader@example.com"


def test_coming_back_from_paypal_captures_the_order_and_completes_the_gift(
    client, ready, django_capture_on_commit_callbacks, smtp_server
):
    ready.post("/v2/checkout/orders").respond(201, json=order_created("ORDER-BACK"))
    give(client)
    donation = Donation.objects.get()
    capture = ready.post("/v2/checkout/orders/ORDER-BACK/capture").respond(
        201, json=captured_order(donation, order_id="ORDER-BACK")
    )

    # Someone else's order id in the return URL captures nothing.
    client.get(f"/support/thanks/{donation.public_id}/?token=ORDER-OTHER&PayerID=P1")
    assert not capture.called
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(f"/support/thanks/{donation.public_id}/?token=ORDER-BACK&PayerID=P1")
    assert page.status_code == 200
    assert capture.call_count == 1
    donation.refresh_from_db()
    assert donation.status == DonationStatus.COMPLETED
    assert len(smtp_server.to("reader@example.com")) == 1


def test_a_paypal_amount_change_waits_for_the_readers_approval_at_paypal(client, ready):
    from masthead.support.tokens import membership_token

    from .conftest import make_membership

    subscription_routes(ready)
    approve = "https://www.sandbox.paypal.com/webapps/billing/subscriptions/update?ba_token=BA-9"
    revise = ready.post("/v1/billing/subscriptions/I-CHANGE/revise").respond(
        200, json={"plan_id": "P-PLAN1500", "links": [{"href": approve, "rel": "approve"}]}
    )
    membership = make_membership(provider="paypal", provider_reference="I-CHANGE", amount=1000)
    page = f"/support/membership/{membership_token(membership)}/"

    response = client.post(page, {"action": "change", "amount": "15"})

    assert response.status_code == 303
    assert response["Location"] == approve
    assert json.loads(revise.calls.last.request.content)["application_context"][
        "return_url"
    ].endswith(page)
    membership.refresh_from_db()
    assert membership.amount == 1000  # PayPal's update event records the new price
