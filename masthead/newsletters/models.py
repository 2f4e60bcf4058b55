"""Newsletters: lists, subscribers with their consent, issues, and one delivery row per email.

The delivery ledger is what makes sending resumable: a row per (issue,
subscriber) moves queued -> sending (claimed by one worker, with a lease) ->
sent or failed, and only a row that is not yet "sent" is ever mailed again.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail import blocks
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Orderable

from masthead.core.memo import SettingPerGeneration


class Frequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    IRREGULAR = "irregular", "When there is news"


class Newsletter(models.Model):
    """A list readers subscribe to ("Daily briefing")."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True)
    sender_name = models.CharField(
        max_length=100, blank=True, help_text="The sender name; the publication's name if empty."
    )
    sender_email = models.EmailField(
        blank=True, help_text="The From address; the site's DEFAULT_FROM_EMAIL if empty."
    )
    reply_to = models.EmailField(blank=True)
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY)
    is_active = models.BooleanField(
        "open for signups", default=True, help_text="Offered in signup forms and the API."
    )
    sort_order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class SubscriberStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    BOUNCED = "bounced", "Bounced"
    COMPLAINED = "complained", "Complained"


class Subscriber(models.Model):
    """An email address; its consent lives per newsletter in ListSubscription."""

    email = models.EmailField(max_length=254, unique=True, help_text="Stored lower-cased.")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="newsletter_subscriber",
    )
    name = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        max_length=10, choices=SubscriberStatus.choices, default=SubscriberStatus.ACTIVE
    )
    status_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.email


class SubscriptionStatus(models.TextChoices):
    PENDING = "pending", "Awaiting confirmation"
    ACTIVE = "active", "Subscribed"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"


class ListSubscription(models.Model):
    """One address on one newsletter, with the record of its consent."""

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="subscriptions"
    )
    newsletter = models.ForeignKey(
        Newsletter, on_delete=models.CASCADE, related_name="subscriptions"
    )
    status = models.CharField(
        max_length=12, choices=SubscriptionStatus.choices, default=SubscriptionStatus.PENDING
    )
    # A fresh nonce per request: a confirmation link names it, so an old link
    # cannot confirm a later request (e.g. after an unsubscribe).
    confirm_nonce = models.CharField(max_length=32, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(
        max_length=20, blank=True, help_text="form, api, reader, import or admin"
    )
    consent_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "newsletter"], name="one_subscription_per_list"
            )
        ]
        indexes = [models.Index(fields=["newsletter", "status"])]

    def __str__(self) -> str:
        return f"{self.subscriber_id} on {self.newsletter_id}: {self.status}"


class IssueKind(models.TextChoices):
    MANUAL = "manual", "Hand-picked articles"
    DIGEST = "digest", "Digest of the latest and trending articles"


class IssueStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"


class IssueSectionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120, required=False)
    text = blocks.RichTextBlock(features=["bold", "italic", "link", "ol", "ul"])

    class Meta:
        icon = "doc-full"
        label = "Section"


class Issue(ClusterableModel):
    """One edition of a newsletter, composed in the admin and sent once."""

    newsletter = models.ForeignKey(Newsletter, on_delete=models.PROTECT, related_name="issues")
    subject = models.CharField(max_length=200)
    preheader = models.CharField(
        max_length=200, blank=True, help_text="The preview line mail apps show after the subject."
    )
    intro = models.TextField(blank=True)
    kind = models.CharField(max_length=10, choices=IssueKind.choices, default=IssueKind.MANUAL)
    digest_days = models.PositiveSmallIntegerField(
        default=7, help_text="For a digest: how many days back it reaches."
    )
    digest_size = models.PositiveSmallIntegerField(
        default=8, help_text="For a digest: how many articles at most."
    )
    sections = StreamField([("section", IssueSectionBlock())], blank=True)
    status = models.CharField(
        max_length=10, choices=IssueStatus.choices, default=IssueStatus.DRAFT, db_index=True
    )
    scheduled_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # What was sent, frozen when sending starts; the web version shows this.
    sent_html = models.TextField(blank=True, editable=False)
    sent_text = models.TextField(blank=True, editable=False)
    recipients = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject


class IssueArticle(Orderable):
    issue = ParentalKey(Issue, on_delete=models.CASCADE, related_name="chosen_articles")
    article = models.ForeignKey("newsroom.ArticlePage", on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"{self.issue_id}: {self.article_id}"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Delivery(models.Model):
    """One email of one issue to one subscriber: the unit of sending, retrying and counting."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(
        Subscriber, null=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    email = models.EmailField(max_length=254)
    status = models.CharField(
        max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.CharField(max_length=80, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    message_id = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "subscriber"], name="one_delivery_per_subscriber"
            )
        ]
        indexes = [
            models.Index(fields=["issue", "status", "next_attempt_at"]),
            models.Index(fields=["status", "claimed_at"]),
            models.Index(fields=["message_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.issue_id} -> {self.email}: {self.status}"


@register_setting(icon="mail")
class NewsletterSettings(SettingPerGeneration, BaseSiteSetting):
    """How newsletters are offered and sent."""

    signup_in_sidebar = models.BooleanField("signup form in the sidebar", default=True)
    signup_after_articles = models.BooleanField("signup form after articles", default=True)
    signup_heading = models.CharField(max_length=120, default="Get our newsletters")
    signup_text = models.CharField(
        max_length=300, default="The day's stories and the week's analysis, in your inbox."
    )
    emails_per_minute = models.PositiveIntegerField(
        default=0,
        help_text="The most emails all workers together send per minute; 0 means no limit. "
        "Set it to what your SMTP relay accepts.",
    )
    max_attempts = models.PositiveSmallIntegerField(
        default=5, help_text="A delivery that failed this many times is given up."
    )
    confirm_days = models.PositiveSmallIntegerField(
        default=7, help_text="Unconfirmed signups are forgotten after this many days."
    )

    class Meta:
        verbose_name = "Newsletter settings"
