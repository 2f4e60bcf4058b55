"""Reading the Masthead export format back: `masthead import masthead FILE.json`.

The file is read once, in document order, with ijson: each item of a top-level
list is built on its own and imported in its own step, so memory stays bounded
by the largest single item (an image with its file).  Natural keys are resolved
through the import ledger (source "masthead", origin = the exporting site), which
is also what makes a second run of the same import a no-op.
"""

import base64
import binascii
import datetime as dt
import hashlib
import io
import secrets
from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlsplit

import ijson
import nh3
from django.core.files.images import ImageFile
from django.db import models
from ijson.common import ObjectBuilder
from wagtail.models import Collection, Page, Site

from .base import Importer, Skip, Step
from .export_writer import (
    FORMAT,
    LISTS,
    PAGE_FIELDS,
    SETTINGS_APPS,
    VERSION,
    ExportFormatError,
    convert_stream,
)
from .ledger import Ledger

SAFE_URL_SCHEMES = frozenset({"http", "https", "mailto"})

# What Wagtail's editor writes for the paragraph block's features, in its database
# form; a file is untrusted, so anything else (scripts, event handlers, styles) goes.
_RICH_TEXT_TAGS = {"p", "b", "i", "a", "ol", "ul", "li", "sup", "sub", "br", "embed"}
_RICH_TEXT_ATTRIBUTES = {
    "*": {"data-block-key"},
    "a": {"href", "linktype", "id"},
    "embed": {"embedtype", "id", "format", "alt"},
}


def clean_stored_rich_text(html: str) -> str:
    return nh3.clean(
        html,
        tags=_RICH_TEXT_TAGS,
        clean_content_tags={"script", "style", "template"},
        attributes=_RICH_TEXT_ATTRIBUTES,
        url_schemes=set(SAFE_URL_SCHEMES),
        link_rel=None,
        strip_comments=True,
    )


_DATETIME_FIELDS = ("first_published_at", "last_published_at", "go_live_at", "expire_at")


def _when(value) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _fill(obj, item: dict, names) -> None:
    """Set plain model fields from the item, converted by each field's own to_python."""
    for name in names:
        if name in item:
            field = obj._meta.get_field(name)
            setattr(obj, field.attname, field.to_python(item[name]))


class MastheadImporter(Importer):
    source = "masthead"

    def __init__(self, path, **kwargs) -> None:
        super().__init__(path, **kwargs)
        self.ledger: Ledger | None = None
        self.site = None
        self.home = None
        self.ids: dict[str, dict[str, int]] = {}  # kind -> natural key -> object pk
        self.comment_pks: dict[int, int] = {}  # number in the file -> comment pk
        self.orphan_replies: dict[int, int] = {}  # comment pk -> parent's number
        self._current = ""  # the item being imported, for warnings
        self.unresolved_pages: dict[int, tuple[str, list]] = {}  # page pk -> (field, body)

    # --- reading --------------------------------------------------------------------

    def _events(self, stream):
        try:
            yield from ijson.parse(stream, use_float=True)
        except ijson.JSONError as exc:
            raise ExportFormatError(
                f"the file is not complete, valid JSON (cut short or altered?): {exc}"
            ) from None

    def _read(self) -> Iterator[tuple[str, object]]:
        """(key, value) for each header value, and (list key, item) for each list item."""
        with self.path.open("rb") as stream:
            events = self._events(stream)
            header: dict = {}
            for prefix, event, value in events:
                if prefix == "" or event == "map_key":
                    continue
                key, _, rest = prefix.partition(".")
                if not header.get("checked"):
                    if event in ("string", "number", "integer") and key in ("format", "version"):
                        header[key] = value
                        if "format" in header and "version" in header:
                            self._check_header(header)
                            header["checked"] = True
                        continue
                    self._check_header(header)
                if rest == "" and event in ("start_map", "start_array") and key not in LISTS:
                    yield key, self._build(events, prefix, event, value)
                elif rest == "" and event not in ("start_array", "end_array"):
                    yield key, value
                elif rest == "item" and event in ("start_map", "start_array"):
                    yield key, self._build(events, prefix, event, value)
                elif rest == "item":
                    yield key, value  # not an object: its step reports it skipped
            if not header.get("checked"):
                self._check_header(header)  # an empty object, or not an object at all

    def _build(self, events, prefix, event, value):
        builder = ObjectBuilder()
        builder.event(event, value)
        end = "end_map" if event == "start_map" else "end_array"
        for inner_prefix, inner_event, inner_value in events:
            builder.event(inner_event, inner_value)
            if inner_prefix == prefix and inner_event == end:
                return builder.value
        raise ExportFormatError("the file ends in the middle of an item")

    def _check_header(self, header: dict) -> None:
        if header.get("format") != FORMAT:
            raise ExportFormatError(
                f"{self.path.name} is not a Masthead export (it must start with "
                f'"format": "{FORMAT}")'
            )
        version = header.get("version")
        if not isinstance(version, int | float) or int(version) != version or version < 1:
            raise ExportFormatError(f"{self.path.name} has no valid format version")
        if version > VERSION:
            raise ExportFormatError(
                f"{self.path.name} is a version {int(version)} Masthead export; this Masthead "
                f"reads version {VERSION} and older. Upgrade Masthead to import it."
            )

    # --- the steps ------------------------------------------------------------------

    def steps(self) -> Iterator[Step]:
        self.site = Site.objects.select_related("root_page").get(is_default_site=True)
        self.home = self.site.root_page.specific
        seen = Counter()
        try:
            for key, value in self._read():
                if key == "site":
                    self._start(value)
                    yield Step("site", "home page", lambda v=value: self._home(v))
                elif key == "settings":
                    for label, values in sorted((value or {}).items()):
                        yield Step(
                            "settings", label, lambda la=label, v=values: self._settings(la, v)
                        )
                elif key in LISTS:
                    if self.ledger is None:
                        raise ExportFormatError('the "site" block must come before the lists')
                    seen[key] += 1
                    handler = getattr(self, f"_{key}")
                    label = self._label(key, value, seen[key])
                    yield Step(
                        key.removesuffix("s"),
                        label,
                        lambda h=handler, v=value, la=label: self._apply(h, v, la),
                    )
                elif key not in ("format", "version", "exported_at"):
                    self.report.warn(f"{key!r} is not part of this format version; ignored")
        except ExportFormatError as exc:
            if self.ledger is None:
                raise
            # Items already imported stay (each was its own transaction); the rest is refused.
            self.report.skip("file", self.path.name, f"import stopped: {exc}")

    def _apply(self, handler, item, label: str) -> None:
        if not isinstance(item, dict):
            raise Skip("not an object")
        self._current = label
        handler(item)

    def _label(self, key: str, item, n: int) -> str:
        if not isinstance(item, dict):
            return f"#{n}"
        for name in ("slug", "hash", "email", "public_id", "old_path"):
            if isinstance(item.get(name), str):
                label = item[name]
                if key == "articles":
                    label = f"{item.get('section')}/{label}"
                return label[:80]
        return f"#{item.get('id', n)}"

    def _start(self, site: dict) -> None:
        from masthead.newsroom.models import ArticlePage

        from .models import ImportedItem

        origin = str((site or {}).get("id") or "")
        if not origin:
            raise ExportFormatError('the "site" block has no "id"')
        ledger = Ledger(self.source, origin)
        # Articles imported from this same export before are fine (a second run is a
        # no-op); any other article means the site is not empty.
        known = {
            int(pk)
            for pk in ImportedItem.objects.filter(
                source=self.source, origin=ledger.origin, kind="page"
            ).values_list("object_id", flat=True)
            if pk.isdigit()
        }
        others = ArticlePage.objects.exclude(pk__in=known)
        if others.exists():
            raise ExportFormatError(
                f"this site already has {others.count()} article(s) that did not come from this "
                "export; a Masthead export is imported into an empty site only"
            )
        self.ledger = ledger

    # --- natural keys ---------------------------------------------------------------

    def _known(self, kind: str, key) -> int | None:
        """The pk of what item `key` of `kind` became here (this run or a previous one)."""
        if key in (None, ""):
            return None
        cache = self.ids.setdefault(kind, {})
        if key not in cache:
            found = self.ledger.get(kind, key)
            if found is None:
                return None
            cache[key] = int(found)
        return cache[key]

    def _remember(self, kind: str, key, pk: int) -> None:
        self.ledger.remember(kind, key, pk)
        self.ids.setdefault(kind, {})[key] = pk

    def _image(self, digest):
        return self._known("image", digest)

    def _page_id(self, ref):
        pk = self._known("page", ref)
        if pk is None and ref:
            self._missing_page = True
        return pk

    def _body(self, raw) -> list:
        from masthead.newsroom.blocks import ArticleBodyBlock

        if not isinstance(raw, list):
            raise Skip("the body is not a list of blocks")
        return convert_stream(
            ArticleBodyBlock(),
            raw,
            page=self._page_id,
            image=self._image,
            rich_text=self._rich_text,
            url=self._url,
        )

    def _rich_text(self, html: str) -> str:
        cleaned = clean_stored_rich_text(html)
        if cleaned != html:
            self.report.warn(f"{self._current}: unsafe markup removed from rich text")
        return cleaned

    def _url(self, url: str) -> str:
        if url and urlsplit(url).scheme.lower() not in SAFE_URL_SCHEMES:
            self.report.warn(f"{self._current}: link {url[:60]!r} removed (not http/https)")
            return ""
        return url

    # --- one handler per kind -------------------------------------------------------

    def _home(self, site: dict) -> None:
        home_data = (site or {}).get("home") or {}
        if self.ledger.get("site", "home") is not None:
            self.report.already("site")
            return
        home = self.home
        home.title = home.draft_title = home_data.get("title") or home.title
        if hasattr(home, "intro"):
            home.intro = home_data.get("intro") or ""
        home.save_revision().publish()
        self.ledger.remember("site", "home", home.pk)
        self.report.created("site")

    def _settings(self, label: str, values: dict) -> None:
        from django.apps import apps
        from wagtail.contrib.settings.models import BaseSiteSetting

        app_label, _, name = label.partition(".")
        try:
            model = apps.get_model(app_label, name)
        except LookupError:
            raise Skip("no such settings here") from None
        if app_label not in SETTINGS_APPS or not issubclass(model, BaseSiteSetting):
            raise Skip("not a publication setting")
        if self.ledger.get("settings", label) is not None:
            self.report.already("settings")
            return
        row = model.for_site(self.site)
        for field_name, value in (values or {}).items():
            try:
                field = model._meta.get_field(field_name)
            except Exception:
                self.report.warn(f"{label}: unknown setting {field_name!r} ignored")
                continue
            if field.primary_key or field_name == "site" or not field.concrete:
                continue
            if isinstance(field, models.ForeignKey):
                if field.related_model._meta.label == "wagtailimages.Image":
                    setattr(row, field.attname, self._image(value))
                continue
            setattr(row, field.attname, field.to_python(value))
        row.full_clean(exclude=["site"])
        row.save()
        self.ledger.remember("settings", label, row.pk)
        self.report.created("settings")

    def _images(self, item: dict) -> None:
        from wagtail.images.models import Image

        digest = item.get("hash")
        if not isinstance(digest, str) or len(digest) != 64:
            raise Skip("no content hash")
        if self._known("image", digest) is not None:
            self.report.already("image")
            return
        try:
            data = base64.b64decode(item.get("data") or "", validate=True)
        except (binascii.Error, ValueError):
            raise Skip("the embedded file is not valid base64") from None
        if hashlib.sha256(data).hexdigest() != digest:
            raise Skip("the embedded file does not match its hash (altered or damaged)")
        if self.dry_run:
            self.report.created("image")
            return
        x, y, width, height = (list(item.get("focal_point") or []) + [None] * 4)[:4]
        image = Image(
            title=str(item.get("title") or "")[:255] or "Untitled",
            description=str(item.get("description") or "")[:255],
            collection=self._collection(item.get("collection")),
            focal_point_x=x,
            focal_point_y=y,
            focal_point_width=width,
            focal_point_height=height,
        )
        name = str(item.get("file_name") or f"{digest[:16]}.jpg").replace("/", "_")[-100:]
        image.file = ImageFile(io.BytesIO(data), name=name)
        try:
            image.full_clean(exclude=["file_hash"])
            image.save()
        except Exception as exc:
            raise Skip(f"not an image this site can store: {exc}") from None
        if item.get("tags"):
            image.tags.add(*item["tags"])
        if item.get("created_at"):
            Image.objects.filter(pk=image.pk).update(created_at=_when(item["created_at"]))
        self._remember("image", digest, image.pk)
        self.report.created("image")

    def _collection(self, name):
        root = Collection.get_first_root_node()
        if not name:
            return root
        found = root.get_children().filter(name=name).first()
        return found or root.add_child(name=str(name)[:255])

    def _page(self, page_class, parent, item: dict, extra: dict, *, kind, ref, instance=None):
        """Create a page under `parent` from the item, published, scheduled or draft as it was."""
        if not ref or ref.endswith("/"):
            raise Skip("no slug")
        if self._known("page", ref) is not None:
            self.report.already(kind)
            return None
        page = instance if instance is not None else page_class(**extra)
        _fill(page, item, [n for n in PAGE_FIELDS if n not in _DATETIME_FIELDS])
        page.draft_title = page.title
        page.go_live_at = _when(item.get("go_live_at"))
        page.expire_at = _when(item.get("expire_at"))
        live = bool(item.get("live"))
        scheduled = not live and page.go_live_at is not None
        page.live = False
        page.full_clean(exclude=["path", "depth", "url_path", "numchild"])
        parent.add_child(instance=page)
        revision = page.save_revision(clean=False)
        if live or scheduled:
            revision.publish()  # Wagtail keeps a future go_live_at scheduled
        page_class.objects.filter(pk=page.pk).update(
            live=live,
            first_published_at=_when(item.get("first_published_at")),
            last_published_at=_when(item.get("last_published_at")),
        )
        self._remember("page", ref, page.pk)
        self.report.created(kind)
        return page

    def _sections(self, item: dict) -> None:
        from masthead.newsroom.models import SectionPage

        slug = str(item.get("slug") or "")
        extra = {
            "description": str(item.get("description") or ""),
            "lists_all_articles": bool(item.get("lists_all_articles")),
            "menu_order": int(item.get("menu_order") or 0),
        }
        self._page(SectionPage, self.home, item, extra, kind="section", ref=slug)

    def _authors(self, item: dict) -> None:
        from masthead.newsroom.models import Author

        slug = str(item.get("slug") or "")
        if not slug:
            raise Skip("no slug")
        if self._known("author", slug) is not None:
            self.report.already("author")
            return
        if Author.objects.filter(slug=slug).exists():
            raise Skip("an author with this slug already exists here")
        author = Author(slug=slug, avatar_id=self._image(item.get("avatar")))
        _fill(author, item, ["name", "role", "bio", "email", "website_url", "x_url"])
        _fill(author, item, ["mastodon_url", "bluesky_url", "linkedin_url"])
        author.full_clean(exclude=["avatar", "user"])
        author.save()
        self._remember("author", slug, author.pk)
        self.report.created("author")

    def _tags(self, item: dict) -> None:
        from taggit.models import Tag

        slug, name = str(item.get("slug") or ""), str(item.get("name") or "")
        if not slug or not name:
            raise Skip("a tag needs a name and a slug")
        tag = Tag.objects.filter(slug=slug).first()
        if tag is not None:
            self.report.already("tag")
        else:
            tag = Tag.objects.create(name=name[:100], slug=slug[:100])
            self.report.created("tag")
        self.ids.setdefault("tag", {})[slug] = tag.pk

    def _articles(self, item: dict) -> None:
        from taggit.models import Tag

        from masthead.newsroom.models import ArticleAuthor, ArticlePage, Correction, SectionPage

        section_slug, slug = str(item.get("section") or ""), str(item.get("slug") or "")
        section_pk = self._known("page", section_slug)
        if section_pk is None:
            raise Skip(f"its section {section_slug!r} is not in the file")
        ref = f"{section_slug}/{slug}"
        if self._known("page", ref) is not None:
            self.report.already("article")
            return
        self._missing_page = False
        body = self._body(item.get("body") or [])
        authors = []
        for author_slug in item.get("authors") or []:
            pk = self._known("author", author_slug)
            if pk is None:
                self.report.warn(f"article {ref}: author {author_slug!r} is not in the file")
            else:
                authors.append(pk)
        extra = {
            "standfirst": str(item.get("standfirst") or ""),
            "body": body,
            "featured_image_id": self._image(item.get("featured_image")),
            "featured_caption": str(item.get("featured_caption") or ""),
            "featured_credit": str(item.get("featured_credit") or ""),
            "source_name": str(item.get("source_name") or ""),
            "original_url": str(item.get("original_url") or ""),
            "original_author": str(item.get("original_author") or ""),
            "comments_open": bool(item.get("comments_open", True)),
        }
        article = ArticlePage(**extra)
        article.article_authors = [
            ArticleAuthor(author_id=pk, sort_order=i) for i, pk in enumerate(authors)
        ]
        article.corrections = [
            Correction(
                kind=str(c.get("kind") or "correction"),
                date=dt.date.fromisoformat(c["date"]),
                text=str(c.get("text") or ""),
                sort_order=i,
            )
            for i, c in enumerate(item.get("corrections") or [])
        ]
        tag_slugs = [s for s in item.get("tags") or [] if isinstance(s, str)]
        tags = list(Tag.objects.filter(slug__in=tag_slugs))
        if tags:
            article.tags.add(*tags)
        section = SectionPage.objects.get(pk=section_pk)
        page = self._page(ArticlePage, section, item, {}, kind="article", ref=ref, instance=article)
        if self._missing_page:
            self.unresolved_pages[page.pk] = item.get("body") or []
        self._views(page, item.get("views") or [])

    def _views(self, page, rows) -> None:
        from masthead.metrics.services import add_view_history

        hourly = Counter()
        for row in rows:
            hour, views = int(row[0]), int(row[1])
            if views > 0:
                hourly[(page.pk, hour)] += views
        if hourly:
            add_view_history(hourly=hourly)

    def _pages(self, item: dict) -> None:
        from masthead.newsroom.models import StandardPage

        slug = str(item.get("slug") or "")
        self._missing_page = False
        extra = {"intro": str(item.get("intro") or ""), "body": self._body(item.get("body") or [])}
        page = self._page(StandardPage, self.home, item, extra, kind="page", ref=slug)
        if page is not None and self._missing_page:
            self.unresolved_pages[page.pk] = item.get("body") or []

    def _comments(self, item: dict) -> None:
        from masthead.discussion.models import Comment

        number = item.get("id")
        if not isinstance(number, int):
            raise Skip("no id")
        article_pk = self._known("page", item.get("article"))
        if article_pk is None:
            raise Skip(f"its article {item.get('article')!r} is not here")
        # The ledger key is the comment's own content, not its number (numbers are
        # generated per export and shift when comments are added or removed).
        key = hashlib.sha256(
            "\x1f".join(
                str(item.get(n) or "") for n in ("article", "created_at", "author_email", "body")
            ).encode()
        ).hexdigest()
        found = self._known("comment", key)
        if found is not None:
            self.comment_pks[number] = found
            self.report.already("comment")
            return
        comment = Comment(article_id=article_pk)
        fields = ("author_name", "author_email", "author_website", "body", "status")
        fields += ("held_because", "is_staff_reply", "is_pinned", "created_at", "edited_at")
        fields += ("approved_at", "ip_address", "user_agent", "upvotes", "downvotes", "score")
        _fill(comment, item, fields)
        comment.author_email = (comment.author_email or "").lower()
        self._attach(comment, item.get("parent"))
        comment.full_clean(exclude=["article", "parent", "root", "user"])
        comment.save()
        if item.get("parent") is not None and comment.parent_id is None:
            self.orphan_replies[comment.pk] = item["parent"]
        self.comment_pks[number] = comment.pk
        self._remember("comment", key, comment.pk)
        self.report.created("comment")

    def _attach(self, comment, parent_number) -> None:
        from masthead.discussion.models import Comment

        parent_pk = self.comment_pks.get(parent_number)
        if parent_pk is None:
            return
        parent = Comment.objects.get(pk=parent_pk)
        comment.parent = parent
        comment.root_id = parent.root_id or parent.pk
        comment.depth = parent.depth + 1

    def _newsletters(self, item: dict) -> None:
        from masthead.newsletters.models import Newsletter

        slug = str(item.get("slug") or "")
        if not slug:
            raise Skip("no slug")
        if self._known("newsletter", slug) is not None:
            self.report.already("newsletter")
            return
        if Newsletter.objects.filter(slug=slug).exists():
            raise Skip("a newsletter with this slug already exists here")
        newsletter = Newsletter(slug=slug)
        fields = ("name", "description", "sender_name", "sender_email", "reply_to")
        _fill(newsletter, item, fields + ("frequency", "is_active", "sort_order", "created_at"))
        newsletter.full_clean()
        newsletter.save()
        self._remember("newsletter", slug, newsletter.pk)
        self.report.created("newsletter")

    def _subscribers(self, item: dict) -> None:
        from masthead.newsletters.models import (
            ListSubscription,
            Subscriber,
            SubscriptionStatus,
        )

        email = str(item.get("email") or "").strip().lower()
        if not email:
            raise Skip("no email")
        if self._known("subscriber", email) is not None:
            self.report.already("subscriber")
            return
        if Subscriber.objects.filter(email=email).exists():
            raise Skip("this address is already a subscriber here")
        subscriber = Subscriber(email=email)
        _fill(subscriber, item, ("name", "status", "status_reason", "created_at"))
        subscriber.full_clean(exclude=["user"])
        subscriber.save()
        for row in item.get("subscriptions") or []:
            newsletter_pk = self._known("newsletter", row.get("newsletter"))
            if newsletter_pk is None:
                self.report.warn(f"subscriber {email}: list {row.get('newsletter')!r} not in file")
                continue
            subscription = ListSubscription(subscriber=subscriber, newsletter_id=newsletter_pk)
            _fill(subscription, row, ("status", "requested_at", "confirmed_at"))
            _fill(subscription, row, ("unsubscribed_at", "source", "consent_ip"))
            if subscription.status == SubscriptionStatus.PENDING:
                # Confirmation links are not carried over; a fresh nonce keeps the
                # request confirmable only by a link this site sends.
                subscription.confirm_nonce = secrets.token_hex(16)
            subscription.full_clean(exclude=["subscriber", "newsletter"])
            subscription.save()
        self._remember("subscriber", email, subscriber.pk)
        self.report.created("subscriber")

    def _memberships(self, item: dict) -> None:
        from masthead.support.models import Membership

        public_id = str(item.get("public_id") or "")
        if not public_id:
            raise Skip("no public_id")
        if self._known("membership", public_id) is not None:
            self.report.already("membership")
            return
        membership = Membership()
        fields = ("public_id", "provider", "provider_reference", "amount", "currency", "status")
        fields += ("email", "public_name", "created_at", "started_at", "canceled_at")
        _fill(membership, item, fields + ("current_period_end",))
        membership.full_clean(exclude=["user"])
        membership.save()
        self._remember("membership", public_id, membership.pk)
        self.report.created("membership")

    def _donations(self, item: dict) -> None:
        from masthead.support.models import Donation

        public_id = str(item.get("public_id") or "")
        if not public_id:
            raise Skip("no public_id")
        if self._known("donation", public_id) is not None:
            self.report.already("donation")
            return
        donation = Donation(membership_id=self._known("membership", item.get("membership")))
        fields = ("public_id", "provider", "frequency", "amount", "currency", "status", "email")
        fields += ("public_name", "message", "show_publicly", "provider_reference")
        fields += ("provider_payment_id", "refunded_amount", "created_at", "completed_at")
        fields += ("failed_at", "refunded_at", "receipt_sent_at", "failure_reason", "source_path")
        _fill(donation, item, fields)
        donation.full_clean(exclude=["user", "membership"])
        donation.save()
        self._remember("donation", public_id, donation.pk)
        self.report.created("donation")

    def _redirects(self, item: dict) -> None:
        from wagtail.contrib.redirects.models import Redirect

        old_path = Redirect.normalise_path(str(item.get("old_path") or ""))
        if old_path in ("", "/"):
            raise Skip("no old path")
        site = None if item.get("all_sites") else self.site
        key = f"{'*' if site is None else 'site'}:{old_path}"
        if self._known("redirect", key) is not None:
            self.report.already("redirect")
            return
        if Redirect.objects.filter(old_path=old_path, site=site).exists():
            raise Skip("a redirect from this path already exists here")
        page_pk = self._known("page", item.get("page"))
        link = self._url(str(item.get("link") or ""))
        if page_pk is None and not link:
            raise Skip(f"its target page {item.get('page')!r} is not here")
        redirect = Redirect.objects.create(
            old_path=old_path,
            site=site,
            is_permanent=bool(item.get("is_permanent", True)),
            redirect_page_id=page_pk,
            redirect_page_route_path=str(item.get("page_route_path") or "") if page_pk else "",
            redirect_link="" if page_pk else link,
            automatically_created=bool(item.get("automatically_created")),
        )
        self._remember("redirect", key, redirect.pk)
        self.report.created("redirect")

    # --- second pass ----------------------------------------------------------------

    def finish(self) -> None:
        """Links to things later in the file: page links in bodies, replies before parents."""
        from masthead.discussion.models import Comment

        for pk, raw in self.unresolved_pages.items():
            page = Page.objects.get(pk=pk).specific
            self._current = page.title
            self._missing_page = False
            page.body = self._body(raw)
            if self._missing_page:
                self.report.warn(
                    f"{page.title}: a link to a page that is not in the file was dropped"
                )
            was = Page.objects.filter(pk=pk).values(
                "live", "first_published_at", "last_published_at"
            )[0]
            # The page row holds the exported content (drafts too); the revision follows it.
            page.save(clean=False, update_fields=["body"])
            revision = page.save_revision(clean=False)
            if was["live"]:
                revision.publish()
            type(page).objects.filter(pk=pk).update(**was)
        for pk, parent_number in self.orphan_replies.items():
            comment = Comment.objects.get(pk=pk)
            if parent_number not in self.comment_pks:
                self.report.warn(f"comment {pk}: its parent is not in the file; kept top-level")
                continue
            self._attach(comment, parent_number)
            comment.save(update_fields=["parent", "root", "depth"])
