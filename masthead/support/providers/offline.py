"""The offline test provider: the whole payment flow on this site, with no money moving.

Used by the demo and the tests.  Checkout sends the reader to a local page
(signed to this donation) whose buttons report completion or failure as an
Event through services.apply_event(), the same path as a real webhook.  It
is refused unless settings.SUPPORT_OFFLINE_PROVIDER is on (off by default
on an https site).
"""

import uuid

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from .base import Checkout, Event, EventKind, ProviderError, WebhookRejected

NOT_CONFIGURED = "The test payment provider is not available on this site."


def _event(kind: EventKind, **fields) -> Event:
    return Event(
        provider="offline",
        event_id=f"offline-{uuid.uuid4()}",
        kind=kind,
        event_type=f"offline.{kind}",
        occurred_at=timezone.now(),
        **fields,
    )


class OfflineProvider:
    name = "offline"
    label = "Test payment (no money moves)"

    def is_configured(self) -> bool:
        return bool(getattr(settings, "SUPPORT_OFFLINE_PROVIDER", False))

    def _require(self) -> None:
        if not self.is_configured():
            raise ProviderError(NOT_CONFIGURED)

    def start_checkout(self, donation, *, success_url: str, cancel_url: str) -> Checkout:
        from ..tokens import offline_token

        self._require()
        path = reverse("support:offline", args=[donation.public_id])
        # A path on this site: the reader stays here, whatever host they came by.
        url = f"{path}?t={offline_token(donation.public_id)}"
        return Checkout(redirect_url=url, provider_reference=f"offline-{donation.public_id}")

    def parse_webhook(self, request) -> list[Event]:
        # The offline provider reports through its own page, never through a webhook.
        raise WebhookRejected("The offline provider sends no webhooks.")

    def cancel_membership(self, membership) -> None:
        self._require()

    def change_membership_amount(
        self, membership, amount: int, *, return_url: str = "", cancel_url: str = ""
    ) -> str:
        self._require()
        return ""

    # What the confirmation page and the tests report.

    def complete(self, donation, *, email: str = "") -> str:
        from ..services import apply_event

        self._require()
        subscription = f"offline-sub-{uuid.uuid4()}" if donation.frequency == "monthly" else ""
        if donation.membership_id:
            subscription = donation.membership.provider_reference
        return apply_event(
            _event(
                EventKind.PAYMENT_COMPLETED,
                donation_public_id=str(donation.public_id),
                provider_payment_id=f"offline-pay-{uuid.uuid4()}",
                subscription_reference=subscription,
                amount=donation.amount,
                currency=donation.currency,
                email=email,
            )
        )

    def fail(self, donation, *, reason: str = "The test payment was declined.") -> str:
        from ..services import apply_event

        self._require()
        return apply_event(
            _event(
                EventKind.PAYMENT_FAILED,
                donation_public_id=str(donation.public_id),
                failure_reason=reason,
            )
        )

    def refund(self, donation, *, amount: int | None = None) -> str:
        from ..services import apply_event

        self._require()
        return apply_event(
            _event(
                EventKind.REFUNDED,
                donation_public_id=str(donation.public_id),
                amount=donation.amount if amount is None else amount,
                currency=donation.currency,
            )
        )

    def renew(self, membership, *, amount: int | None = None) -> str:
        from ..services import apply_event

        self._require()
        return apply_event(
            _event(
                EventKind.RENEWED,
                subscription_reference=membership.provider_reference,
                provider_payment_id=f"offline-pay-{uuid.uuid4()}",
                amount=membership.amount if amount is None else amount,
                currency=membership.currency,
            )
        )


provider = OfflineProvider()
