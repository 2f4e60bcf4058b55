"""PayPal's REST API answered at the transport layer (respx), with payloads shaped
like PayPal's own, for the PayPal provider tests."""

import json

import httpx
import pytest
import respx

API = "https://api-m.sandbox.paypal.test"
WEBHOOK_ID = "8PT597110X687430LKGECATA"
SIGNATURE_HEADERS = {
    "PAYPAL-AUTH-ALGO": "SHA256withRSA",
    "PAYPAL-CERT-URL": "https://api-m.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42",
    "PAYPAL-TRANSMISSION-ID": "69cd13f0-d67a-11e5-baa3-778b53f4ae55",
    "PAYPAL-TRANSMISSION-SIG": "lmI95Jx3Y9nhR5SJWlHVIWpg4AgFk7n9bCHSRxbrd8A9zrhdu2rMyFrmz+Zjh3s3",
    "PAYPAL-TRANSMISSION-TIME": "2026-11-26T20:00:00Z",
}


@pytest.fixture
def paypal(settings):
    """PayPal configured against a fake API; yields the respx router with the token
    route already answering."""
    settings.PAYPAL_CLIENT_ID = "client-id-test"
    settings.PAYPAL_CLIENT_SECRET = "client-secret-test"
    settings.PAYPAL_WEBHOOK_ID = WEBHOOK_ID
    settings.PAYPAL_API_BASE = API
    from django.core.cache import cache

    cache.clear()
    with respx.mock(base_url=API, assert_all_called=False) as router:
        router.post("/v1/oauth2/token", name="token").respond(
            200,
            json={
                "scope": "https://uri.paypal.com/services/payments/payment",
                "access_token": "A21AAFake-token",
                "token_type": "Bearer",
                "app_id": "APP-80W284485P519543T",
                "expires_in": 32400,
            },
        )
        yield router


def verified(router, status="SUCCESS"):
    return router.post("/v1/notifications/verify-webhook-signature", name="verify").respond(
        200, json={"verification_status": status}
    )


def order_created(order_id="5O190127TN364715T"):
    return {
        "id": order_id,
        "status": "PAYER_ACTION_REQUIRED",
        "payment_source": {"paypal": {}},
        "links": [
            {"href": f"{API}/v2/checkout/orders/{order_id}", "rel": "self", "method": "GET"},
            {
                "href": f"https://www.sandbox.paypal.com/checkoutnow?token={order_id}",
                "rel": "payer-action",
                "method": "GET",
            },
        ],
    }


def capture(donation, capture_id="3C679366HH908993F", order_id="5O190127TN364715T", **fields):
    from masthead.support.providers.paypal_provider import money_value

    return {
        "id": capture_id,
        "status": "COMPLETED",
        "amount": {
            "currency_code": donation.currency,
            "value": money_value(donation.amount, donation.currency),
        },
        "final_capture": True,
        "custom_id": str(donation.public_id),
        "supplementary_data": {"related_ids": {"order_id": order_id}},
        "create_time": "2026-11-26T20:01:00Z",
        "update_time": "2026-11-26T20:01:00Z",
        "links": [
            {"href": f"{API}/v2/payments/captures/{capture_id}", "rel": "self", "method": "GET"},
            {"href": f"{API}/v2/checkout/orders/{order_id}", "rel": "up", "method": "GET"},
        ],
        **fields,
    }


def captured_order(donation, order_id="5O190127TN364715T", capture_id="3C679366HH908993F"):
    unit_capture = capture(donation, capture_id=capture_id, order_id=order_id)
    del unit_capture["supplementary_data"]
    return {
        "id": order_id,
        "status": "COMPLETED",
        "payer": {"email_address": "buyer@example.com", "payer_id": "QYR5Z8XDVJNXQ"},
        "purchase_units": [{"reference_id": "donation", "payments": {"captures": [unit_capture]}}],
    }


def refund(capture_id="3C679366HH908993F", value="12.50", total="12.50", currency="USD"):
    return {
        "id": "1JU08902781691411",
        "status": "COMPLETED",
        "amount": {"currency_code": currency, "value": value},
        "seller_payable_breakdown": {
            "gross_amount": {"currency_code": currency, "value": value},
            "total_refunded_amount": {"currency_code": currency, "value": total},
        },
        "create_time": "2026-11-26T21:00:00Z",
        "links": [
            {"href": f"{API}/v2/payments/refunds/1JU08902781691411", "rel": "self"},
            {"href": f"{API}/v2/payments/captures/{capture_id}", "rel": "up"},
        ],
    }


def sale(subscription_id, custom="", sale_id="80021663DE681814L", total="10.00", currency="USD"):
    return {
        "id": sale_id,
        "state": "completed",
        "amount": {"total": total, "currency": currency, "details": {"subtotal": total}},
        "payment_mode": "INSTANT_TRANSFER",
        "billing_agreement_id": subscription_id,
        "custom": custom,
        "create_time": "2026-11-26T20:05:00Z",
    }


def subscription(subscription_id, custom="", status="ACTIVE", plan_id="P-5ML4271244454362WXNWU5NQ"):
    return {
        "id": subscription_id,
        "plan_id": plan_id,
        "status": status,
        "custom_id": custom,
        "subscriber": {"email_address": "member@example.com"},
        "billing_info": {"next_billing_time": "2026-12-26T10:00:00Z", "failed_payments_count": 0},
        "create_time": "2026-11-26T20:00:00Z",
    }


def webhook(event_type, resource, event_id="WH-58D329510W468432D-8HN650336L201105X"):
    return {
        "id": event_id,
        "create_time": "2026-11-26T20:02:00.000Z",
        "resource_type": "capture",
        "event_type": event_type,
        "summary": f"{event_type} for tests",
        "resource": resource,
        "links": [
            {"href": f"{API}/v1/notifications/webhooks-events/{event_id}", "rel": "self"},
        ],
        "event_version": "1.0",
    }


def raw(body) -> bytes:
    # Deliberately not json.dumps' default spacing, so a re-serialised body would differ.
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def network_down(request):
    raise httpx.ConnectError("connection refused", request=request)
