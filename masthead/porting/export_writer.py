"""Writing the Masthead export format (docs/export-format.md), and what reader and
writer share: the header, natural keys, and the translation of ids inside bodies.

The file is written item by item (one json.dumps per item), so exporting a large
publication never holds the whole document in memory.  Everything is keyed by
natural keys (slugs, content hashes, emails, public ids) and listed in a fixed
order, so importing a file into an empty site and exporting again gives the same
file, except for `exported_at`.
"""

import base64
import copy
import datetime as dt
import decimal
import hashlib
import json
import re
import uuid
from pathlib import Path

from django.db import models
from django.utils import timezone
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock
from wagtail.models import Page, Site

FORMAT = "masthead-export"
VERSION = 1  # the major version: a reader refuses files of a newer one

# The top-level lists, in the order they are written: everything a list refers to
# comes earlier in the file, so a one-pass reader creates referenced things first.
LISTS = (
    "images",
    "sections",
    "authors",
    "tags",
    "articles",
    "pages",
    "comments",
    "newsletters",
    "subscribers",
    "memberships",
    "donations",
    "redirects",
)

# Page fields every exported page carries (Wagtail's own, revision-independent ones).
PAGE_FIELDS = (
    "title",
    "slug",
    "seo_title",
    "search_description",
    "show_in_menus",
    "live",
    "first_published_at",
    "last_published_at",
    "go_live_at",
    "expire_at",
)

# Site settings that describe staff security rather than the publication stay out.
SETTINGS_APPS = ("newsroom", "discussion", "newsletters", "support", "ads")

_CHUNK = 1 << 16


class ExportFormatError(ValueError):
    """The file is not a Masthead export this version can read."""


def json_value(value):
    """A model field value as JSON: dates and times in ISO 8601, ids as strings."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def file_sha256(field_file) -> str:
    digest = hashlib.sha256()
    with field_file.open("rb") as stream:
        for chunk in iter(lambda: stream.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def page_ref(page, home) -> str:
    """A page's natural key: its slugs below the home page joined by "/" ("news/budget-vote")."""
    ancestors = page.get_ancestors(inclusive=True).filter(depth__gt=home.depth)
    return "/".join(ancestors.values_list("slug", flat=True))


# --- ids inside StreamField bodies -------------------------------------------------

# Rich text stores page links and embedded images by id: <a linktype="page" id="12">,
# <embed embedtype="image" id="7" .../>.  The export replaces the id by the natural key.
_RICH_TAG = re.compile(r"<(a|embed)\b[^>]*>", re.IGNORECASE)
_ID_ATTR = re.compile(r'\bid="([^"]*)"')


def _rewrite_rich_text(html: str, *, page, image) -> str:
    def one_tag(match: re.Match) -> str:
        tag = match.group(0)
        if 'linktype="page"' in tag:
            convert = page
        elif 'embedtype="image"' in tag:
            convert = image
        else:
            return tag
        return _ID_ATTR.sub(lambda m: f'id="{convert(m.group(1)) or ""}"', tag, count=1)

    return _RICH_TAG.sub(one_tag, html)


def _same(value):
    return value


def convert_stream(stream_block, raw: list, *, page, image, rich_text=_same, url=_same) -> list:
    """A copy of a StreamField's raw data with every image and page reference passed
    through `image(value)` / `page(value)` (in rich text too): ids to natural keys on
    export, natural keys back to ids on import.  Block ids (uuids) are kept.  The
    importer also passes rich text and URLs through its checks (`rich_text`, `url`)."""
    raw = copy.deepcopy(list(raw))

    def walk(block, value):
        if isinstance(block, ImageChooserBlock):
            return image(value) if value not in (None, "") else None
        if isinstance(block, blocks.PageChooserBlock):
            return page(value) if value not in (None, "") else None
        if isinstance(block, blocks.RichTextBlock):
            return rich_text(_rewrite_rich_text(value or "", page=page, image=image))
        if isinstance(block, blocks.URLBlock):
            return url(value or "")
        if isinstance(block, blocks.StreamBlock):
            for item in value or []:
                child = block.child_blocks.get(item.get("type"))
                if child is not None:
                    item["value"] = walk(child, item.get("value"))
            return value
        if isinstance(block, blocks.ListBlock):
            items = []
            for item in value or []:
                if isinstance(item, dict) and item.get("type") == "item" and "value" in item:
                    item["value"] = walk(block.child_block, item["value"])
                    items.append(item)
                else:
                    items.append(walk(block.child_block, item))
            return items
        if isinstance(block, blocks.StructBlock):
            if isinstance(value, dict):
                for name, child in block.child_blocks.items():
                    if name in value:
                        value[name] = walk(child, value[name])
            return value
        return value

    return walk(stream_block, raw)


# --- the writer ---------------------------------------------------------------------


class _Writer:
    """Writes the document key by key; lists item by item."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.first_key = True

    def _dumps(self, value) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def _key(self, key: str) -> None:
        self.stream.write("{\n" if self.first_key else ",\n")
        self.first_key = False
        self.stream.write(f"{json.dumps(key)}: ")

    def value(self, key: str, value) -> None:
        self._key(key)
        self.stream.write(self._dumps(value))

    def items(self, key: str, items) -> int:
        self._key(key)
        self.stream.write("[")
        count = 0
        for item in items:
            self.stream.write("\n" if count == 0 else ",\n")
            self.stream.write(self._dumps(item))
            count += 1
        self.stream.write("\n]" if count else "]")
        return count

    def close(self) -> None:
        self.stream.write("{}\n" if self.first_key else "\n}\n")


class _Exporter:
    def __init__(self) -> None:
        self.site = Site.objects.select_related("root_page").get(is_default_site=True)
        self.home = self.site.root_page.specific
        self.image_hash: dict[int, str] = {}  # image pk -> sha256 of its file
        self.refs: dict[int, str] = {}  # page pk -> natural key

    # natural keys

    def image_key(self, pk) -> str | None:
        try:
            return self.image_hash.get(int(pk))
        except (TypeError, ValueError):
            return None

    def page_key(self, pk) -> str | None:
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            return None
        if pk not in self.refs:
            page = Page.objects.filter(pk=pk).first()
            self.refs[pk] = (
                page_ref(page, self.home) if page and page.depth > self.home.depth else None
            )
        return self.refs[pk]

    def body(self, raw) -> list:
        from masthead.newsroom.blocks import ArticleBodyBlock

        return convert_stream(
            ArticleBodyBlock(), list(raw), page=self.page_key, image=self.image_key
        )

    def page_fields(self, page) -> dict:
        return {name: json_value(getattr(page, name)) for name in PAGE_FIELDS}

    # sections of the file

    def site_block(self) -> dict:
        return {
            "id": self.site.root_url,
            "site_name": self.site.site_name,
            "home": {"title": self.home.title, "intro": getattr(self.home, "intro", "")},
        }

    def settings_block(self) -> dict:
        from wagtail.contrib.settings.models import BaseSiteSetting
        from wagtail.contrib.settings.registry import registry

        result = {}
        for model in sorted(registry, key=lambda m: m._meta.label):
            if model._meta.app_label not in SETTINGS_APPS or not issubclass(model, BaseSiteSetting):
                continue
            row = model.objects.filter(site=self.site).first()
            if row is None:
                continue  # never saved: the importing site keeps its defaults too
            values = {}
            for field in model._meta.concrete_fields:
                if field.primary_key or field.name == "site":
                    continue
                value = getattr(row, field.attname)
                if isinstance(field, models.ForeignKey):
                    if field.related_model._meta.label != "wagtailimages.Image":
                        continue  # other links (users, pages) are not settings to carry
                    value = self.image_key(value)
                values[field.name] = json_value(value)
            result[model._meta.label] = values
        return result

    def images(self):
        from wagtail.images.models import Image

        for image in Image.objects.only("pk", "file").iterator():
            try:
                self.image_hash[image.pk] = file_sha256(image.file)
            except OSError:
                continue  # the file is gone; references to it are exported as empty
        seen = set()
        by_hash = sorted((h, pk) for pk, h in self.image_hash.items())
        for digest, pk in by_hash:
            if digest in seen:
                continue  # the same file uploaded twice is one image in the export
            seen.add(digest)
            image = Image.objects.select_related("collection").get(pk=pk)
            with image.file.open("rb") as stream:
                data = stream.read()
            collection = image.collection
            yield {
                "hash": digest,
                "title": image.title,
                "description": image.description,
                "file_name": Path(image.file.name).name,
                "collection": None if collection.is_root() else collection.name,
                "focal_point": [
                    image.focal_point_x,
                    image.focal_point_y,
                    image.focal_point_width,
                    image.focal_point_height,
                ],
                "tags": sorted(image.tags.values_list("name", flat=True)),
                "created_at": json_value(image.created_at),
                "data": base64.b64encode(data).decode("ascii"),
            }

    def sections(self):
        from masthead.newsroom.models import SectionPage

        for section in SectionPage.objects.child_of(self.home).order_by("path").iterator():
            yield {
                **self.page_fields(section),
                "description": section.description,
                "lists_all_articles": section.lists_all_articles,
                "menu_order": section.menu_order,
            }

    def authors(self):
        from masthead.newsroom.models import Author

        fields = ("name", "slug", "role", "bio", "email", "website_url", "x_url")
        fields += ("mastodon_url", "bluesky_url", "linkedin_url")
        for author in Author.objects.order_by("slug").iterator():
            item = {name: getattr(author, name) for name in fields}
            item["avatar"] = self.image_key(author.avatar_id)
            yield item

    def tags(self):
        from taggit.models import Tag

        used = Tag.objects.filter(newsroom_articletag_items__isnull=False).distinct()
        for tag in used.order_by("slug"):
            yield {"name": tag.name, "slug": tag.slug}

    def articles(self):
        from masthead.metrics.models import ArticleHourlyViews
        from masthead.newsroom.models import ArticlePage

        articles = ArticlePage.objects.descendant_of(self.home).order_by("path")
        for article in articles.iterator(chunk_size=200):
            section = article.get_parent()
            yield {
                **self.page_fields(article),
                "section": section.slug,
                "standfirst": article.standfirst,
                "body": self.body(article.body.raw_data),
                "featured_image": self.image_key(article.featured_image_id),
                "featured_caption": article.featured_caption,
                "featured_credit": article.featured_credit,
                "tags": sorted(article.tags.values_list("slug", flat=True)),
                "authors": list(
                    article.article_authors.order_by("sort_order", "pk").values_list(
                        "author__slug", flat=True
                    )
                ),
                "source_name": article.source_name,
                "original_url": article.original_url,
                "original_author": article.original_author,
                "comments_open": article.comments_open,
                "corrections": [
                    {"kind": c.kind, "date": json_value(c.date), "text": c.text}
                    for c in article.corrections.order_by("sort_order", "pk")
                ],
                "views": [
                    [hour, views]
                    for hour, views in ArticleHourlyViews.objects.filter(article=article)
                    .order_by("hour")
                    .values_list("hour", "views")
                ],
            }

    def pages(self):
        from masthead.newsroom.models import StandardPage

        for page in StandardPage.objects.child_of(self.home).order_by("path").iterator():
            yield {
                **self.page_fields(page),
                "intro": page.intro,
                "body": self.body(page.body.raw_data),
            }

    def comments(self):
        from masthead.discussion.models import Comment

        comments = Comment.objects.filter(article__path__startswith=self.home.path).order_by(
            "article__path", "created_at", "pk"
        )
        # Comments are numbered 1..N in file order (a generated id); a reply names its
        # parent's number, wherever the parent sorts.
        order = list(comments.values_list("pk", flat=True))
        numbers = {pk: n for n, pk in enumerate(order, start=1)}
        fields = ("author_name", "author_email", "author_website", "body", "status")
        fields += ("held_because", "is_staff_reply", "is_pinned", "created_at", "edited_at")
        fields += ("approved_at", "ip_address", "user_agent", "upvotes", "downvotes", "score")
        for comment in comments.iterator(chunk_size=500):
            item = {name: json_value(getattr(comment, name)) for name in fields}
            item["id"] = numbers[comment.pk]
            item["parent"] = numbers.get(comment.parent_id)
            item["article"] = self.page_key(comment.article_id)
            yield item

    def newsletters(self):
        from masthead.newsletters.models import Newsletter

        fields = ("name", "slug", "description", "sender_name", "sender_email", "reply_to")
        fields += ("frequency", "is_active", "sort_order", "created_at")
        for newsletter in Newsletter.objects.order_by("slug"):
            yield {name: json_value(getattr(newsletter, name)) for name in fields}

    def subscribers(self):
        from masthead.newsletters.models import Subscriber

        subscription_fields = ("status", "requested_at", "confirmed_at", "unsubscribed_at")
        subscription_fields += ("source", "consent_ip")
        subscribers = Subscriber.objects.order_by("email").prefetch_related(
            "subscriptions__newsletter"
        )
        for subscriber in subscribers.iterator(chunk_size=500):
            yield {
                "email": subscriber.email,
                "name": subscriber.name,
                "status": subscriber.status,
                "status_reason": subscriber.status_reason,
                "created_at": json_value(subscriber.created_at),
                "subscriptions": sorted(
                    (
                        {
                            "newsletter": row.newsletter.slug,
                            **{
                                name: json_value(getattr(row, name)) for name in subscription_fields
                            },
                        }
                        for row in subscriber.subscriptions.all()
                    ),
                    key=lambda row: row["newsletter"],
                ),
            }

    def memberships(self):
        from masthead.support.models import Membership

        fields = ("public_id", "provider", "provider_reference", "amount", "currency", "status")
        fields += ("email", "public_name", "created_at", "started_at", "canceled_at")
        fields += ("current_period_end",)
        for membership in Membership.objects.order_by("public_id").iterator():
            yield {name: json_value(getattr(membership, name)) for name in fields}

    def donations(self):
        from masthead.support.models import Donation

        fields = ("public_id", "provider", "frequency", "amount", "currency", "status", "email")
        fields += ("public_name", "message", "show_publicly", "provider_reference")
        fields += ("provider_payment_id", "refunded_amount", "created_at", "completed_at")
        fields += ("failed_at", "refunded_at", "receipt_sent_at", "failure_reason", "source_path")
        donations = Donation.objects.order_by("public_id").select_related("membership")
        for donation in donations.iterator(chunk_size=500):
            item = {name: json_value(getattr(donation, name)) for name in fields}
            item["membership"] = json_value(
                donation.membership.public_id if donation.membership else None
            )
            yield item

    def redirects(self):
        from django.db.models import Q
        from wagtail.contrib.redirects.models import Redirect

        redirects = Redirect.objects.filter(Q(site=self.site) | Q(site__isnull=True))
        for redirect in redirects.order_by("old_path", "site_id", "pk"):
            yield {
                "old_path": redirect.old_path,
                "all_sites": redirect.site_id is None,
                "is_permanent": redirect.is_permanent,
                "page": self.page_key(redirect.redirect_page_id),
                "page_route_path": redirect.redirect_page_route_path,
                "link": redirect.redirect_link,
                "automatically_created": redirect.automatically_created,
            }


def export_site(path) -> dict[str, int]:
    """Write the whole publication to `path`; returns how many items of each kind."""
    exporter = _Exporter()
    counts: dict[str, int] = {}
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    # Written beside the target and renamed at the end, so a failed export never
    # leaves a truncated file under the name the user asked for.
    with partial.open("w", encoding="utf-8") as stream:
        writer = _Writer(stream)
        writer.value("format", FORMAT)
        writer.value("version", VERSION)
        writer.value("exported_at", timezone.now().isoformat())
        writer.value("site", exporter.site_block())
        # Images first: settings and everything after refer to them by hash.
        counts["images"] = writer.items("images", exporter.images())
        writer.value("settings", exporter.settings_block())
        for key in LISTS[1:]:
            counts[key] = writer.items(key, getattr(exporter, key)())
        writer.close()
    partial.replace(target)
    return counts
