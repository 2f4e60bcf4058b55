"""PayPal over its REST API (httpx): Orders v2 for one-time gifts, Subscriptions for monthly.

A one-time order moves no money until it is captured.  The reader approves it at
PayPal and comes back to the thank-you page, which calls capture_order(); the
capture's answer is PayPal's own confirmation and becomes a PAYMENT_COMPLETED event.
The PAYMENT.CAPTURE.COMPLETED webhook reports the same capture under another event
id; apply_event's state rules make the second one change nothing.

Webhooks carry no shared-secret signature we could check locally without fetching
PayPal's certificate, so each one is verified by PayPal's verify-webhook-signature
call, with the body sent back byte for byte (re-serialised JSON can fail to verify).
"""

import datetime as dt
import hashlib
import json
import logging
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ..money import MoneyError, to_major, to_minor
from .base import Checkout, Event, EventKind, ProviderError, WebhookRejected

logger = logging.getLogger(__name__)

NAME = "paypal"
TIMEOUT = httpx.Timeout(20.0, connect=10.0)
# A token is dropped this long before PayPal says it expires, so no request
# leaves with a token that runs out on the way.
TOKEN_MARGIN_SECONDS = 120
MAX_WEBHOOK_BYTES = 256 * 1024
UNREACHABLE = "PayPal could not be reached just now. Please try again in a moment."
REFUSED = "PayPal did not accept this payment. Please try again or choose another way to pay."

_SIGNATURE_HEADERS = {
    "auth_algo": "Paypal-Auth-Algo",
    "cert_url": "Paypal-Cert-Url",
    "transmission_id": "Paypal-Transmission-Id",
    "transmission_sig": "Paypal-Transmission-Sig",
    "transmission_time": "Paypal-Transmission-Time",
}
_SUBSCRIPTION_STATUS = {
    "ACTIVE": "active",
    "SUSPENDED": "past_due",
    "CANCELLED": "canceled",
    "EXPIRED": "canceled",
}


class PayPalProvider:
    name = NAME
    label = "PayPal"

    # -- configuration and transport ------------------------------------------------

    def is_configured(self) -> bool:
        return bool(
            settings.PAYPAL_CLIENT_ID
            and settings.PAYPAL_CLIENT_SECRET
            and settings.PAYPAL_WEBHOOK_ID
        )

    def _base(self) -> str:
        return settings.PAYPAL_API_BASE.rstrip("/")

    def _cache_key(self, *parts: str) -> str:
        # Keyed by API base and client id: sandbox and live objects never mix.
        account = hashlib.sha256(
            f"{self._base()}|{settings.PAYPAL_CLIENT_ID}".encode()
        ).hexdigest()[:16]
        return ":".join(("support", "paypal", account, *parts))

    def _token(self, *, fresh: bool = False) -> str:
        key = self._cache_key("token")
        if not fresh:
            token = cache.get(key)
            if token:
                return token
        try:
            response = httpx.post(
                f"{self._base()}/v1/oauth2/token",
                auth=(settings.PAYPAL_CLIENT_ID, settings.PAYPAL_CLIENT_SECRET),
                data={"grant_type": "client_credentials"},
                headers={"Accept": "application/json"},
                timeout=TIMEOUT,
            )
        except httpx.HTTPError as error:
            logger.warning("PayPal token request failed: %s", error)
            raise ProviderError(UNREACHABLE) from error
        if response.status_code != 200:
            logger.warning("PayPal refused our credentials (%s)", response.status_code)
            raise ProviderError(UNREACHABLE)
        try:
            body = response.json()
            token = body["access_token"]
            lifetime = int(body.get("expires_in", 0))
        except (ValueError, KeyError, TypeError) as error:
            raise ProviderError(UNREACHABLE) from error
        if lifetime > TOKEN_MARGIN_SECONDS:
            cache.set(key, token, timeout=lifetime - TOKEN_MARGIN_SECONDS)
        return token

    def _send(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        content: bytes | None = None,
        request_id: str = "",
    ) -> httpx.Response:
        """One authorised API call; a 401 (token revoked early) is retried once."""
        headers = {"Content-Type": "application/json", "Prefer": "return=representation"}
        if request_id:
            # PayPal answers a repeated request id with the first result, so a
            # retried checkout never creates a second order.
            headers["PayPal-Request-Id"] = request_id
        if json_body is not None:
            content = json.dumps(json_body).encode()
        for attempt in (1, 2):
            headers["Authorization"] = f"Bearer {self._token(fresh=attempt == 2)}"
            try:
                response = httpx.request(
                    method,
                    f"{self._base()}{path}",
                    content=content,
                    headers=headers,
                    timeout=TIMEOUT,
                )
            except httpx.HTTPError as error:
                logger.warning("PayPal %s %s failed: %s", method, path, error)
                raise ProviderError(UNREACHABLE) from error
            if response.status_code != 401:
                return response
        return response

    def _call(self, method: str, path: str, **kwargs) -> dict:
        response = self._send(method, path, **kwargs)
        if response.status_code >= 300:
            logger.warning(
                "PayPal %s %s answered %s: %s",
                method,
                path,
                response.status_code,
                response.text[:500],
            )
            raise ProviderError(REFUSED if response.status_code < 500 else UNREACHABLE)
        if response.status_code == 204 or not response.content:
            return {}
        try:
            body = response.json()
        except ValueError as error:
            raise ProviderError(UNREACHABLE) from error
        if not isinstance(body, dict):
            raise ProviderError(UNREACHABLE)
        return body

    # -- checkout -------------------------------------------------------------------

    def start_checkout(self, donation, *, success_url: str, cancel_url: str) -> Checkout:
        if donation.frequency == "monthly":
            return self._start_subscription(donation, success_url, cancel_url)
        return self._start_order(donation, success_url, cancel_url)

    def _start_order(self, donation, success_url: str, cancel_url: str) -> Checkout:
        body = {
            "intent": "CAPTURE",
            "purchase_units": [
                {
                    "reference_id": "donation",
                    "custom_id": str(donation.public_id),
                    "description": _description(one_time=True),
                    "amount": {
                        "currency_code": donation.currency,
                        "value": money_value(donation.amount, donation.currency),
                    },
                }
            ],
            "payment_source": {
                "paypal": {
                    "experience_context": {
                        "brand_name": settings.WAGTAIL_SITE_NAME[:127],
                        "shipping_preference": "NO_SHIPPING",
                        "user_action": "PAY_NOW",
                        "return_url": success_url,
                        "cancel_url": cancel_url,
                    }
                }
            },
        }
        order = self._call(
            "POST", "/v2/checkout/orders", json_body=body, request_id=str(donation.public_id)
        )
        url = _link(order, "payer-action") or _link(order, "approve")
        if not order.get("id") or not url:
            raise ProviderError(UNREACHABLE)
        return Checkout(redirect_url=url, provider_reference=order["id"])

    def _start_subscription(self, donation, success_url: str, cancel_url: str) -> Checkout:
        plan_id = self.plan_for(donation.amount, donation.currency)
        body: dict[str, Any] = {
            "plan_id": plan_id,
            "custom_id": str(donation.public_id),
            "application_context": {
                "brand_name": settings.WAGTAIL_SITE_NAME[:127],
                "shipping_preference": "NO_SHIPPING",
                "user_action": "SUBSCRIBE_NOW",
                "return_url": success_url,
                "cancel_url": cancel_url,
            },
        }
        if donation.email:
            body["subscriber"] = {"email_address": donation.email}
        subscription = self._call(
            "POST",
            "/v1/billing/subscriptions",
            json_body=body,
            request_id=str(donation.public_id),
        )
        url = _link(subscription, "approve")
        if not subscription.get("id") or not url:
            raise ProviderError(UNREACHABLE)
        return Checkout(redirect_url=url, provider_reference=subscription["id"])

    def product_id(self) -> str:
        """The one catalog product all monthly plans belong to, created on first use."""
        key = self._cache_key("product")
        product = cache.get(key)
        if product:
            return product
        created = self._call(
            "POST",
            "/v1/catalogs/products",
            json_body={
                "name": f"Support {settings.WAGTAIL_SITE_NAME}"[:127],
                "description": "Monthly reader support",
                "type": "SERVICE",
            },
            request_id=self._cache_key("product"),
        )
        product = created.get("id")
        if not product:
            raise ProviderError(UNREACHABLE)
        cache.set(key, product, timeout=None)
        return product

    def plan_for(self, amount: int, currency: str) -> str:
        """A monthly billing plan for this amount, shared by everyone who gives it."""
        key = self._cache_key("plan", currency, str(amount))
        plan = cache.get(key)
        if plan:
            return plan
        value = money_value(amount, currency)
        created = self._call(
            "POST",
            "/v1/billing/plans",
            json_body={
                "product_id": self.product_id(),
                "name": f"Monthly support, {value} {currency}",
                "status": "ACTIVE",
                "billing_cycles": [
                    {
                        "frequency": {"interval_unit": "MONTH", "interval_count": 1},
                        "tenure_type": "REGULAR",
                        "sequence": 1,
                        "total_cycles": 0,
                        "pricing_scheme": {
                            "fixed_price": {"value": value, "currency_code": currency}
                        },
                    }
                ],
                "payment_preferences": {
                    "auto_bill_outstanding": True,
                    "setup_fee_failure_action": "CONTINUE",
                    "payment_failure_threshold": 3,
                },
            },
            request_id=key,
        )
        plan = created.get("id")
        if not plan:
            raise ProviderError(UNREACHABLE)
        cache.set(key, plan, timeout=None)
        cache.set(self._cache_key("plan-price", plan), (amount, currency), timeout=None)
        return plan

    def plan_price(self, plan_id: str) -> tuple[int, str] | None:
        """(amount, currency) a plan bills each month; None when PayPal cannot say."""
        key = self._cache_key("plan-price", plan_id)
        price = cache.get(key)
        if price:
            return tuple(price)
        try:
            plan = self._call("GET", f"/v1/billing/plans/{_path_part(plan_id)}")
        except ProviderError:
            return None
        for cycle in plan.get("billing_cycles") or []:
            if cycle.get("tenure_type") == "REGULAR":
                amount, currency = _amount(
                    ((cycle.get("pricing_scheme") or {}).get("fixed_price")) or {}
                )
                if amount is not None:
                    cache.set(key, (amount, currency), timeout=None)
                    return amount, currency
        return None

    # -- the return from PayPal -----------------------------------------------------

    def capture_order(self, order_id: str) -> list[Event]:
        """Capture an approved one-time order: PayPal's confirmation that money moved.

        Safe to call more than once: an order captured before (by an earlier return,
        a reload) is read back instead, and its capture yields the same event id.
        Raises ProviderError when PayPal refuses or cannot be reached.
        """
        path = f"/v2/checkout/orders/{_path_part(order_id)}"
        response = self._send("POST", f"{path}/capture", request_id=f"capture-{order_id}")
        if response.status_code == 422 and "ORDER_ALREADY_CAPTURED" in response.text:
            order = self._call("GET", path)
        elif response.status_code >= 300:
            logger.warning(
                "PayPal capture of %s answered %s: %s",
                order_id,
                response.status_code,
                response.text[:500],
            )
            raise ProviderError(REFUSED if response.status_code < 500 else UNREACHABLE)
        else:
            try:
                order = response.json()
            except ValueError as error:
                raise ProviderError(UNREACHABLE) from error
        return self._capture_events(order)

    def confirm_return(self, donation, order_id: str) -> str:
        """The reader is back from PayPal (?token=<order id>): capture the order.

        Only for a one-time PayPal donation still waiting, and only for the order
        it was sent to pay.  The change goes through apply_event like a webhook's.
        When PayPal cannot be reached the donation stays pending and the
        PAYMENT.CAPTURE.COMPLETED webhook (or a later return) completes it.
        Returns the outcome of the completion, or why nothing was done.
        """
        from .. import services
        from ..models import DonationStatus, Frequency

        if donation.provider != NAME or donation.frequency != Frequency.ONE_TIME:
            return "not a PayPal order"
        if not self.is_configured():
            return "PayPal is not configured"
        if donation.status not in (DonationStatus.CREATED, DonationStatus.PENDING):
            return f"already {donation.status}"
        if not order_id or order_id != donation.provider_reference:
            return "not this donation's order"
        try:
            events = self.capture_order(order_id)
        except ProviderError as error:
            logger.warning("PayPal capture of %s on return failed: %s", order_id, error)
            return "capture failed"
        outcomes = [services.apply_event(event) for event in events]
        donation.refresh_from_db()
        return "; ".join(outcomes) or "capture pending"

    def _capture_events(self, order: dict) -> list[Event]:
        events = []
        email = ((order.get("payer") or {}).get("email_address")) or ""
        for unit in order.get("purchase_units") or []:
            for capture in (unit.get("payments") or {}).get("captures") or []:
                status = capture.get("status")
                if status not in ("COMPLETED", "DECLINED", "FAILED"):
                    continue  # PENDING: the webhook reports the outcome later
                amount, currency = _amount(capture.get("amount") or {})
                completed = status == "COMPLETED"
                events.append(
                    Event(
                        provider=NAME,
                        event_id=f"capture-{capture.get('id')}"
                        + ("" if completed else "-declined"),
                        kind=EventKind.PAYMENT_COMPLETED if completed else EventKind.PAYMENT_FAILED,
                        event_type=f"capture.{status.lower()}",
                        occurred_at=_time(capture.get("create_time")),
                        donation_public_id=capture.get("custom_id") or unit.get("custom_id") or "",
                        provider_reference=order.get("id") or "",
                        provider_payment_id=capture.get("id") or "",
                        amount=amount,
                        currency=currency,
                        email=email,
                        failure_reason="" if completed else "PayPal declined the payment.",
                        payload=capture,
                    )
                )
        return events

    # -- webhooks -------------------------------------------------------------------

    def parse_webhook(self, request) -> list[Event]:
        if not self.is_configured():
            raise WebhookRejected("PayPal is not configured here.")
        signature = {}
        for field, header in _SIGNATURE_HEADERS.items():
            value = request.headers.get(header, "")
            if not value or len(value) > 2000:
                raise WebhookRejected(f"Missing or oversized {header} header.")
            signature[field] = value
        raw = request.body
        if len(raw) > MAX_WEBHOOK_BYTES:
            raise WebhookRejected("Webhook body too large.")
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise WebhookRejected("Webhook body is not JSON.") from None
        if not isinstance(body, dict) or not isinstance(body.get("resource"), dict):
            raise WebhookRejected("Webhook body is not a PayPal event.")
        if not isinstance(body.get("id"), str) or not body["id"]:
            raise WebhookRejected("Webhook event has no id.")
        self._verify(signature, raw)
        body_type = body.get("event_type")
        resource = body["resource"]
        if body_type == "PAYMENT.SALE.COMPLETED" and resource.get("billing_agreement_id"):
            return self._sale_events(resource, self._common(body))
        return [self._event(body)]

    def _verify(self, signature: dict, raw: bytes) -> None:
        envelope = json.dumps({**signature, "webhook_id": settings.PAYPAL_WEBHOOK_ID})
        # The event goes back exactly as received: PayPal checks the signature
        # over the original bytes, which re-serialising could alter.
        content = envelope[:-1].encode() + b', "webhook_event": ' + raw + b"}"
        try:
            response = self._send(
                "POST", "/v1/notifications/verify-webhook-signature", content=content
            )
            status = response.json().get("verification_status") if response.is_success else None
        except (ProviderError, ValueError, AttributeError) as error:
            raise WebhookRejected("PayPal could not verify the webhook.") from error
        if status != "SUCCESS":
            raise WebhookRejected("PayPal did not verify the webhook.")

    def _common(self, body: dict) -> dict:
        return {
            "provider": NAME,
            "event_id": body["id"][:180],
            "event_type": str(body.get("event_type", ""))[:100],
            "occurred_at": _time(body.get("create_time")),
            "payload": body,
        }

    def _event(self, body: dict) -> Event:
        event_type = str(body.get("event_type", ""))
        resource = body["resource"]
        common = self._common(body)
        if event_type == "PAYMENT.CAPTURE.COMPLETED":
            amount, currency = _amount(resource.get("amount") or {})
            return Event(
                kind=EventKind.PAYMENT_COMPLETED,
                donation_public_id=_text(resource.get("custom_id")),
                provider_reference=_order_id(resource),
                provider_payment_id=_text(resource.get("id")),
                amount=amount,
                currency=currency,
                **common,
            )
        if event_type in ("PAYMENT.CAPTURE.DENIED", "PAYMENT.CAPTURE.DECLINED"):
            amount, currency = _amount(resource.get("amount") or {})
            return Event(
                kind=EventKind.PAYMENT_FAILED,
                donation_public_id=_text(resource.get("custom_id")),
                provider_reference=_order_id(resource),
                provider_payment_id=_text(resource.get("id")),
                amount=amount,
                currency=currency,
                failure_reason="PayPal declined the payment.",
                **common,
            )
        if event_type in ("PAYMENT.CAPTURE.REFUNDED", "PAYMENT.CAPTURE.REVERSED"):
            return self._refund_event(resource, common)
        if event_type in ("PAYMENT.SALE.REFUNDED", "PAYMENT.SALE.REVERSED"):
            amount, currency = _amount(resource.get("total_refunded_amount") or {})
            if amount is None:
                amount, currency = _amount(resource.get("amount") or {})
            return Event(
                kind=EventKind.REFUNDED,
                donation_public_id=_text(resource.get("custom")),
                provider_payment_id=_text(resource.get("sale_id") or resource.get("id")),
                amount=amount,
                currency=currency,
                **common,
            )
        if event_type.startswith("BILLING.SUBSCRIPTION."):
            return self._subscription_event(event_type, resource, common)
        return Event(kind=EventKind.IGNORED, **common)

    def _sale_events(self, sale: dict, common: dict) -> list[Event]:
        """A subscription payment, the first month's or a later one's.

        The sale does not say which.  The first event completes the donation the
        reader started (found by custom_id, or by the subscription id stored as its
        provider reference) and starts the membership; for a later month that
        donation is already completed and nothing changes.  The second records a
        renewal, which apply_event skips when the first already recorded this sale.
        """
        amount, currency = _amount(sale.get("amount") or {})
        found = {
            "donation_public_id": _text(sale.get("custom")),
            "subscription_reference": _text(sale.get("billing_agreement_id")),
            "provider_payment_id": _text(sale.get("id")),
            "amount": amount,
            "currency": currency,
        }
        first = {**common, "event_id": f"{common['event_id']}:first-month"}
        return [
            Event(
                kind=EventKind.PAYMENT_COMPLETED,
                provider_reference=found["subscription_reference"],
                **found,
                **first,
            ),
            Event(kind=EventKind.RENEWED, **found, **common),
        ]

    def _refund_event(self, refund: dict, common: dict) -> Event:
        capture_id = _capture_of_refund(refund)
        breakdown = refund.get("seller_payable_breakdown") or {}
        amount, currency = _amount(breakdown.get("total_refunded_amount") or {})
        if amount is None:
            amount, currency = _amount(refund.get("amount") or {})
        donation_public_id = _text(refund.get("custom_id"))
        order_id = ""
        if capture_id and not donation_public_id:
            # A refund made in PayPal's dashboard does not repeat our custom_id; the
            # capture knows it, so a refund that arrives before the capture's own
            # completion event still finds its donation.
            try:
                capture = self._call("GET", f"/v2/payments/captures/{_path_part(capture_id)}")
            except ProviderError as error:
                raise WebhookRejected("Could not look up the refunded capture.") from error
            donation_public_id = _text(capture.get("custom_id"))
            order_id = _order_id(capture)
        return Event(
            kind=EventKind.REFUNDED,
            donation_public_id=donation_public_id,
            provider_reference=order_id,
            provider_payment_id=capture_id,
            amount=amount,
            currency=currency,
            **common,
        )

    def _subscription_event(self, event_type: str, subscription: dict, common: dict) -> Event:
        reference = {
            "subscription_reference": _text(subscription.get("id")),
            "donation_public_id": _text(subscription.get("custom_id")),
            "email": _text((subscription.get("subscriber") or {}).get("email_address")),
            "current_period_end": _optional_time(
                (subscription.get("billing_info") or {}).get("next_billing_time")
            ),
        }
        if event_type in ("BILLING.SUBSCRIPTION.CANCELLED", "BILLING.SUBSCRIPTION.EXPIRED"):
            return Event(
                kind=EventKind.SUBSCRIPTION_CANCELED,
                subscription_status="canceled",
                **reference,
                **common,
            )
        if event_type == "BILLING.SUBSCRIPTION.PAYMENT.FAILED":
            return Event(
                kind=EventKind.PAYMENT_FAILED,
                subscription_status="past_due",
                failure_reason="PayPal could not collect this month's payment.",
                **reference,
                **common,
            )
        if event_type in (
            "BILLING.SUBSCRIPTION.ACTIVATED",
            "BILLING.SUBSCRIPTION.UPDATED",
            "BILLING.SUBSCRIPTION.SUSPENDED",
            "BILLING.SUBSCRIPTION.RE-ACTIVATED",
        ):
            amount, currency = None, ""
            plan_id = _text(subscription.get("plan_id"))
            if plan_id:
                price = self.plan_price(plan_id)
                if price:
                    amount, currency = price
            return Event(
                kind=EventKind.SUBSCRIPTION_UPDATED,
                subscription_status=_SUBSCRIPTION_STATUS.get(_text(subscription.get("status")), ""),
                amount=amount,
                currency=currency,
                **reference,
                **common,
            )
        return Event(kind=EventKind.IGNORED, **common)

    # -- memberships ----------------------------------------------------------------

    def cancel_membership(self, membership) -> None:
        self._call(
            "POST",
            f"/v1/billing/subscriptions/{_path_part(membership.provider_reference)}/cancel",
            json_body={"reason": "Cancelled by the reader."},
        )

    def change_membership_amount(
        self, membership, amount: int, *, return_url: str = "", cancel_url: str = ""
    ) -> str:
        """Move the subscription to the plan for the new amount.

        PayPal asks the subscriber to approve a price change: the answer is the
        PayPal page to send the reader to ("" when no approval is needed).  The
        stored amount changes when BILLING.SUBSCRIPTION.UPDATED reports it.
        """
        body: dict[str, Any] = {"plan_id": self.plan_for(amount, membership.currency)}
        if return_url:
            body["application_context"] = {
                "brand_name": settings.WAGTAIL_SITE_NAME[:127],
                "shipping_preference": "NO_SHIPPING",
                "return_url": return_url,
                "cancel_url": cancel_url or return_url,
            }
        revised = self._call(
            "POST",
            f"/v1/billing/subscriptions/{_path_part(membership.provider_reference)}/revise",
            json_body=body,
        )
        return _link(revised, "approve")


def money_value(amount: int, currency: str) -> str:
    """PayPal's decimal string: 1250 USD -> '12.50', 1250 JPY -> '1250'."""
    return format(to_major(amount, currency), "f")


def _amount(money: dict) -> tuple[int | None, str]:
    """PayPal's {currency_code|currency, value|total} as (minor units, currency)."""
    if not isinstance(money, dict):
        return None, ""
    currency = _text(money.get("currency_code") or money.get("currency")).upper()[:3]
    value = money.get("value", money.get("total"))
    try:
        return to_minor(Decimal(str(value)), currency), currency
    except (MoneyError, InvalidOperation, ValueError):
        return None, currency


def _link(resource: dict, rel: str) -> str:
    for link in resource.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == rel:
            href = link.get("href")
            return href if isinstance(href, str) and href.startswith("https://") else ""
    return ""


def _order_id(capture: dict) -> str:
    related = (capture.get("supplementary_data") or {}).get("related_ids") or {}
    return _text(related.get("order_id"))


def _capture_of_refund(refund: dict) -> str:
    related = (refund.get("supplementary_data") or {}).get("related_ids") or {}
    if related.get("capture_id"):
        return _text(related["capture_id"])
    for link in refund.get("links") or []:
        if not isinstance(link, dict):
            continue
        href = _text(link.get("href"))
        if link.get("rel") == "up" and "/captures/" in href:
            return href.rstrip("/").rsplit("/", 1)[-1]
    return ""


def _path_part(value: str) -> str:
    """A PayPal id that is safe to put in a URL path (they are letters, digits, '-')."""
    if not value or not all(c.isalnum() or c in "-_" for c in value) or len(value) > 100:
        raise ProviderError("This payment is not known to PayPal.")
    return value


def _text(value: Any) -> str:
    return value[:200] if isinstance(value, str) else ""


def _optional_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is None:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, dt.UTC)


def _time(value: Any) -> dt.datetime:
    return _optional_time(value) or timezone.now()


def _description(*, one_time: bool) -> str:
    kind = "One-time support" if one_time else "Monthly support"
    return f"{kind} for {settings.WAGTAIL_SITE_NAME}"[:127]


provider = PayPalProvider()
