"""Advertising: where ads may appear (placements), who pays and when (campaigns), what is
shown (creatives), and the honest counts (impressions and clicks per creative per day).

Days are integers counted from the Unix epoch in UTC, as in masthead.metrics.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from masthead.core.memo import SettingPerGeneration

# Sizes the theme reserves before an ad loads (CSS px, width x height).  Each has a
# class in ads.css; the box keeps its aspect ratio on narrow screens.
SIZES = [
    ("728x90", "Leaderboard 728 × 90"),
    ("970x250", "Billboard 970 × 250"),
    ("468x60", "Banner 468 × 60"),
    ("300x250", "Medium rectangle 300 × 250"),
    ("300x600", "Half page 300 × 600"),
    ("320x100", "Large mobile banner 320 × 100"),
    ("600x200", "Newsletter 600 × 200"),
]


class Placement(models.Model):
    """A named slot the theme renders; editors decide whether it shows and where."""

    class Kind(models.TextChoices):
        HEADER = "header", "Header banner"
        SIDEBAR = "sidebar", "Sidebar"
        IN_ARTICLE = "in_article", "In article, after paragraph N"
        BETWEEN = "between_articles", "Between continued articles"
        FOOTER = "footer", "Footer"
        NEWSLETTER = "newsletter", "Inside newsletters"

    name = models.CharField(max_length=100)
    key = models.SlugField(max_length=60, unique=True, help_text="A stable name for the slot.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    size = models.CharField(max_length=10, choices=SIZES, default="300x250")
    paragraph = models.PositiveSmallIntegerField(
        default=3,
        help_text="In-article placements: the ad follows this paragraph. Shorter articles "
        "show no in-article ad.",
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Order among placements of the same kind (sidebars)."
    )
    enabled = models.BooleanField(default=True)
    sections = models.ManyToManyField(
        "newsroom.SectionPage",
        blank=True,
        related_name="+",
        help_text="Show only on these sections' pages and articles; none means everywhere.",
    )

    class Meta:
        ordering = ["kind", "position", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def width(self) -> int:
        return int(self.size.split("x")[0])

    @property
    def height(self) -> int:
        return int(self.size.split("x")[1])


class Campaign(models.Model):
    """Who advertises, when, how often and where: the rules its creatives run under."""

    name = models.CharField(max_length=150)
    advertiser = models.CharField(max_length=150, help_text="Shown in reports, not to readers.")
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty: runs until stopped.")
    weight = models.PositiveIntegerField(
        default=10,
        help_text="Share of rotation against other campaigns in the same slot (1–1000).",
    )
    daily_impression_cap = models.PositiveIntegerField(
        null=True, blank=True, help_text="Stop showing after this many impressions a day (UTC)."
    )
    visitor_daily_cap = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="At most this many impressions per visitor a day."
    )
    sections = models.ManyToManyField(
        "newsroom.SectionPage",
        blank=True,
        related_name="+",
        help_text="Run only on these sections' pages and articles; none means everywhere.",
    )
    active = models.BooleanField(default=True, help_text="Untick to pause the campaign.")
    is_house = models.BooleanField(
        default=False, help_text="The publication's own promotions (donate, newsletter)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight__gte=1, weight__lte=1000), name="ads_campaign_weight"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="ads_campaign_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.advertiser})"

    def clean(self) -> None:
        if self.ends_at and self.starts_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The campaign must end after it starts."})

    def is_running(self, at=None) -> bool:
        at = at or timezone.now()
        return self.active and self.starts_at <= at and (self.ends_at is None or at < self.ends_at)


class Creative(models.Model):
    """One ad: an image, sanitised HTML, a third-party tag (administrators only), or a
    house ad pointing inside the site."""

    class Kind(models.TextChoices):
        IMAGE = "image", "Image with link"
        HTML = "html", "HTML (sanitised)"
        TAG = "tag", "Third-party ad tag (script)"
        HOUSE = "house", "House ad"

    class HouseTarget(models.TextChoices):
        DONATE = "donate", "Support us (donate page)"
        NEWSLETTER = "newsletter", "Newsletter signup"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="creatives")
    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.IMAGE)
    placements = models.ManyToManyField(Placement, related_name="creatives", blank=True)
    weight = models.PositiveSmallIntegerField(
        default=1, help_text="Share within its campaign (1–100)."
    )
    active = models.BooleanField(default=True)
    image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    alt_text = models.CharField(max_length=250, blank=True)
    link_url = models.URLField(
        max_length=1000, blank=True, help_text="Where a click goes (http or https)."
    )
    html = models.TextField(blank=True, help_text="Sanitised when saved; no scripts or styles.")
    tag = models.TextField(
        blank=True,
        help_text="The advertiser's script tag; runs in a sandboxed frame of its own.",
    )
    house_target = models.CharField(max_length=20, choices=HouseTarget.choices, blank=True)
    headline = models.CharField(max_length=120, blank=True)
    text = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["campaign", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight__gte=1, weight__lte=100), name="ads_creative_weight"
            ),
        ]

    def __str__(self) -> str:
        return self.name


@register_setting(icon="media")
class AdsSettings(SettingPerGeneration, BaseSiteSetting):
    enabled = models.BooleanField(default=True, help_text="Untick to show no ads anywhere.")
    label = models.CharField(
        max_length=40, default="Advertisement", help_text="The word shown above every ad."
    )
    allow_third_party_tags = models.BooleanField(
        "Allow third-party ad tags",
        default=False,
        help_text="Run third-party ad tags (scripts from ad networks). Off keeps every ad "
        "on this site's own servers: no third-party requests, no tracking by ad networks.",
    )

    class Meta:
        verbose_name = "Advertising settings"


class CreativeDailyStats(models.Model):
    """Counted impressions and clicks of one creative on one UTC day."""

    creative = models.ForeignKey(Creative, on_delete=models.CASCADE, related_name="daily_stats")
    day = models.IntegerField(help_text="Days since 1970-01-01 (UTC).")
    impressions = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["creative", "day"], name="ads_one_row_per_day")
        ]
        indexes = [models.Index(fields=["day"], name="ads_stats_day")]

    def __str__(self) -> str:
        return f"{self.creative_id} day {self.day}: {self.impressions}/{self.clicks}"


class AdClaim(models.Model):
    """A visitor's claim on counting one creative's impression (or click) until `expires`:
    the ads twin of metrics.ViewClaim, so replayed or repeated beacons count once."""

    visitor = models.CharField(max_length=32, primary_key=True)
    expires = models.BigIntegerField(db_index=True)

    def __str__(self) -> str:
        return self.visitor


class VisitorCapCount(models.Model):
    """Impressions counted for one visitor of one campaign on one day, for the
    per-visitor cap.  `visitor` hashes (daily salt, IP, user agent, campaign)."""

    visitor = models.CharField(max_length=32, primary_key=True)
    day = models.IntegerField(db_index=True)
    impressions = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.visitor} day {self.day}: {self.impressions}"
