"""Reader support: donations (one-time payments and each monthly renewal) and memberships.

Amounts are integers in the currency's minor unit (see money.py).  A Donation
row exists before the reader leaves for the provider; only a verified provider
event (webhook or the provider's confirmation call) completes it.  Each event
is stored once by (provider, event id), which makes handling idempotent.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from masthead.core.memo import SettingPerGeneration

from . import money


class Provider(models.TextChoices):
    STRIPE = "stripe", "Stripe"
    PAYPAL = "paypal", "PayPal"
    OFFLINE = "offline", "Offline test provider"


class Frequency(models.TextChoices):
    ONE_TIME = "once", "One-time"
    MONTHLY = "monthly", "Monthly"


def _codes(value: str) -> list[str]:
    return [c.strip().upper() for c in value.split(",") if c.strip()]


def _numbers(value: str) -> list[int]:
    return [int(n) for n in value.replace(" ", "").split(",") if n]


@register_setting(icon="pick")
class SupportSettings(SettingPerGeneration, BaseSiteSetting):
    """How readers can support the publication: amounts, currencies, the campaign goal."""

    enabled = models.BooleanField("accept support", default=True)
    heading = models.CharField(max_length=120, default="Support independent journalism")
    text = models.CharField(
        max_length=300,
        blank=True,
        default="We are funded by our readers. Every contribution keeps our reporting free.",
    )
    currencies = models.CharField(
        max_length=100, default="USD,EUR", help_text="ISO 4217 codes, comma-separated."
    )
    preset_amounts = models.CharField(
        max_length=100,
        default="5,10,25,50,100",
        help_text="Whole amounts in the currency's main unit, comma-separated.",
    )
    minimum_amount = models.PositiveIntegerField(default=1, help_text="In the main unit.")
    maximum_amount = models.PositiveIntegerField(default=10_000, help_text="In the main unit.")
    quick_amount = models.PositiveIntegerField(
        default=10, help_text='The one-click "Donate a quick N" amount; 0 hides it.'
    )
    monthly_enabled = models.BooleanField("offer monthly support", default=True)
    supporters_list_enabled = models.BooleanField(
        "show a list of supporters",
        default=True,
        help_text="Supporters who chose to appear, with their public name and message.",
    )
    widget_in_sidebar = models.BooleanField("donate box in the sidebar", default=True)
    widget_after_articles = models.BooleanField("donate box after articles", default=False)
    goal_enabled = models.BooleanField("show a campaign goal", default=False)
    goal_label = models.CharField(max_length=120, blank=True, default="Our winter appeal")
    goal_amount = models.PositiveIntegerField(default=0, help_text="In the main unit.")
    goal_currency = models.CharField(max_length=3, default="USD")
    goal_starts = models.DateField(null=True, blank=True)
    goal_ends = models.DateField(null=True, blank=True)

    panels = [
        FieldPanel("enabled"),
        MultiFieldPanel([FieldPanel("heading"), FieldPanel("text")], heading="Wording"),
        MultiFieldPanel(
            [
                FieldPanel("currencies"),
                FieldPanel("preset_amounts"),
                FieldPanel("minimum_amount"),
                FieldPanel("maximum_amount"),
                FieldPanel("quick_amount"),
                FieldPanel("monthly_enabled"),
            ],
            heading="Amounts",
        ),
        MultiFieldPanel(
            [
                FieldPanel("supporters_list_enabled"),
                FieldPanel("widget_in_sidebar"),
                FieldPanel("widget_after_articles"),
            ],
            heading="Where it shows",
        ),
        MultiFieldPanel(
            [
                FieldPanel("goal_enabled"),
                FieldPanel("goal_label"),
                FieldPanel("goal_amount"),
                FieldPanel("goal_currency"),
                FieldPanel("goal_starts"),
                FieldPanel("goal_ends"),
            ],
            heading="Campaign goal",
        ),
    ]

    class Meta:
        verbose_name = "Support settings"

    @property
    def currency_list(self) -> list[str]:
        return _codes(self.currencies)

    @property
    def preset_list(self) -> list[int]:
        return _numbers(self.preset_amounts)

    def clean(self):
        errors = {}
        codes = _codes(self.currencies)
        unknown = [c for c in codes if c not in money.EXPONENTS]
        if not codes or unknown:
            errors["currencies"] = "Give one or more known ISO 4217 codes" + (
                f" ({', '.join(unknown)} is not one)." if unknown else "."
            )
        try:
            presets = _numbers(self.preset_amounts)
        except ValueError:
            presets = None
            errors["preset_amounts"] = "Give whole numbers separated by commas, e.g. 5,10,25."
        if presets is not None and not presets:
            errors["preset_amounts"] = "Give at least one amount."
        if self.minimum_amount < 1:
            errors["minimum_amount"] = "The minimum is at least 1."
        if self.maximum_amount <= self.minimum_amount:
            errors["maximum_amount"] = "The maximum must be above the minimum."
        elif self.maximum_amount > money.HARD_MAXIMUM_MAJOR:
            errors["maximum_amount"] = f"At most {money.HARD_MAXIMUM_MAJOR:,}."
        if presets and any(not self.minimum_amount <= p <= self.maximum_amount for p in presets):
            errors["preset_amounts"] = "Every preset must lie between the minimum and maximum."
        if self.goal_enabled:
            if self.goal_amount <= 0:
                errors["goal_amount"] = "Give the goal's target."
            if self.goal_currency not in codes:
                errors["goal_currency"] = "The goal's currency must be one of the currencies."
            if self.goal_starts and self.goal_ends and self.goal_ends < self.goal_starts:
                errors["goal_ends"] = "The goal ends after it starts."
        if errors:
            raise ValidationError(errors)


class DonationStatus(models.TextChoices):
    CREATED = "created", "Created"  # the reader has not reached the provider yet
    PENDING = "pending", "Pending"  # at the provider, awaiting its word
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    REFUNDED = "refunded", "Refunded"


class MembershipStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"
    PAST_DUE = "past_due", "Payment failed"
    CANCELED = "canceled", "Canceled"


class Membership(models.Model):
    """Monthly support: a subscription at the provider; each payment is a Donation."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.CharField(max_length=10, choices=Provider.choices)
    provider_reference = models.CharField(
        max_length=200, blank=True, help_text="The provider's subscription id."
    )
    amount = models.PositiveBigIntegerField(help_text="Per month, in the currency's minor unit.")
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=10, choices=MembershipStatus.choices, default=MembershipStatus.PENDING
    )
    email = models.EmailField(max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="memberships",
    )
    public_name = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_reference"],
                condition=~models.Q(provider_reference=""),
                name="one_membership_per_provider_subscription",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="membership_amount_positive"
            ),
        ]
        indexes = [models.Index(fields=["email"]), models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{money.format_amount(self.amount, self.currency)}/month from {self.email}"


class Donation(models.Model):
    """One payment: a one-time donation, or one month of a membership."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.CharField(max_length=10, choices=Provider.choices)
    frequency = models.CharField(
        max_length=10, choices=Frequency.choices, default=Frequency.ONE_TIME
    )
    amount = models.PositiveBigIntegerField(help_text="In the currency's minor unit.")
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=10, choices=DonationStatus.choices, default=DonationStatus.CREATED
    )
    email = models.EmailField(max_length=254, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="donations",
    )
    public_name = models.CharField(max_length=80, blank=True)
    message = models.TextField(max_length=500, blank=True)
    show_publicly = models.BooleanField(default=False)
    membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="payments"
    )
    # The provider's ids: checkout session or order (reference), payment or capture.
    provider_reference = models.CharField(max_length=200, blank=True, db_index=True)
    provider_payment_id = models.CharField(max_length=200, blank=True, db_index=True)
    refunded_amount = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    receipt_sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    failure_reason = models.CharField(max_length=300, blank=True)
    source_path = models.CharField(
        max_length=300, blank=True, help_text="The page the reader donated from."
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="donation_amount_positive"
            ),
        ]
        indexes = [models.Index(fields=["status", "completed_at"]), models.Index(fields=["email"])]

    def __str__(self) -> str:
        return f"{money.format_amount(self.amount, self.currency)} ({self.get_status_display()})"

    @property
    def display_amount(self) -> str:
        return money.format_amount(self.amount, self.currency)


class ProviderEvent(models.Model):
    """A provider's event, stored once: the key to handling replays and duplicates."""

    provider = models.CharField(max_length=10, choices=Provider.choices)
    event_id = models.CharField(max_length=200)
    event_type = models.CharField(max_length=100)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=300, blank=True)
    payload = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="one_row_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id} {self.event_type}"
