"""Stripe Checkout Sessions and membership changes, with the official library talking
to a local stub of Stripe's API (tests/support/stripe_stub.py)."""

import pytest

from masthead.support.models import Frequency, MembershipStatus
from masthead.support.providers import configured, get
from masthead.support.providers.base import ProviderError
from tests.support.conftest import make_donation, make_membership
from tests.support.stripe_stub import SECRET_KEY, stripe_stub_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

SUCCESS = "https://news.example/support/thanks/abc/"
CANCEL = "https://news.example/support/"


def start(donation):
    return get("stripe").start_checkout(donation, success_url=SUCCESS, cancel_url=CANCEL)


def test_configured_only_with_both_secrets(settings):
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert not get("stripe").is_configured()
    assert "stripe" not in [p.name for p in configured()]
    settings.STRIPE_WEBHOOK_SECRET = "whsec_x"
    assert get("stripe").is_configured()
    assert "stripe" in [p.name for p in configured()]
    settings.STRIPE_SECRET_KEY = ""
    assert not get("stripe").is_configured()


def test_one_time_checkout_sends_the_donation(stripe_stub, support_settings):
    donation = make_donation(
        amount=2550, currency="EUR", provider="stripe", email="ada@example.com"
    )
    checkout = start(donation)

    [sent] = stripe_stub.sent("POST", "/v1/checkout/sessions")
    form = sent.form
    assert sent.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent.headers.get("Idempotency-Key")  # the library makes retries safe
    assert form["mode"] == "payment"
    assert form["line_items[0][price_data][unit_amount]"] == "2550"
    assert form["line_items[0][price_data][currency]"] == "eur"
    assert form["line_items[0][price_data][product_data][name]"].startswith("Donation to ")
    assert form["line_items[0][quantity]"] == "1"
    assert "line_items[0][price_data][recurring][interval]" not in form
    assert form["client_reference_id"] == str(donation.public_id)
    assert form["metadata[donation]"] == str(donation.public_id)
    assert form["payment_intent_data[metadata][donation]"] == str(donation.public_id)
    assert "subscription_data[metadata][donation]" not in form
    assert form["submit_type"] == "donate"
    assert form["customer_email"] == "ada@example.com"
    assert form["success_url"] == SUCCESS
    assert form["cancel_url"] == CANCEL

    assert checkout.provider_reference.startswith("cs_test_")
    assert checkout.redirect_url == (
        f"https://checkout.stripe.com/c/pay/{checkout.provider_reference}"
    )


def test_product_name_is_the_publications(stripe_stub, support_settings):
    from masthead.newsroom.models import PublicationSettings
    from tests.newsroom.factories import default_site

    publication = PublicationSettings.for_site(default_site())
    publication.name = "The Daily Lantern"
    publication.save()
    start(make_donation(provider="stripe"))
    [sent] = stripe_stub.sent("POST", "/v1/checkout/sessions")
    assert sent.form["line_items[0][price_data][product_data][name]"] == (
        "Donation to The Daily Lantern"
    )


def test_zero_decimal_currency_sends_the_whole_amount(stripe_stub, support_settings):
    # ¥1,500 is 1500 in JPY's minor unit (it has none): not 150000.
    start(make_donation(amount=1500, currency="JPY", provider="stripe"))
    [sent] = stripe_stub.sent("POST", "/v1/checkout/sessions")
    assert sent.form["line_items[0][price_data][unit_amount]"] == "1500"
    assert sent.form["line_items[0][price_data][currency]"] == "jpy"


def test_monthly_checkout_is_a_subscription(stripe_stub, support_settings):
    donation = make_donation(amount=1000, provider="stripe", frequency=Frequency.MONTHLY)
    start(donation)
    [sent] = stripe_stub.sent("POST", "/v1/checkout/sessions")
    form = sent.form
    assert form["mode"] == "subscription"
    assert form["line_items[0][price_data][recurring][interval]"] == "month"
    assert form["line_items[0][price_data][unit_amount]"] == "1000"
    assert form["line_items[0][price_data][currency]"] == "usd"
    assert form["subscription_data[metadata][donation]"] == str(donation.public_id)
    assert form["client_reference_id"] == str(donation.public_id)
    assert "payment_intent_data[metadata][donation]" not in form
    assert "submit_type" not in form  # Stripe allows it only for one-time payments


def test_stripe_error_becomes_a_reader_message(stripe_stub, support_settings, caplog):
    stripe_stub.answer(
        "POST",
        "/v1/checkout/sessions",
        400,
        {
            "error": {
                "type": "invalid_request_error",
                "code": "parameter_invalid_integer",
                "message": "Invalid integer: secret internal detail",
                "param": "line_items[0][price_data][unit_amount]",
            }
        },
    )
    with pytest.raises(ProviderError) as raised:
        start(make_donation(provider="stripe"))
    assert "try again" in str(raised.value)
    assert "secret internal detail" not in str(raised.value)
    assert "secret internal detail" in caplog.text  # the detail is logged for the team


def test_amount_below_stripe_minimum_says_so(stripe_stub, support_settings):
    stripe_stub.answer(
        "POST",
        "/v1/checkout/sessions",
        400,
        {
            "error": {
                "type": "invalid_request_error",
                "code": "amount_too_small",
                "message": "Amount must convert to at least 50 cents.",
            }
        },
    )
    with pytest.raises(ProviderError, match="below the smallest card payment"):
        start(make_donation(amount=10, provider="stripe"))


def test_bad_key_becomes_provider_error(stripe_stub, support_settings):
    stripe_stub.answer(
        "POST",
        "/v1/checkout/sessions",
        401,
        {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}},
    )
    with pytest.raises(ProviderError) as raised:
        start(make_donation(provider="stripe"))
    assert "API Key" not in str(raised.value)


def test_unreachable_stripe_becomes_provider_error(settings, support_settings):
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = "whsec_x"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # discard port: connection refused
    with pytest.raises(ProviderError, match="try again"):
        start(make_donation(provider="stripe"))


SUBSCRIPTION = {
    "id": "sub_123",
    "object": "subscription",
    "status": "active",
    "currency": "usd",
    "items": {
        "object": "list",
        "data": [
            {
                "id": "si_abc",
                "object": "subscription_item",
                "quantity": 1,
                "price": {
                    "id": "price_1",
                    "object": "price",
                    "currency": "usd",
                    "unit_amount": 1000,
                    "product": "prod_donation",
                    "recurring": {"interval": "month"},
                },
            }
        ],
    },
}


def test_change_amount_replaces_the_item_price_without_proration(stripe_stub, support_settings):
    stripe_stub.answer("GET", "/v1/subscriptions/sub_123", 200, SUBSCRIPTION)
    stripe_stub.answer("POST", "/v1/subscriptions/sub_123", 200, SUBSCRIPTION)
    membership = make_membership(provider="stripe", provider_reference="sub_123")
    get("stripe").change_membership_amount(membership, 2500)

    [update] = stripe_stub.sent("POST", "/v1/subscriptions/sub_123")
    form = update.form
    assert form["items[0][id]"] == "si_abc"
    assert form["items[0][price_data][unit_amount]"] == "2500"
    assert form["items[0][price_data][currency]"] == "usd"
    assert form["items[0][price_data][product]"] == "prod_donation"
    assert form["items[0][price_data][recurring][interval]"] == "month"
    assert form["proration_behavior"] == "none"


def test_change_amount_error_becomes_provider_error(stripe_stub, support_settings):
    stripe_stub.answer(
        "GET",
        "/v1/subscriptions/sub_gone",
        404,
        {"error": {"type": "invalid_request_error", "message": "No such subscription"}},
    )
    membership = make_membership(provider="stripe", provider_reference="sub_gone")
    with pytest.raises(ProviderError):
        get("stripe").change_membership_amount(membership, 2500)
    assert stripe_stub.sent("POST", "/v1/subscriptions/sub_gone") == []


def test_cancel_deletes_the_subscription(stripe_stub, support_settings):
    stripe_stub.answer(
        "DELETE", "/v1/subscriptions/sub_123", 200, {**SUBSCRIPTION, "status": "canceled"}
    )
    membership = make_membership(provider="stripe", provider_reference="sub_123")
    get("stripe").cancel_membership(membership)
    assert len(stripe_stub.sent("DELETE", "/v1/subscriptions/sub_123")) == 1
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE  # only the webhook changes state


def test_cancel_of_a_subscription_stripe_no_longer_has_is_quiet(stripe_stub, support_settings):
    stripe_stub.answer(
        "DELETE",
        "/v1/subscriptions/sub_old",
        404,
        {"error": {"type": "invalid_request_error", "message": "No such subscription: 'sub_old'"}},
    )
    membership = make_membership(provider="stripe", provider_reference="sub_old")
    get("stripe").cancel_membership(membership)
    assert len(stripe_stub.sent("DELETE", "/v1/subscriptions/sub_old")) == 1


def test_cancel_refused_becomes_provider_error(stripe_stub, support_settings):
    stripe_stub.answer(
        "DELETE",
        "/v1/subscriptions/sub_123",
        402,
        {"error": {"type": "card_error", "message": "Something odd"}},
    )
    membership = make_membership(provider="stripe", provider_reference="sub_123")
    with pytest.raises(ProviderError):
        get("stripe").cancel_membership(membership)
