from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from masthead.core.memo import SettingPerGeneration

SOCIAL_NETWORKS = [
    ("youtube", "YouTube"),
    ("x", "X"),
    ("facebook", "Facebook"),
    ("instagram", "Instagram"),
    ("telegram", "Telegram"),
    ("mastodon", "Mastodon"),
    ("bluesky", "Bluesky"),
    ("linkedin", "LinkedIn"),
]


@register_setting(icon="site")
class PublicationSettings(SettingPerGeneration, BaseSiteSetting):
    """What the publication says about itself: name, look, links, calls to action."""

    select_related = ["logo"]

    name = models.CharField(max_length=120, default="Masthead")
    tagline = models.CharField(max_length=200, blank=True)
    logo = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    footer_text = models.TextField(blank=True)
    youtube_url = models.URLField(blank=True)
    x_url = models.URLField("X URL", blank=True)
    facebook_url = models.URLField(blank=True)
    instagram_url = models.URLField(blank=True)
    telegram_url = models.URLField(blank=True)
    mastodon_url = models.URLField(blank=True)
    bluesky_url = models.URLField(blank=True)
    linkedin_url = models.URLField("LinkedIn URL", blank=True)
    show_rss_link = models.BooleanField("Show RSS link", default=True)
    support_heading = models.CharField(max_length=120, default="Liked it? Support us")
    support_text = models.CharField(
        max_length=300,
        blank=True,
        default="Independent journalism depends on readers like you.",
    )
    support_link_text = models.CharField(max_length=60, default="Support us")
    support_url = models.CharField(
        max_length=300,
        blank=True,
        help_text="A path on this site (/support/) or a full external URL (e.g. Patreon).",
    )
    feed_full_content = models.BooleanField(
        default=True, help_text="Feeds carry the whole article; off means the standfirst only."
    )
    feed_item_count = models.PositiveSmallIntegerField(default=30)

    panels = [
        MultiFieldPanel(
            [FieldPanel("name"), FieldPanel("tagline"), FieldPanel("logo")], "Identity"
        ),
        MultiFieldPanel(
            [
                FieldPanel("youtube_url"),
                FieldPanel("x_url"),
                FieldPanel("facebook_url"),
                FieldPanel("instagram_url"),
                FieldPanel("telegram_url"),
                FieldPanel("mastodon_url"),
                FieldPanel("bluesky_url"),
                FieldPanel("linkedin_url"),
                FieldPanel("show_rss_link"),
            ],
            "Connect with us",
        ),
        MultiFieldPanel(
            [
                FieldPanel("support_heading"),
                FieldPanel("support_text"),
                FieldPanel("support_link_text"),
                FieldPanel("support_url"),
            ],
            "Support call to action",
        ),
        MultiFieldPanel([FieldPanel("feed_full_content"), FieldPanel("feed_item_count")], "Feeds"),
        FieldPanel("footer_text"),
    ]

    class Meta:
        verbose_name = "Publication settings"

    def social_links(self) -> list[dict]:
        """The filled-in social links in display order, each with key, label and url."""
        return [
            {"key": key, "label": label, "url": getattr(self, f"{key}_url")}
            for key, label in SOCIAL_NETWORKS
            if getattr(self, f"{key}_url")
        ]
