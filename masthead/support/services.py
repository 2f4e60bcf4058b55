"""Reader support: creating donations, applying provider events, goal progress, memberships.

apply_event() is the only function that changes a donation's or membership's
state on a provider's word, whichever provider spoke (Stripe, PayPal, the
offline test provider, or an editor marking a refund).  Each event is stored
once by (provider, event id) in the same transaction as its change, with the
affected row locked, so replays, duplicates arriving together and events out
of order leave one consistent result.
"""

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from . import money
from .models import (
    Donation,
    DonationStatus,
    Frequency,
    Membership,
    MembershipStatus,
    ProviderEvent,
    SupportSettings,
)
from .providers.base import Event, EventKind

NAME_MAX = 80
MESSAGE_MAX = 500


class DonationError(ValueError):
    """Input that cannot become a donation; `field` names the form field at fault."""

    def __init__(self, message: str, field: str = "amount"):
        super().__init__(message)
        self.field = field


def current_settings() -> SupportSettings:
    from wagtail.models import Site

    return SupportSettings.for_site(Site.objects.get(is_default_site=True))


def amount_bounds(rules: SupportSettings, currency: str) -> tuple[int, int]:
    """The site's minimum and maximum in `currency`'s minor unit."""
    return (
        money.to_minor(rules.minimum_amount, currency),
        money.to_minor(min(rules.maximum_amount, money.HARD_MAXIMUM_MAJOR), currency),
    )


def check_amount(amount_minor: int, currency: str, rules: SupportSettings) -> None:
    if currency not in rules.currency_list:
        raise DonationError(f"{currency!r} is not a currency we accept.", "currency")
    low, high = amount_bounds(rules, currency)
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool):
        raise DonationError("Please give the amount as a number.")
    if amount_minor < low:
        raise DonationError(f"The smallest amount is {money.format_amount(low, currency)}.")
    if amount_minor > high:
        raise DonationError(f"The largest amount is {money.format_amount(high, currency)}.")


def _one_line(value: str, limit: int, field: str) -> str:
    value = " ".join((value or "").split())
    if len(value) > limit:
        raise DonationError(f"At most {limit} characters, please.", field)
    return value


def _plain_text(value: str, limit: int, field: str) -> str:
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    value = "".join(c for c in value if c == "\n" or c.isprintable())
    if len(value) > limit:
        raise DonationError(f"At most {limit} characters, please.", field)
    return value


def create_donation(
    *,
    amount_minor: int,
    currency: str,
    frequency: str,
    provider_name: str,
    email: str = "",
    user=None,
    public_name: str = "",
    message: str = "",
    show_publicly: bool = False,
    source_path: str = "",
    rules: SupportSettings | None = None,
) -> Donation:
    """A donation in state "created", before the reader leaves for the provider."""
    from django.core.exceptions import ValidationError

    from masthead.readers.addresses import normalise_email

    rules = rules or current_settings()
    if not rules.enabled:
        raise DonationError("We are not accepting support at the moment.", "__all__")
    currency = (currency or "").strip().upper()
    check_amount(amount_minor, currency, rules)
    if frequency not in (Frequency.ONE_TIME, Frequency.MONTHLY):
        raise DonationError("Choose one-time or monthly.", "frequency")
    if frequency == Frequency.MONTHLY and not rules.monthly_enabled:
        raise DonationError("Monthly support is not offered.", "frequency")
    if email:
        try:
            email = normalise_email(email)
        except ValidationError as error:
            raise DonationError(error.messages[0], "email") from None
    elif user is not None and user.email:
        email = user.email.strip().lower()
    return Donation.objects.create(
        provider=provider_name,
        frequency=frequency,
        amount=amount_minor,
        currency=currency,
        email=email,
        user=user,
        public_name=_one_line(public_name, NAME_MAX, "public_name"),
        message=_plain_text(message, MESSAGE_MAX, "message"),
        show_publicly=bool(show_publicly),
        source_path=(source_path or "")[:300],
    )


def mark_pending(donation: Donation, provider_reference: str) -> None:
    """The reader is at the provider; only a still-new donation moves (an event may be first)."""
    Donation.objects.filter(pk=donation.pk, status=DonationStatus.CREATED).update(
        status=DonationStatus.PENDING, provider_reference=provider_reference[:200]
    )
    Donation.objects.filter(pk=donation.pk, provider_reference="").update(
        provider_reference=provider_reference[:200]
    )
    donation.refresh_from_db()


def mark_checkout_failed(donation: Donation, reason: str) -> None:
    Donation.objects.filter(
        pk=donation.pk, status__in=[DonationStatus.CREATED, DonationStatus.PENDING]
    ).update(status=DonationStatus.FAILED, failed_at=timezone.now(), failure_reason=reason[:300])


# --- provider events -------------------------------------------------------


def apply_event(event: Event) -> str:
    """Apply one verified provider event once; returns the outcome recorded for it."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = ProviderEvent.objects.create(
                    provider=event.provider,
                    event_id=event.event_id[:200],
                    event_type=(event.event_type or str(event.kind))[:100],
                    payload=event.payload or {},
                )
        except IntegrityError:
            return "duplicate"
        handler = _HANDLERS.get(event.kind, _ignored)
        outcome = handler(event)
        record.outcome = outcome[:300]
        record.processed_at = timezone.now()
        record.save(update_fields=["outcome", "processed_at"])
    return outcome


def _locked_donation(event: Event) -> Donation | None:
    rows = Donation.objects.select_for_update().filter(provider=event.provider)
    if event.donation_public_id:
        try:
            public_id = uuid.UUID(str(event.donation_public_id))
        except ValueError:
            public_id = None
        if public_id is not None:
            found = rows.filter(public_id=public_id).first()
            if found is not None:
                return found
    if event.provider_reference:
        found = rows.filter(provider_reference=event.provider_reference).first()
        if found is not None:
            return found
    if event.provider_payment_id:
        return rows.filter(provider_payment_id=event.provider_payment_id).first()
    return None


def _locked_membership(event: Event) -> Membership | None:
    if not event.subscription_reference:
        return None
    return (
        Membership.objects.select_for_update()
        .filter(provider=event.provider, provider_reference=event.subscription_reference)
        .first()
    )


def _mismatch(event: Event, amount: int, currency: str) -> str:
    if event.amount is not None and event.amount != amount:
        return f"amount mismatch: event {event.amount} {event.currency}, stored {amount} {currency}"
    if event.currency and event.currency.upper() != currency:
        return f"currency mismatch: event {event.currency}, stored {currency}"
    return ""


def _when(event: Event) -> dt.datetime:
    return event.occurred_at or timezone.now()


def _send_receipt_on_commit(donation_id: int) -> None:
    from .tasks import send_receipt

    transaction.on_commit(lambda: send_receipt.enqueue(donation_id=donation_id), robust=True)


def _start_membership(donation: Donation, event: Event) -> Membership:
    membership = donation.membership or _locked_membership(event)
    if membership is None:
        membership = Membership.objects.create(
            provider=donation.provider,
            provider_reference=event.subscription_reference[:200],
            amount=donation.amount,
            currency=donation.currency,
            status=MembershipStatus.ACTIVE,
            email=donation.email,
            user=donation.user,
            public_name=donation.public_name,
            started_at=_when(event),
            current_period_end=event.current_period_end,
        )
        return membership
    changed = []
    if membership.status == MembershipStatus.PENDING:
        membership.status = MembershipStatus.ACTIVE
        membership.started_at = membership.started_at or _when(event)
        changed += ["status", "started_at"]
    if event.subscription_reference and not membership.provider_reference:
        membership.provider_reference = event.subscription_reference[:200]
        changed.append("provider_reference")
    if event.current_period_end:
        membership.current_period_end = event.current_period_end
        changed.append("current_period_end")
    if changed:
        membership.save(update_fields=[*changed, "updated_at"])
    return membership


def _payment_completed(event: Event) -> str:
    donation = _locked_donation(event)
    if donation is None:
        return "unknown donation"
    mismatch = _mismatch(event, donation.amount, donation.currency)
    if mismatch:
        return mismatch
    fields = ["updated_at"]
    if event.provider_payment_id and not donation.provider_payment_id:
        donation.provider_payment_id = event.provider_payment_id[:200]
        fields.append("provider_payment_id")
    if event.email and not donation.email:
        from django.core.exceptions import ValidationError

        from masthead.readers.addresses import normalise_email

        try:
            donation.email = normalise_email(event.email)
            fields.append("email")
        except ValidationError:
            pass
    if donation.status == DonationStatus.REFUNDED:
        # The refund arrived first and is final; still record that the payment happened.
        if donation.completed_at is None:
            donation.completed_at = _when(event)
            fields.append("completed_at")
        donation.save(update_fields=fields)
        return "already refunded"
    if donation.status == DonationStatus.COMPLETED:
        donation.save(update_fields=fields)
        return "already completed"
    donation.status = DonationStatus.COMPLETED
    donation.completed_at = _when(event)
    fields += ["status", "completed_at"]
    if donation.frequency == Frequency.MONTHLY:
        donation.membership = _start_membership(donation, event)
        fields.append("membership")
    donation.save(update_fields=fields)
    _send_receipt_on_commit(donation.pk)
    return "completed"


def _payment_failed(event: Event) -> str:
    donation = _locked_donation(event)
    membership = _locked_membership(event)
    outcome = "unknown donation"
    if donation is not None:
        if donation.status in (DonationStatus.CREATED, DonationStatus.PENDING):
            donation.status = DonationStatus.FAILED
            donation.failed_at = _when(event)
            donation.failure_reason = (event.failure_reason or "The payment failed.")[:300]
            donation.save(update_fields=["status", "failed_at", "failure_reason", "updated_at"])
            outcome = "failed"
        else:
            outcome = f"left {donation.status}"
    if membership is not None and membership.status == MembershipStatus.ACTIVE:
        membership.status = MembershipStatus.PAST_DUE
        membership.save(update_fields=["status", "updated_at"])
        outcome = "membership past due" if donation is None else outcome + "; membership past due"
    return outcome


def _refunded(event: Event) -> str:
    donation = _locked_donation(event)
    if donation is None:
        return "unknown donation"
    if event.currency and event.currency.upper() != donation.currency:
        return f"currency mismatch: event {event.currency}, stored {donation.currency}"
    amount = donation.amount if event.amount is None else min(event.amount, donation.amount)
    if amount <= 0:
        return "refund of nothing"
    donation.refunded_amount = max(donation.refunded_amount, amount)
    donation.status = DonationStatus.REFUNDED
    donation.refunded_at = donation.refunded_at or _when(event)
    donation.save(update_fields=["refunded_amount", "status", "refunded_at", "updated_at"])
    return "refunded" if donation.refunded_amount == donation.amount else "partly refunded"


def _renewed(event: Event) -> str:
    membership = _locked_membership(event)
    if membership is None:
        return "unknown subscription"
    if event.provider_payment_id and (
        Donation.objects.filter(
            provider=event.provider, provider_payment_id=event.provider_payment_id
        ).exists()
    ):
        return "payment already recorded"
    currency = (event.currency or membership.currency).upper()
    donation = Donation.objects.create(
        provider=membership.provider,
        frequency=Frequency.MONTHLY,
        amount=event.amount if event.amount else membership.amount,
        currency=currency,
        status=DonationStatus.COMPLETED,
        email=membership.email,
        user=membership.user,
        public_name=membership.public_name,
        membership=membership,
        provider_payment_id=event.provider_payment_id[:200],
        completed_at=_when(event),
    )
    outcome = "renewal recorded"
    if membership.status == MembershipStatus.CANCELED:
        outcome += "; membership stays canceled"
    else:
        membership.status = MembershipStatus.ACTIVE
        if event.current_period_end:
            membership.current_period_end = event.current_period_end
        membership.save(update_fields=["status", "current_period_end", "updated_at"])
    _send_receipt_on_commit(donation.pk)
    return outcome


_SUBSCRIPTION_STATUSES = {
    "active": MembershipStatus.ACTIVE,
    "past_due": MembershipStatus.PAST_DUE,
    "canceled": MembershipStatus.CANCELED,
}


def _subscription_updated(event: Event) -> str:
    membership = _locked_membership(event)
    if membership is None:
        return "unknown subscription"
    if membership.status == MembershipStatus.CANCELED:
        return "membership stays canceled"
    if event.currency and event.currency.upper() != membership.currency:
        return f"currency mismatch: event {event.currency}, stored {membership.currency}"
    if event.amount is not None and event.amount > 0:
        membership.amount = event.amount
    status = _SUBSCRIPTION_STATUSES.get(event.subscription_status)
    if status == MembershipStatus.CANCELED:
        membership.canceled_at = _when(event)
    if status is not None:
        membership.status = status
    if event.current_period_end:
        membership.current_period_end = event.current_period_end
    membership.save()
    return f"updated ({membership.status})"


def _subscription_canceled(event: Event) -> str:
    membership = _locked_membership(event)
    if membership is None:
        return "unknown subscription"
    if membership.status == MembershipStatus.CANCELED:
        return "already canceled"
    membership.status = MembershipStatus.CANCELED
    membership.canceled_at = _when(event)
    membership.save(update_fields=["status", "canceled_at", "updated_at"])
    return "canceled"


def _ignored(event: Event) -> str:
    return "ignored"


_HANDLERS = {
    EventKind.PAYMENT_COMPLETED: _payment_completed,
    EventKind.PAYMENT_FAILED: _payment_failed,
    EventKind.REFUNDED: _refunded,
    EventKind.RENEWED: _renewed,
    EventKind.SUBSCRIPTION_UPDATED: _subscription_updated,
    EventKind.SUBSCRIPTION_CANCELED: _subscription_canceled,
    EventKind.IGNORED: _ignored,
}


# --- what readers see ------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    raised: int  # minor units
    goal: int
    percent: int  # 0–100, for the bar
    currency: str

    @property
    def raised_display(self) -> str:
        return money.format_amount(self.raised, self.currency)

    @property
    def goal_display(self) -> str:
        return money.format_amount(self.goal, self.currency)

    @property
    def step(self) -> int:
        """The bar's width in 5% steps, for a CSS class (no inline styles under the CSP)."""
        return self.percent - self.percent % 5

    def __iter__(self):
        return iter((self.raised, self.goal, self.percent))


def _goal_donations(rules: SupportSettings):
    rows = Donation.objects.filter(
        status=DonationStatus.COMPLETED, currency=rules.goal_currency.upper()
    )
    tz = timezone.get_current_timezone()
    if rules.goal_starts:
        start = dt.datetime.combine(rules.goal_starts, dt.time.min, tzinfo=tz)
        rows = rows.filter(completed_at__gte=start)
    if rules.goal_ends:
        end = dt.datetime.combine(rules.goal_ends + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        rows = rows.filter(completed_at__lt=end)
    return rows


def campaign_progress(rules: SupportSettings) -> Progress | None:
    """Completed donations in the goal's currency and period (refunded ones do not count)."""
    if not rules.goal_enabled or rules.goal_amount <= 0:
        return None
    currency = rules.goal_currency.upper()
    try:
        goal = money.to_minor(rules.goal_amount, currency)
    except money.MoneyError:  # a goal saved around the settings form's checks
        return None
    raised = _goal_donations(rules).aggregate(total=Sum("amount"))["total"] or 0
    percent = min(100, raised * 100 // goal) if goal else 0
    return Progress(raised=raised, goal=goal, percent=percent, currency=currency)


def supporters(limit: int = 20) -> list[Donation]:
    """Recent completed donations whose givers chose to appear, with a name or a message."""
    return list(
        Donation.objects.filter(status=DonationStatus.COMPLETED, show_publicly=True)
        .exclude(public_name="", message="")
        .order_by("-completed_at")[:limit]
    )


def totals(*, since: dt.datetime | None = None, until: dt.datetime | None = None) -> list[dict]:
    """Per currency: completed count and amount, refunded amount, in minor units."""
    rows = Donation.objects.filter(
        status__in=[DonationStatus.COMPLETED, DonationStatus.REFUNDED],
        completed_at__isnull=False,
    )
    if since:
        rows = rows.filter(completed_at__gte=since)
    if until:
        rows = rows.filter(completed_at__lt=until)
    out = rows.values("currency").annotate(
        count=Count("pk", filter=Q(status=DonationStatus.COMPLETED)),
        amount=Sum("amount", filter=Q(status=DonationStatus.COMPLETED)),
        refunded=Sum("refunded_amount"),
    )
    return [
        {
            "currency": row["currency"],
            "count": row["count"],
            "amount": row["amount"] or 0,
            "refunded": row["refunded"] or 0,
        }
        for row in out.order_by("currency")
    ]


# --- memberships -----------------------------------------------------------


def _local_event(membership: Membership, kind: EventKind, **fields) -> Event:
    return Event(
        provider=membership.provider,
        event_id=f"local-{kind}-{uuid.uuid4()}",
        kind=kind,
        event_type=f"masthead.{kind}",
        occurred_at=timezone.now(),
        subscription_reference=membership.provider_reference,
        **fields,
    )


def cancel_membership(membership: Membership) -> None:
    """Cancel at the provider; once it agreed (no ProviderError), record it here."""
    from . import providers

    if membership.status == MembershipStatus.CANCELED:
        return
    providers.get(membership.provider).cancel_membership(membership)
    apply_event(_local_event(membership, EventKind.SUBSCRIPTION_CANCELED))
    membership.refresh_from_db()


def change_membership_amount(
    membership: Membership, amount_minor: int, *, return_url: str = ""
) -> str:
    """Change the monthly amount at the provider, then here; bounds as for new donations.

    Returns "" when done, or the provider's page where the reader approves the
    new price (PayPal): until then nothing changes here, and the provider's
    update event records the amount once approved.
    """
    from . import providers

    if membership.status == MembershipStatus.CANCELED:
        raise DonationError("This monthly support has ended.", "__all__")
    rules = current_settings()
    low, high = amount_bounds(rules, membership.currency)
    if amount_minor < low or amount_minor > high:
        raise DonationError(
            f"Choose between {money.format_amount(low, membership.currency)} and "
            f"{money.format_amount(high, membership.currency)}."
        )
    approval = providers.get(membership.provider).change_membership_amount(
        membership, amount_minor, return_url=return_url
    )
    if approval:
        return approval
    apply_event(
        _local_event(
            membership,
            EventKind.SUBSCRIPTION_UPDATED,
            amount=amount_minor,
            currency=membership.currency,
        )
    )
    membership.refresh_from_db()
    return ""
