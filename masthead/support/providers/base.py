"""What every payment provider offers the rest of the app, and the events it reports.

A provider turns a Donation (already stored, status "created") into a place to
send the reader (start_checkout), and turns a verified webhook request into
normalised Events.  services.apply_event() is the only thing that changes a
donation's or membership's state, whichever provider reported it.
"""

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from django.http import HttpRequest

    from ..models import Donation, Membership


class EventKind(StrEnum):
    PAYMENT_COMPLETED = "payment_completed"  # a one-time payment or a membership's first month
    PAYMENT_FAILED = "payment_failed"
    REFUNDED = "refunded"  # whole or partial, amount says how much in total
    RENEWED = "renewed"  # a membership's later month was paid
    SUBSCRIPTION_UPDATED = "subscription_updated"  # amount or status changed at the provider
    SUBSCRIPTION_CANCELED = "subscription_canceled"
    IGNORED = "ignored"  # a verified event we have no use for


@dataclass(frozen=True)
class Event:
    """One verified provider event, in the provider's own ids."""

    provider: str
    event_id: str  # unique per provider: the idempotency key
    kind: EventKind
    event_type: str  # the provider's own name, for the record
    occurred_at: dt.datetime
    # How to find what it is about: our donation's public id (passed to the provider
    # as metadata / custom_id), and/or the provider's ids.
    donation_public_id: str = ""
    provider_reference: str = ""  # checkout session / order id
    provider_payment_id: str = ""  # payment intent / capture id
    subscription_reference: str = ""
    amount: int | None = None  # minor units, when the event carries one
    currency: str = ""
    email: str = ""
    subscription_status: str = ""  # for SUBSCRIPTION_UPDATED: active / past_due / canceled
    current_period_end: dt.datetime | None = None
    failure_reason: str = ""
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Checkout:
    redirect_url: str  # where the reader goes to pay
    provider_reference: str  # the provider's id for this checkout (session, order, subscription)


class WebhookRejected(Exception):
    """A webhook that is not verifiably from the provider: answer 400, change nothing."""


class ProviderError(Exception):
    """The provider refused or could not be reached; the message is fit for the reader."""


class PaymentProvider(Protocol):
    name: str  # "stripe", "paypal", "offline"
    label: str  # "Card (Stripe)", "PayPal", …

    def is_configured(self) -> bool:
        """Keys present (and, for the offline provider, allowed in this deployment)."""

    def start_checkout(
        self, donation: "Donation", *, success_url: str, cancel_url: str
    ) -> Checkout: ...

    def parse_webhook(self, request: "HttpRequest") -> list[Event]:
        """Verify the request really comes from the provider and read its events.

        Raises WebhookRejected when the signature (or PayPal's verification) fails.
        """

    def cancel_membership(self, membership: "Membership") -> None: ...

    def change_membership_amount(
        self, membership: "Membership", amount: int, *, return_url: str = "", cancel_url: str = ""
    ) -> str:
        """Ask the provider for the new monthly amount.

        Returns "" when the change is made, or a URL where the reader must approve
        it first (PayPal); then the provider's update event records the new amount.
        """
