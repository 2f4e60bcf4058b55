"""Card payments through Stripe Checkout (one-time) and Stripe Billing (monthly).

Checkout Sessions are created with the official `stripe` library; webhooks are
verified with the endpoint's signing secret before anything is read from them.
Stripe has moved fields between API versions (an invoice's subscription now lives
under `parent.subscription_details`, a subscription's period end on its items),
so the event readers below look in both places: the account's API version, not
the library's, decides the shape of a webhook.
"""

import datetime as dt
import json
import logging
import os
from typing import Any

import stripe
from django.conf import settings

from .base import Checkout, Event, EventKind, ProviderError, WebhookRejected

logger = logging.getLogger(__name__)

# Stripe's own default: a signed event older than five minutes is a replay.
SIGNATURE_TOLERANCE = 300

# Stripe's subscription statuses, in the membership's words.
SUBSCRIPTION_STATUSES = {
    "active": "active",
    "trialing": "active",
    "past_due": "past_due",
    "unpaid": "past_due",
    "paused": "past_due",
    "incomplete": "pending",
    "canceled": "canceled",
    "incomplete_expired": "canceled",
}

GENERIC_ERROR = (
    "We could not start the card payment just now. Please try again in a moment, "
    "or choose another way to pay."
)
MEMBERSHIP_ERROR = (
    "We could not reach the card payment service to change your membership. "
    "Please try again in a moment."
)


def _id(value: Any) -> str:
    """A Stripe reference that may arrive as an id or as an expanded object."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def _timestamp(value: Any) -> dt.datetime | None:
    if isinstance(value, int | float) and value > 0:
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    return None


def _currency(value: Any) -> str:
    return str(value or "").upper()


def _amount(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _metadata(obj: dict) -> dict:
    metadata = obj.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def _invoice_subscription(invoice: dict) -> str:
    """The invoice's subscription id, wherever this API version puts it."""
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return _id(details.get("subscription") or invoice.get("subscription"))


def _subscription_items(subscription: dict) -> list[dict]:
    items = subscription.get("items") or {}
    data = items.get("data") if isinstance(items, dict) else None
    return [item for item in data or [] if isinstance(item, dict)]


def _subscription_amount(subscription: dict) -> tuple[int | None, str]:
    """What the subscription charges each month, summed over its items."""
    total = 0
    currency = _currency(subscription.get("currency"))
    items = _subscription_items(subscription)
    for item in items:
        price = item.get("price") or item.get("plan") or {}
        unit_amount = _amount(price.get("unit_amount", price.get("amount")))
        if unit_amount is None:
            return None, currency
        total += unit_amount * (_amount(item.get("quantity")) or 1)
        currency = currency or _currency(price.get("currency"))
    return (total if items else None), currency


def _subscription_period_end(subscription: dict) -> dt.datetime | None:
    ends = [_timestamp(subscription.get("current_period_end"))]
    ends += [
        _timestamp(item.get("current_period_end")) for item in _subscription_items(subscription)
    ]
    known = [end for end in ends if end is not None]
    return max(known) if known else None


class StripeProvider:
    name = "stripe"
    label = "Card (Stripe)"

    def is_configured(self) -> bool:
        return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)

    def client(self) -> stripe.StripeClient:
        base_addresses = {}
        # Tests point the library at a local stub (or stripe-mock); production
        # leaves it unset and talks to Stripe.
        api_base = getattr(settings, "STRIPE_API_BASE", None) or os.environ.get("STRIPE_API_BASE")
        if api_base:
            base_addresses["api"] = api_base.rstrip("/")
        return stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            base_addresses=base_addresses,
            # A reader is waiting on the other end: give up long before the
            # library's default of 80 seconds.  Retries reuse an idempotency key.
            http_client=stripe.RequestsClient(timeout=(5, 25)),
            max_network_retries=1,
        )

    # --- checkout -----------------------------------------------------------

    def checkout_params(self, donation, *, success_url: str, cancel_url: str) -> dict:
        public_id = str(donation.public_id)
        monthly = donation.frequency == "monthly"
        price_data: dict[str, Any] = {
            # Stripe takes minor units too, and the whole amount for zero-decimal currencies.
            "unit_amount": int(donation.amount),
            "currency": donation.currency.lower(),
            "product_data": {"name": f"Donation to {self.publication_name()}"},
        }
        if monthly:
            price_data["recurring"] = {"interval": "month"}
        params: dict[str, Any] = {
            "mode": "subscription" if monthly else "payment",
            "line_items": [{"price_data": price_data, "quantity": 1}],
            "client_reference_id": public_id,
            "metadata": {"donation": public_id},
            "success_url": success_url,
            "cancel_url": cancel_url,
        }
        if donation.email:
            params["customer_email"] = donation.email
        if monthly:
            params["subscription_data"] = {"metadata": {"donation": public_id}}
        else:
            # Lets a failed or refunded payment be traced to the donation even
            # before the checkout's completion event has arrived.
            params["payment_intent_data"] = {"metadata": {"donation": public_id}}
            params["submit_type"] = "donate"  # the pay button says "Donate"
        return params

    @staticmethod
    def publication_name() -> str:
        from masthead.readers.mails import publication_name

        return publication_name()

    def start_checkout(self, donation, *, success_url: str, cancel_url: str) -> Checkout:
        params = self.checkout_params(donation, success_url=success_url, cancel_url=cancel_url)
        try:
            session = self.client().v1.checkout.sessions.create(params=params)
        except stripe.StripeError as error:
            logger.warning(
                "Stripe refused a checkout for donation %s: %s (code %s, status %s)",
                donation.public_id,
                error.user_message or str(error),
                error.code,
                error.http_status,
            )
            raise ProviderError(self.reader_message(error)) from error
        if not session.url or not session.id:
            logger.warning("Stripe returned a checkout without a URL for %s", donation.public_id)
            raise ProviderError(GENERIC_ERROR)
        return Checkout(redirect_url=session.url, provider_reference=session.id)

    @staticmethod
    def reader_message(error: "stripe.StripeError") -> str:
        if error.code == "amount_too_small":
            return (
                "This amount is below the smallest card payment we can take. "
                "Please give a little more."
            )
        if error.code == "amount_too_large":
            return (
                "This amount is above the largest card payment we can take. "
                "Please give a smaller amount."
            )
        return GENERIC_ERROR

    # --- memberships ----------------------------------------------------------

    def cancel_membership(self, membership) -> None:
        if not membership.provider_reference:
            raise ProviderError(MEMBERSHIP_ERROR)
        try:
            self.client().v1.subscriptions.cancel(membership.provider_reference)
        except stripe.InvalidRequestError as error:
            # Already canceled at Stripe (or removed there): nothing left to stop.
            if error.http_status == 404 or "canceled" in str(error).lower():
                logger.info(
                    "Stripe subscription %s already gone: %s", membership.provider_reference, error
                )
                return
            logger.warning("Stripe refused to cancel %s: %s", membership.provider_reference, error)
            raise ProviderError(MEMBERSHIP_ERROR) from error
        except stripe.StripeError as error:
            logger.warning("Stripe refused to cancel %s: %s", membership.provider_reference, error)
            raise ProviderError(MEMBERSHIP_ERROR) from error

    def change_membership_amount(
        self, membership, amount: int, *, return_url: str = "", cancel_url: str = ""
    ) -> str:
        if not membership.provider_reference:
            raise ProviderError(MEMBERSHIP_ERROR)
        client = self.client()
        try:
            subscription = client.v1.subscriptions.retrieve(membership.provider_reference)
            items = subscription.to_dict().get("items", {}).get("data", [])
            if not items:
                raise ProviderError(MEMBERSHIP_ERROR)
            item = items[0]
            price = item.get("price") or {}
            client.v1.subscriptions.update(
                membership.provider_reference,
                params={
                    "items": [
                        {
                            "id": item["id"],
                            "price_data": {
                                "currency": (price.get("currency") or membership.currency).lower(),
                                "product": _id(price.get("product")),
                                "recurring": {"interval": "month"},
                                "unit_amount": int(amount),
                            },
                        }
                    ],
                    # The new amount applies from the next month; no partial charges.
                    "proration_behavior": "none",
                },
            )
        except stripe.StripeError as error:
            logger.warning("Stripe refused to change %s: %s", membership.provider_reference, error)
            raise ProviderError(MEMBERSHIP_ERROR) from error

    # --- webhooks -------------------------------------------------------------

    def parse_webhook(self, request) -> list[Event]:
        payload = request.body
        signature = request.headers.get("Stripe-Signature", "")
        secret = settings.STRIPE_WEBHOOK_SECRET
        if not secret:
            raise WebhookRejected("Stripe webhooks are not configured here.")
        if not signature:
            raise WebhookRejected("Missing Stripe-Signature header.")
        # What stripe.Webhook.construct_event does, without building a library
        # object: its shape follows the account's API version, plain JSON is simpler.
        try:
            stripe.WebhookSignature.verify_header(
                payload, signature, secret, tolerance=SIGNATURE_TOLERANCE
            )
            data = json.loads(payload)
        except stripe.SignatureVerificationError as error:
            raise WebhookRejected(f"Bad Stripe signature: {error}") from error
        except (ValueError, UnicodeDecodeError) as error:
            raise WebhookRejected(f"Unreadable Stripe webhook: {error}") from error
        if (
            not isinstance(data, dict)
            or data.get("object") != "event"
            or not isinstance(data.get("id"), str)
            or not data["id"]
            or not isinstance(data.get("type"), str)
        ):
            raise WebhookRejected("Not a Stripe event.")
        return [self.event_from(data)]

    def event_from(self, data: dict) -> Event:
        """Map one verified Stripe event (as plain JSON) to our normalised Event."""
        event_type = data["type"]
        envelope = data.get("data")
        obj = envelope.get("object") if isinstance(envelope, dict) else None
        if not isinstance(obj, dict):
            obj = {}
        common = {
            "provider": self.name,
            "event_id": str(data.get("id")),
            "event_type": event_type,
            "occurred_at": _timestamp(data.get("created")) or dt.datetime.now(tz=dt.UTC),
            "payload": data,
        }
        reader = getattr(self, "_on_" + event_type.replace(".", "_"), None)
        fields = reader(obj) if reader else None
        if fields is None:
            return Event(kind=EventKind.IGNORED, **common)
        return Event(**common, **fields)

    @staticmethod
    def _session_fields(session: dict) -> dict:
        metadata = _metadata(session)
        details = session.get("customer_details") or {}
        return {
            "donation_public_id": str(
                session.get("client_reference_id") or metadata.get("donation") or ""
            ),
            "provider_reference": _id(session.get("id")),
            "provider_payment_id": _id(session.get("payment_intent"))
            or _id(session.get("invoice")),
            "subscription_reference": _id(session.get("subscription")),
            "amount": _amount(session.get("amount_total")),
            "currency": _currency(session.get("currency")),
            "email": str(details.get("email") or session.get("customer_email") or ""),
        }

    def _on_checkout_session_completed(self, session: dict) -> dict | None:
        # "unpaid" means a delayed method (bank debit): wait for async_payment_succeeded.
        if session.get("payment_status") != "paid":
            return None
        return {"kind": EventKind.PAYMENT_COMPLETED, **self._session_fields(session)}

    def _on_checkout_session_async_payment_succeeded(self, session: dict) -> dict:
        return {"kind": EventKind.PAYMENT_COMPLETED, **self._session_fields(session)}

    def _on_checkout_session_async_payment_failed(self, session: dict) -> dict:
        return {
            "kind": EventKind.PAYMENT_FAILED,
            **self._session_fields(session),
            "failure_reason": "The bank payment did not go through.",
        }

    def _on_checkout_session_expired(self, session: dict) -> dict:
        return {
            "kind": EventKind.PAYMENT_FAILED,
            **self._session_fields(session),
            "failure_reason": "The checkout expired before it was paid.",
        }

    def _on_payment_intent_payment_failed(self, intent: dict) -> dict:
        error = intent.get("last_payment_error") or {}
        return {
            "kind": EventKind.PAYMENT_FAILED,
            "donation_public_id": str(_metadata(intent).get("donation") or ""),
            "provider_payment_id": _id(intent.get("id")),
            "amount": _amount(intent.get("amount")),
            "currency": _currency(intent.get("currency")),
            "failure_reason": str(error.get("message") or "The card payment was declined.")[:500],
        }

    def _on_charge_refunded(self, charge: dict) -> dict:
        return {
            "kind": EventKind.REFUNDED,
            "donation_public_id": str(_metadata(charge).get("donation") or ""),
            # Monthly payments are stored under their invoice id (older API versions
            # name it on the charge); one-time payments under their payment intent.
            "provider_payment_id": _id(charge.get("invoice"))
            or _id(charge.get("payment_intent"))
            or _id(charge.get("id")),
            # The total refunded so far, not this refund's share.
            "amount": _amount(charge.get("amount_refunded")),
            "currency": _currency(charge.get("currency")),
        }

    def _on_invoice_paid(self, invoice: dict) -> dict | None:
        # The first month is the checkout's own completion; only later months renew.
        if invoice.get("billing_reason") != "subscription_cycle":
            return None
        subscription = _invoice_subscription(invoice)
        if not subscription:
            return None
        return {
            "kind": EventKind.RENEWED,
            "subscription_reference": subscription,
            "provider_payment_id": _id(invoice.get("id")),
            "amount": _amount(invoice.get("amount_paid")),
            "currency": _currency(invoice.get("currency")),
            "email": str(invoice.get("customer_email") or ""),
            "current_period_end": _timestamp(invoice.get("period_end")),
        }

    _on_invoice_payment_succeeded = _on_invoice_paid

    def _on_invoice_payment_failed(self, invoice: dict) -> dict | None:
        # A failing first payment happens inside Checkout, which shows it to the reader.
        if invoice.get("billing_reason") == "subscription_create":
            return None
        subscription = _invoice_subscription(invoice)
        if not subscription:
            return None
        return {
            "kind": EventKind.PAYMENT_FAILED,
            "subscription_reference": subscription,
            "provider_payment_id": _id(invoice.get("id")),
            "amount": _amount(invoice.get("amount_due")),
            "currency": _currency(invoice.get("currency")),
            "failure_reason": "The monthly card payment did not go through.",
        }

    def _on_customer_subscription_updated(self, subscription: dict) -> dict:
        amount, currency = _subscription_amount(subscription)
        return {
            "kind": EventKind.SUBSCRIPTION_UPDATED,
            "donation_public_id": str(_metadata(subscription).get("donation") or ""),
            "subscription_reference": _id(subscription.get("id")),
            "subscription_status": SUBSCRIPTION_STATUSES.get(str(subscription.get("status")), ""),
            "amount": amount,
            "currency": currency,
            "current_period_end": _subscription_period_end(subscription),
        }

    def _on_customer_subscription_deleted(self, subscription: dict) -> dict:
        return {
            "kind": EventKind.SUBSCRIPTION_CANCELED,
            "donation_public_id": str(_metadata(subscription).get("donation") or ""),
            "subscription_reference": _id(subscription.get("id")),
            "subscription_status": "canceled",
            "current_period_end": _subscription_period_end(subscription),
        }


provider = StripeProvider()
