"""PayPal checkout, capture and membership calls, with PayPal's API replaced by respx."""

import json

import httpx
import pytest

from masthead.support import services
from masthead.support.models import Donation, DonationStatus, Frequency, ProviderEvent
from masthead.support.providers import get
from masthead.support.providers.base import EventKind, ProviderError
from masthead.support.providers.paypal_provider import money_value

from .conftest import make_donation, make_membership
from .test_paypal_fakes import (
    API,
    captured_order,
    network_down,
    order_created,
)
from .test_paypal_fakes import paypal as paypal  # noqa: F401  (the fixture)

SUCCESS = "https://news.example/support/thanks/abc/"
CANCEL = "https://news.example/support/"


def created(amount=1250, currency="USD", frequency=Frequency.ONE_TIME, **fields):
    return make_donation(
        amount=amount,
        currency=currency,
        frequency=frequency,
        status=DonationStatus.CREATED,
        provider="paypal",
        provider_reference="",
        **fields,
    )


def test_configured_only_with_id_secret_and_webhook_id(settings):
    settings.PAYPAL_CLIENT_ID = "id"
    settings.PAYPAL_CLIENT_SECRET = "secret"
    settings.PAYPAL_WEBHOOK_ID = ""
    assert not get("paypal").is_configured()
    settings.PAYPAL_WEBHOOK_ID = "WH"
    assert get("paypal").is_configured()


@pytest.mark.parametrize(
    ("amount", "currency", "value"),
    [(1250, "USD", "12.50"), (1250, "JPY", "1250"), (500, "EUR", "5.00"), (1250, "BHD", "1.250")],
)
def test_money_value_has_the_currency_decimals(amount, currency, value):
    assert money_value(amount, currency) == value


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "currency", "value"), [(1250, "USD", "12.50"), (1250, "JPY", "1250")]
)
def test_one_time_checkout_creates_an_order(paypal, amount, currency, value):
    route = paypal.post("/v2/checkout/orders").respond(201, json=order_created("ORDER-1"))
    donation = created(amount=amount, currency=currency)

    checkout = get("paypal").start_checkout(donation, success_url=SUCCESS, cancel_url=CANCEL)

    assert checkout.provider_reference == "ORDER-1"
    assert checkout.redirect_url == "https://www.sandbox.paypal.com/checkoutnow?token=ORDER-1"
    request = route.calls.last.request
    assert request.headers["PayPal-Request-Id"] == str(donation.public_id)
    assert request.headers["Authorization"] == "Bearer A21AAFake-token"
    body = json.loads(request.content)
    assert body["intent"] == "CAPTURE"
    unit = body["purchase_units"][0]
    assert unit["amount"] == {"currency_code": currency, "value": value}
    assert unit["custom_id"] == str(donation.public_id)
    assert unit["description"]
    context = body["payment_source"]["paypal"]["experience_context"]
    assert context["return_url"] == SUCCESS
    assert context["cancel_url"] == CANCEL


@pytest.mark.django_db
def test_the_token_is_fetched_once_for_several_checkouts(paypal):
    paypal.post("/v2/checkout/orders").respond(201, json=order_created())
    provider = get("paypal")
    provider.start_checkout(created(), success_url=SUCCESS, cancel_url=CANCEL)
    provider.start_checkout(created(), success_url=SUCCESS, cancel_url=CANCEL)

    assert paypal["token"].call_count == 1
    token_request = paypal["token"].calls.last.request
    assert token_request.headers["Authorization"].startswith("Basic ")
    assert token_request.content == b"grant_type=client_credentials"


@pytest.mark.django_db
def test_a_token_about_to_expire_is_not_kept(paypal):
    paypal["token"].respond(200, json={"access_token": "short", "expires_in": 60})
    paypal.post("/v2/checkout/orders").respond(201, json=order_created())
    provider = get("paypal")
    provider.start_checkout(created(), success_url=SUCCESS, cancel_url=CANCEL)
    provider.start_checkout(created(), success_url=SUCCESS, cancel_url=CANCEL)

    assert paypal["token"].call_count == 2


@pytest.mark.django_db
def test_a_revoked_token_is_replaced_once(paypal):
    orders = paypal.post("/v2/checkout/orders")
    orders.side_effect = [
        httpx.Response(401, json={"error": "invalid_token"}),
        httpx.Response(201, json=order_created("ORDER-2")),
    ]
    checkout = get("paypal").start_checkout(created(), success_url=SUCCESS, cancel_url=CANCEL)

    assert checkout.provider_reference == "ORDER-2"
    assert paypal["token"].call_count == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(422, json={"name": "UNPROCESSABLE_ENTITY"}),
        httpx.Response(500, text="oops"),
        httpx.Response(201, json={"id": "ORDER-3", "links": []}),  # nowhere to send the reader
        network_down,
    ],
)
def test_a_failed_order_creation_is_a_provider_error(paypal, answer):
    paypal.post("/v2/checkout/orders").mock(side_effect=[answer])
    with pytest.raises(ProviderError):
        get("paypal").start_checkout(created(), success_url=SUCCESS, cancel_url=CANCEL)


@pytest.mark.django_db
def test_refused_credentials_are_a_provider_error(paypal):
    paypal["token"].respond(401, json={"error": "invalid_client"})
    orders = paypal.post("/v2/checkout/orders").respond(201, json=order_created())
    with pytest.raises(ProviderError):
        get("paypal").start_checkout(created(), success_url=SUCCESS, cancel_url=CANCEL)
    assert not orders.called


def subscription_routes(paypal):
    products = paypal.post("/v1/catalogs/products").respond(
        201, json={"id": "PROD-XXCD1234QWER65782", "name": "Support Masthead"}
    )
    plan_ids = iter(["P-PLAN1000", "P-PLAN2500"])

    def plan(request):
        return httpx.Response(201, json={"id": next(plan_ids), "status": "ACTIVE"})

    plans = paypal.post("/v1/billing/plans").mock(side_effect=plan)
    subscriptions = paypal.post("/v1/billing/subscriptions")
    subscription_ids = iter(["I-BW452GLLEP1G", "I-SECOND", "I-THIRD"])

    def subscribe(request):
        sub_id = next(subscription_ids)
        return httpx.Response(
            201,
            json={
                "id": sub_id,
                "status": "APPROVAL_PENDING",
                "links": [
                    {
                        "href": f"https://www.sandbox.paypal.com/webapps/billing/subscriptions?ba_token=BA-{sub_id}",
                        "rel": "approve",
                        "method": "GET",
                    },
                    {"href": f"{API}/v1/billing/subscriptions/{sub_id}", "rel": "self"},
                ],
            },
        )

    subscriptions.mock(side_effect=subscribe)
    return products, plans, subscriptions


@pytest.mark.django_db
def test_monthly_checkout_creates_product_and_plan_once_per_amount(paypal):
    products, plans, subscriptions = subscription_routes(paypal)
    provider = get("paypal")

    first = created(amount=1000, frequency=Frequency.MONTHLY, email="member@example.com")
    checkout = provider.start_checkout(first, success_url=SUCCESS, cancel_url=CANCEL)
    provider.start_checkout(
        created(amount=1000, frequency=Frequency.MONTHLY), success_url=SUCCESS, cancel_url=CANCEL
    )
    provider.start_checkout(
        created(amount=2500, frequency=Frequency.MONTHLY), success_url=SUCCESS, cancel_url=CANCEL
    )

    assert checkout.provider_reference == "I-BW452GLLEP1G"
    assert checkout.redirect_url.endswith("ba_token=BA-I-BW452GLLEP1G")
    assert products.call_count == 1
    assert plans.call_count == 2  # 10.00 USD and 25.00 USD
    plan_body = json.loads(plans.calls[0].request.content)
    assert plan_body["product_id"] == "PROD-XXCD1234QWER65782"
    cycle = plan_body["billing_cycles"][0]
    assert cycle["frequency"] == {"interval_unit": "MONTH", "interval_count": 1}
    assert cycle["total_cycles"] == 0
    assert cycle["pricing_scheme"]["fixed_price"] == {"value": "10.00", "currency_code": "USD"}
    assert json.loads(plans.calls[1].request.content)["billing_cycles"][0]["pricing_scheme"][
        "fixed_price"
    ] == {"value": "25.00", "currency_code": "USD"}

    body = json.loads(subscriptions.calls[0].request.content)
    assert body["plan_id"] == "P-PLAN1000"
    assert body["custom_id"] == str(first.public_id)
    assert body["subscriber"] == {"email_address": "member@example.com"}
    assert body["application_context"]["return_url"] == SUCCESS
    assert body["application_context"]["cancel_url"] == CANCEL
    assert json.loads(subscriptions.calls[1].request.content)["plan_id"] == "P-PLAN1000"
    assert json.loads(subscriptions.calls[2].request.content)["plan_id"] == "P-PLAN2500"
    assert subscriptions.calls[0].request.headers["PayPal-Request-Id"] == str(first.public_id)
    assert paypal["token"].call_count == 1


@pytest.mark.django_db
def test_capture_completes_the_donation_once(paypal, support_settings):
    donation = created()
    services.mark_pending(donation, "5O190127TN364715T")
    route = paypal.post("/v2/checkout/orders/5O190127TN364715T/capture").respond(
        201, json=captured_order(donation)
    )
    provider = get("paypal")

    events = provider.capture_order("5O190127TN364715T")

    assert [e.kind for e in events] == [EventKind.PAYMENT_COMPLETED]
    assert events[0].event_id == "capture-3C679366HH908993F"
    assert events[0].amount == 1250 and events[0].currency == "USD"
    assert route.calls.last.request.headers["PayPal-Request-Id"] == "capture-5O190127TN364715T"
    assert services.apply_event(events[0]) == "completed"
    donation.refresh_from_db()
    assert donation.status == DonationStatus.COMPLETED
    assert donation.provider_payment_id == "3C679366HH908993F"
    completed_at = donation.completed_at

    # The reader reloads the thank-you page: PayPal says the order was captured already.
    route.respond(
        422, json={"name": "UNPROCESSABLE_ENTITY", "details": [{"issue": "ORDER_ALREADY_CAPTURED"}]}
    )
    paypal.get("/v2/checkout/orders/5O190127TN364715T").respond(200, json=captured_order(donation))
    again = provider.capture_order("5O190127TN364715T")
    assert again[0].event_id == events[0].event_id
    assert services.apply_event(again[0]) == "duplicate"
    donation.refresh_from_db()
    assert donation.completed_at == completed_at
    assert ProviderEvent.objects.filter(provider="paypal").count() == 1


@pytest.mark.django_db
def test_a_pending_capture_completes_nothing(paypal, support_settings):
    donation = created()
    order = captured_order(donation)
    order["purchase_units"][0]["payments"]["captures"][0]["status"] = "PENDING"
    paypal.post("/v2/checkout/orders/ORDER-P/capture").respond(201, json=order)
    assert get("paypal").capture_order("ORDER-P") == []


@pytest.mark.django_db
def test_a_declined_capture_fails_the_donation(paypal, support_settings):
    donation = created()
    services.mark_pending(donation, "ORDER-D")
    order = captured_order(donation, order_id="ORDER-D")
    order["purchase_units"][0]["payments"]["captures"][0]["status"] = "DECLINED"
    paypal.post("/v2/checkout/orders/ORDER-D/capture").respond(201, json=order)
    events = get("paypal").capture_order("ORDER-D")
    assert [e.kind for e in events] == [EventKind.PAYMENT_FAILED]
    services.apply_event(events[0])
    donation.refresh_from_db()
    assert donation.status == DonationStatus.FAILED


@pytest.mark.django_db
def test_capture_refused_or_unreachable_is_a_provider_error(paypal):
    route = paypal.post("/v2/checkout/orders/ORDER-X/capture")
    route.respond(422, json={"details": [{"issue": "INSTRUMENT_DECLINED"}]})
    with pytest.raises(ProviderError):
        get("paypal").capture_order("ORDER-X")
    route.mock(side_effect=network_down)
    with pytest.raises(ProviderError):
        get("paypal").capture_order("ORDER-X")
    with pytest.raises(ProviderError):
        get("paypal").capture_order("../v1/oauth2/token")


@pytest.mark.django_db
def test_cancel_membership_cancels_the_subscription(paypal):
    route = paypal.post("/v1/billing/subscriptions/I-BW452GLLEP1G/cancel").respond(204)
    membership = make_membership(provider="paypal", provider_reference="I-BW452GLLEP1G")
    get("paypal").cancel_membership(membership)
    assert route.call_count == 1
    assert json.loads(route.calls.last.request.content)["reason"]


@pytest.mark.django_db
def test_cancel_refused_is_a_provider_error(paypal):
    paypal.post("/v1/billing/subscriptions/I-GONE/cancel").respond(
        422, json={"details": [{"issue": "SUBSCRIPTION_STATUS_INVALID"}]}
    )
    membership = make_membership(provider="paypal", provider_reference="I-GONE")
    with pytest.raises(ProviderError):
        get("paypal").cancel_membership(membership)


@pytest.mark.django_db
def test_changing_the_amount_revises_the_plan_and_asks_the_reader(paypal):
    subscription_routes(paypal)
    revise = paypal.post("/v1/billing/subscriptions/I-BW452GLLEP1G/revise").respond(
        200,
        json={
            "plan_id": "P-PLAN1000",
            "links": [
                {
                    "href": "https://www.sandbox.paypal.com/webapps/billing/subscriptions/update?ba_token=BA-1",
                    "rel": "approve",
                }
            ],
        },
    )
    membership = make_membership(provider="paypal", provider_reference="I-BW452GLLEP1G", amount=500)

    approve = get("paypal").change_membership_amount(membership, 1000, return_url=SUCCESS)

    assert (
        approve
        == "https://www.sandbox.paypal.com/webapps/billing/subscriptions/update?ba_token=BA-1"
    )
    body = json.loads(revise.calls.last.request.content)
    assert body["plan_id"] == "P-PLAN1000"
    assert body["application_context"]["return_url"] == SUCCESS


@pytest.mark.django_db
def test_changing_the_amount_refused_is_a_provider_error(paypal):
    subscription_routes(paypal)
    paypal.post("/v1/billing/subscriptions/I-BW452GLLEP1G/revise").respond(500)
    membership = make_membership(provider="paypal", provider_reference="I-BW452GLLEP1G")
    with pytest.raises(ProviderError):
        get("paypal").change_membership_amount(membership, 1000)
    assert Donation.objects.count() == 0


@pytest.mark.django_db
def test_the_return_from_paypal_captures_this_donations_order(paypal, support_settings):
    donation = created()
    services.mark_pending(donation, "5O190127TN364715T")
    route = paypal.post("/v2/checkout/orders/5O190127TN364715T/capture").respond(
        201, json=captured_order(donation)
    )
    provider = get("paypal")

    assert provider.confirm_return(donation, "SOMEONE-ELSES-ORDER") == "not this donation's order"
    assert provider.confirm_return(donation, "") == "not this donation's order"
    assert not route.called

    assert provider.confirm_return(donation, "5O190127TN364715T") == "completed"
    assert donation.status == DonationStatus.COMPLETED
    assert provider.confirm_return(donation, "5O190127TN364715T") == "already completed"
    assert route.call_count == 1


@pytest.mark.django_db
def test_a_return_while_paypal_is_down_leaves_the_donation_pending(paypal, support_settings):
    donation = created()
    services.mark_pending(donation, "ORDER-DOWN")
    paypal.post("/v2/checkout/orders/ORDER-DOWN/capture").mock(side_effect=network_down)
    assert get("paypal").confirm_return(donation, "ORDER-DOWN") == "capture failed"
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING
    assert not ProviderEvent.objects.exists()


@pytest.mark.django_db
def test_the_return_does_nothing_for_monthly_or_other_providers(paypal, support_settings):
    monthly = created(frequency=Frequency.MONTHLY)
    services.mark_pending(monthly, "I-BW452GLLEP1G")
    assert get("paypal").confirm_return(monthly, "I-BW452GLLEP1G") == "not a PayPal order"
    offline = make_donation(provider="offline", provider_reference="ORDER-O")
    assert get("paypal").confirm_return(offline, "ORDER-O") == "not a PayPal order"
    assert not ProviderEvent.objects.exists()


@pytest.mark.django_db
def test_the_return_asks_nothing_of_paypal_when_it_is_not_configured(paypal, settings):
    donation = created()
    donation.provider_reference = "ORDER-NC"
    route = paypal.post("/v2/checkout/orders/ORDER-NC/capture").respond(201, json={})
    settings.PAYPAL_CLIENT_SECRET = ""
    assert get("paypal").confirm_return(donation, "ORDER-NC") == "PayPal is not configured"
    assert not route.called
