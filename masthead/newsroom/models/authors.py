from django.db import models
from django.urls import reverse
from django.utils.text import slugify
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.search import index


class Author(index.Indexed, models.Model):
    """A byline: someone who writes for the publication (not necessarily a user)."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    role = models.CharField(max_length=120, blank=True, help_text="e.g. Senior analyst")
    bio = models.TextField(blank=True)
    avatar = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField(blank=True, help_text="Not shown publicly; used to match imports.")
    website_url = models.URLField(blank=True)
    x_url = models.URLField("X URL", blank=True)
    mastodon_url = models.URLField(blank=True)
    bluesky_url = models.URLField(blank=True)
    linkedin_url = models.URLField("LinkedIn URL", blank=True)
    user = models.OneToOneField(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="author"
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("role"),
        FieldPanel("bio"),
        FieldPanel("avatar"),
        FieldPanel("email"),
        FieldPanel("user"),
        MultiFieldPanel(
            [
                FieldPanel("website_url"),
                FieldPanel("x_url"),
                FieldPanel("mastodon_url"),
                FieldPanel("bluesky_url"),
                FieldPanel("linkedin_url"),
            ],
            "Links",
        ),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:120]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("newsroom:author", kwargs={"slug": self.slug})

    def social_links(self) -> list[dict]:
        links = [
            ("website", "Website", self.website_url),
            ("x", "X", self.x_url),
            ("mastodon", "Mastodon", self.mastodon_url),
            ("bluesky", "Bluesky", self.bluesky_url),
            ("linkedin", "LinkedIn", self.linkedin_url),
        ]
        return [{"key": k, "label": label, "url": url} for k, label, url in links if url]
