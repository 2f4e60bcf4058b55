"""A card donation end to end: the donate form, Stripe Checkout (the library talking to
a local stub), the thank-you page, the signed webhook, the receipt at a real SMTP server."""

from urllib.parse import urlsplit

import pytest

from masthead.support.models import Donation, DonationStatus, Frequency, MembershipStatus
from masthead.support.tokens import membership_url
from tests.support.conftest import make_membership
from tests.support.stripe_stub import sign, stripe_event, stripe_stub_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def checkout(client, **fields):
    data = {
        "amount": "25",
        "custom_amount": "",
        "currency": "USD",
        "frequency": "once",
        "provider": "stripe",
        "email": "giver@example.com",
        **fields,
    }
    return client.post("/support/checkout/", data)


def webhook(client, event_type, obj, **kwargs):
    body = stripe_event(event_type, obj, **kwargs)
    return client.post(
        "/support/webhooks/stripe/",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(body),
    )


def completed_session(donation, form):
    monthly = form["mode"] == "subscription"
    return {
        "id": donation.provider_reference,
        "object": "checkout.session",
        "mode": form["mode"],
        "client_reference_id": form["client_reference_id"],
        "metadata": {"donation": form["metadata[donation]"]},
        "amount_total": int(form["line_items[0][price_data][unit_amount]"]),
        "currency": form["line_items[0][price_data][currency]"],
        "payment_status": "paid",
        "status": "complete",
        "payment_intent": None if monthly else "pi_flow_1",
        "subscription": "sub_flow_1" if monthly else None,
        "invoice": "in_flow_1" if monthly else None,
        "customer_details": {"email": form["customer_email"]},
    }


def test_card_donation_from_form_to_receipt(
    client, support_settings, stripe_stub, smtp_server, django_capture_on_commit_callbacks, settings
):
    response = checkout(client)
    assert response.status_code == 303
    donation = Donation.objects.get()
    assert donation.provider == "stripe"
    assert donation.status == DonationStatus.PENDING
    assert donation.provider_reference.startswith("cs_test_")
    assert (
        response["Location"] == f"https://checkout.stripe.com/c/pay/{donation.provider_reference}"
    )

    [sent] = stripe_stub.sent("POST", "/v1/checkout/sessions")
    form = sent.form
    thanks = f"/support/thanks/{donation.public_id}/"
    assert form["success_url"] == settings.SITE_URL + thanks
    assert form["cancel_url"] == settings.SITE_URL + "/support/"
    assert form["line_items[0][price_data][unit_amount]"] == "2500"
    assert form["client_reference_id"] == str(donation.public_id)

    # Coming back from Stripe completes nothing: only the signed webhook does.
    assert client.get(urlsplit(form["success_url"]).path).status_code == 200
    assert client.get(thanks + "status.json").json()["status"] == "pending"

    with django_capture_on_commit_callbacks(execute=True):
        assert (
            webhook(
                client, "checkout.session.completed", completed_session(donation, form)
            ).status_code
            == 200
        )
    donation.refresh_from_db()
    assert donation.status == DonationStatus.COMPLETED
    assert donation.provider_payment_id == "pi_flow_1"
    assert client.get(thanks + "status.json").json()["status"] == "completed"

    mail = smtp_server.wait_for(1)[0]
    assert mail["To"] == "giver@example.com"
    assert "$25" in mail.text()


def test_monthly_card_support_starts_a_membership(
    client, support_settings, stripe_stub, django_capture_on_commit_callbacks
):
    assert checkout(client, frequency="monthly", amount="10").status_code == 303
    donation = Donation.objects.get()
    assert donation.frequency == Frequency.MONTHLY
    [sent] = stripe_stub.sent("POST", "/v1/checkout/sessions")
    assert sent.form["mode"] == "subscription"
    assert sent.form["line_items[0][price_data][recurring][interval]"] == "month"

    with django_capture_on_commit_callbacks(execute=False):
        webhook(client, "checkout.session.completed", completed_session(donation, sent.form))
    donation.refresh_from_db()
    assert donation.status == DonationStatus.COMPLETED
    assert donation.membership.provider_reference == "sub_flow_1"
    assert donation.membership.status == MembershipStatus.ACTIVE
    assert donation.membership.amount == 1000


def test_stripe_refusing_the_checkout_tells_the_reader(client, support_settings, stripe_stub):
    stripe_stub.answer(
        "POST",
        "/v1/checkout/sessions",
        400,
        {"error": {"type": "invalid_request_error", "message": "Internal detail xyz"}},
    )
    response = checkout(client)
    assert response.status_code == 502
    page = response.content.decode()
    assert "try again" in page
    assert "Internal detail xyz" not in page
    donation = Donation.objects.get()
    assert donation.status == DonationStatus.FAILED


def _membership_page(membership):
    return urlsplit(membership_url(membership)).path


def test_reader_cancels_card_membership_through_the_mail_link(
    client, support_settings, stripe_stub
):
    membership = make_membership(provider="stripe", provider_reference="sub_mail")
    stripe_stub.answer(
        "DELETE", "/v1/subscriptions/sub_mail", 200, {"id": "sub_mail", "object": "subscription"}
    )
    page = _membership_page(membership)
    assert client.get(page).status_code == 200
    assert stripe_stub.requests == []  # opening the link changes nothing

    response = client.post(page, {"action": "cancel"})
    assert response.status_code == 200
    assert len(stripe_stub.sent("DELETE", "/v1/subscriptions/sub_mail")) == 1
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.CANCELED


def test_reader_changes_card_membership_amount(client, support_settings, stripe_stub):
    membership = make_membership(provider="stripe", provider_reference="sub_amt", amount=1000)
    item = {
        "id": "si_amt",
        "object": "subscription_item",
        "price": {"id": "price_1", "currency": "usd", "unit_amount": 1000, "product": "prod_d"},
    }
    sub = {"id": "sub_amt", "object": "subscription", "items": {"object": "list", "data": [item]}}
    stripe_stub.answer("GET", "/v1/subscriptions/sub_amt", 200, sub)
    stripe_stub.answer("POST", "/v1/subscriptions/sub_amt", 200, sub)

    response = client.post(_membership_page(membership), {"action": "change", "amount": "15"})
    assert response.status_code == 200
    [update] = stripe_stub.sent("POST", "/v1/subscriptions/sub_amt")
    assert update.form["items[0][price_data][unit_amount]"] == "1500"
    assert update.form["proration_behavior"] == "none"
    membership.refresh_from_db()
    assert membership.amount == 1500


def test_stripe_refusing_a_cancel_leaves_the_membership_active(
    client, support_settings, stripe_stub
):
    membership = make_membership(provider="stripe", provider_reference="sub_no")
    stripe_stub.answer(
        "DELETE",
        "/v1/subscriptions/sub_no",
        402,
        {"error": {"type": "card_error", "message": "Internal detail"}},
    )
    response = client.post(_membership_page(membership), {"action": "cancel"})
    assert response.status_code == 502
    assert "Internal detail" not in response.content.decode()
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
