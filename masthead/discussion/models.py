"""Reader discussion: comments, votes, subscriptions to new comments, and the site's rules."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from masthead.core.memo import SettingPerGeneration

from .ratelimits import validate_rate


class ModerationMode(models.TextChoices):
    HOLD_ALL = "hold_all", "Hold every comment for approval"
    HOLD_FIRST = "hold_first", "Hold first-time commenters; approve known ones"
    APPROVE_ALL = "approve_all", "Publish every comment at once"


@register_setting(icon="comment")
class DiscussionSettings(SettingPerGeneration, BaseSiteSetting):
    """How comments work on this site: who waits for approval, and what keeps spam out."""

    comments_enabled = models.BooleanField(
        default=True, help_text="Off hides the reply form on every article (threads stay visible)."
    )
    moderation_mode = models.CharField(
        max_length=20, choices=ModerationMode.choices, default=ModerationMode.HOLD_FIRST
    )
    max_depth = models.PositiveSmallIntegerField(
        "thread depth",
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(8)],
        help_text="How deeply replies nest; 1 means no replies to replies.",
    )
    close_after_days = models.PositiveSmallIntegerField(
        default=0, help_text="Close comments this many days after publishing; 0 never closes."
    )
    page_size = models.PositiveSmallIntegerField(
        "threads per page",
        default=20,
        validators=[MinValueValidator(5), MaxValueValidator(100)],
        help_text="Top-level comments shown before 'Load more'.",
    )
    gravatar_enabled = models.BooleanField(
        "use Gravatar",
        default=False,
        help_text="Off: avatars are initials drawn here, and no reader's browser asks "
        "gravatar.com for anything.",
    )

    honeypot_enabled = models.BooleanField(
        default=True, help_text="A field people cannot see; bots that fill it are refused."
    )
    min_submit_seconds = models.PositiveSmallIntegerField(
        "minimum seconds to write",
        default=3,
        validators=[MaxValueValidator(600)],
        help_text="Refuse a comment sent sooner than this after the form was shown.",
    )
    rate_limit_per_ip = models.CharField(
        "rate limit per IP address",
        max_length=20,
        blank=True,
        default="10/h",
        validators=[validate_rate],
        help_text="Comments per address, as count/period: 10/h, 3/m, 50/d. Empty: no limit.",
    )
    rate_limit_per_email = models.CharField(
        max_length=20,
        blank=True,
        default="5/h",
        validators=[validate_rate],
        help_text="Comments per email address, as count/period. Empty: no limit.",
    )
    max_links = models.PositiveSmallIntegerField(
        default=2, help_text="Refuse comments with more links than this."
    )
    spam_words = models.TextField(
        blank=True,
        help_text="One word or phrase per line; a comment containing one goes to spam.",
    )
    moderation_words = models.TextField(
        blank=True,
        help_text="One word or phrase per line; a comment containing one waits for approval.",
    )
    blocked_emails = models.TextField(
        blank=True,
        help_text="One per line: a full address, or @domain.example for a whole domain.",
    )
    blocked_ips = models.TextField(
        "blocked IP addresses",
        blank=True,
        help_text="One per line: an address (203.0.113.7) or a network (203.0.113.0/24).",
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("comments_enabled"),
                FieldPanel("moderation_mode"),
                FieldPanel("max_depth"),
                FieldPanel("close_after_days"),
                FieldPanel("page_size"),
                FieldPanel("gravatar_enabled"),
            ],
            "Comments",
        ),
        MultiFieldPanel(
            [
                FieldPanel("honeypot_enabled"),
                FieldPanel("min_submit_seconds"),
                FieldPanel("rate_limit_per_ip"),
                FieldPanel("rate_limit_per_email"),
                FieldPanel("max_links"),
                FieldPanel("spam_words"),
                FieldPanel("moderation_words"),
                FieldPanel("blocked_emails"),
                FieldPanel("blocked_ips"),
            ],
            "Spam defence",
        ),
    ]

    class Meta:
        verbose_name = "Discussion settings"

    def clean(self):
        super().clean()
        from .spam import parse_networks

        try:
            parse_networks(self.blocked_ips)
        except ValueError as error:
            raise ValidationError({"blocked_ips": str(error)}) from error


class CommentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    SPAM = "spam", "Spam"
    TRASH = "trash", "Trash"


class CommentQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=CommentStatus.APPROVED)

    def on_article(self, article_id: int):
        return self.filter(article_id=article_id)

    def top_level(self):
        return self.filter(parent__isnull=True)

    def by_email(self, email: str):
        return self.filter(author_email=email.lower())


class Comment(models.Model):
    """One reader's (or an editor's) comment on an article, as plain text."""

    article = models.ForeignKey(
        "newsroom.ArticlePage", on_delete=models.CASCADE, related_name="discussion_comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    root = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The top-level comment of this thread; empty for a top-level comment.",
    )
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="discussion_comments",
    )
    author_name = models.CharField("name", max_length=80)
    author_email = models.EmailField("email", max_length=254)
    author_website = models.URLField("website", max_length=200, blank=True)
    body = models.TextField(max_length=5000)
    status = models.CharField(
        max_length=10, choices=CommentStatus.choices, default=CommentStatus.PENDING
    )
    held_because = models.CharField(
        max_length=200, blank=True, help_text="Why the comment was held or marked as spam."
    )
    is_staff_reply = models.BooleanField("staff", default=False)
    is_pinned = models.BooleanField("pinned", default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    upvotes = models.PositiveIntegerField(default=0)
    downvotes = models.PositiveIntegerField(default=0)
    score = models.IntegerField(default=0, help_text="Up votes minus down votes.")

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["article", "status", "created_at"]),
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["author_email"]),
        ]

    def __str__(self) -> str:
        return f"{self.author_name} on {self.article_id}: {self.body[:40]}"

    @property
    def is_public(self) -> bool:
        return self.status == CommentStatus.APPROVED

    @property
    def anchor(self) -> str:
        return f"comment-{self.pk}"


class CommentVote(models.Model):
    """One voter's up (+1) or down (-1) vote on a comment; a voter is a reader or a hash."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="votes")
    voter = models.CharField(max_length=64)
    value = models.SmallIntegerField(choices=[(1, "Up"), (-1, "Down")])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "voter"], name="one_vote_per_voter"),
            models.CheckConstraint(
                condition=models.Q(value__in=[1, -1]), name="vote_is_up_or_down"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voter} {self.value:+d} on comment {self.comment_id}"


class SubscriptionKind(models.TextChoices):
    ALL = "all", "New follow-up comments"
    REPLIES = "replies", "New replies to my comments"


class Subscription(models.Model):
    """An address that wants mail about new comments on one article."""

    article = models.ForeignKey(
        "newsroom.ArticlePage", on_delete=models.CASCADE, related_name="comment_subscriptions"
    )
    email = models.EmailField(max_length=254)
    kind = models.CharField(max_length=10, choices=SubscriptionKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comment_subscriptions",
    )
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article", "email", "kind"], name="one_subscription_per_kind"
            )
        ]
        indexes = [models.Index(fields=["email"])]

    def __str__(self) -> str:
        return f"{self.email}: {self.get_kind_display()} on {self.article_id}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class Notification(models.Model):
    """The ledger of notification mail: one row per (comment, address), written before
    sending, so a retried task never mails anyone twice about the same comment."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="notifications")
    email = models.EmailField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "email"], name="one_notification_per_address"
            )
        ]

    def __str__(self) -> str:
        return f"Comment {self.comment_id} to {self.email}"
