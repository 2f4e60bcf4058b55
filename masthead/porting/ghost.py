"""`masthead import ghost FILE.json`: a Ghost export into the site.

What becomes what:

- users -> authors, matched on email (any case) then slug; profile images downloaded.
- tags -> taggit tags on the articles; a post's primary tag (its first tag, when that
  one is public, as Ghost decides it) becomes its section.  Internal (#) tags are
  skipped: Ghost never shows them either.
- posts -> articles and pages (published, draft, or scheduled when published_at is
  still ahead); the old URL /<slug>/ redirects to the new page.  Posts only members
  could read, and email-only ("sent") posts, become drafts: Masthead has no paywall,
  and publishing them would show what Ghost kept private.
- newsletters and members -> newsletters and subscribers with their consent: a member
  on a Ghost newsletter is confirmed on ours (source "import:ghost", confirmed when the
  member joined) without any mail; a member on none is recorded as unsubscribed from
  every list, so no later import subscribes them again; a member whose email Ghost
  disabled (bounces, complaints) is recorded as bounced.  Paid and comped status is
  counted in the report only: payments stay with Stripe.
- comments -> comments, threaded; published -> approved, hidden -> spam (an editor can
  still restore one), deleted -> skipped (their replies move up to the next ancestor).

The file is read as a stream, in several passes: a first pass checks that it is
valid JSON and a Ghost export, and keeps the small relation tables (users, tags,
the post-tag and post-author links, newsletters and who is on which); posts,
members and comments are then read one at a time.

The ledger's origin names the Ghost site: Ghost's export carries no site URL or
site id (its "core" settings are never exported), so the origin is the site
owner's email, "ghost:<owner email>" — stable across exports of one site, and
different for another publication's.  An export without users falls back to
the site title.
"""

import html as html_lib
import logging
from collections import defaultdict
from collections.abc import Iterator
from urllib.parse import urlsplit

from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from masthead.discussion.models import Comment, CommentStatus
from masthead.newsletters import subscriptions
from masthead.newsletters.models import (
    ListSubscription,
    Newsletter,
    Subscriber,
    SubscriberStatus,
    SubscriptionStatus,
)
from masthead.newsroom.models import ArticlePage, Author, SectionPage

from . import pages
from .base import Importer, Skip, Step
from .fetch import FetchError, ImageFetcher
from .ghost_file import (
    as_text,
    ghost_time,
    lexical_paragraphs,
    mobiledoc_paragraphs,
    paragraphs_to_blocks,
    read_small_tables,
    sort_key,
    stream_table,
)
from .ledger import Ledger

log = logging.getLogger(__name__)

SOURCE = "import:ghost"  # ListSubscription.source of every imported consent
GHOST_URL = "__GHOST_URL__"  # Ghost 4+ writes its own site URL as this placeholder
# --- the importer -------------------------------------------------------------------


class GhostImporter(Importer):
    source = "ghost"

    def __init__(self, path, *, site_url: str = "", **options) -> None:
        super().__init__(path, **options)
        # The old site's address, when the caller knows it: Ghost writes its own URL
        # as __GHOST_URL__, so relative images can only be downloaded with it.
        self.site_url = (site_url or "").rstrip("/")
        self.member_counts: dict[str, int] = defaultdict(int)
        self.fetcher = ImageFetcher(enabled=self.download)

    # -- reading --

    def steps(self) -> Iterator[Step]:
        self.data_prefix, tables = read_small_tables(self.path)
        self._index(tables)
        for user in tables["users"]:
            yield Step("author", self._label(user, "name"), lambda u=user: self._author(u))
        for tag in tables["tags"]:
            yield Step("tag", self._label(tag, "name"), lambda t=tag: self._tag(t))
        for newsletter in self.newsletters:
            yield Step(
                "newsletter",
                self._label(newsletter, "name"),
                lambda n=newsletter: self._newsletter(n),
            )
        for post in stream_table(self.path, self.data_prefix, "posts"):
            kind = "page" if self._post_type(post) == "page" else "post"
            yield Step(kind, self._label(post, "title"), lambda p=post: self._post(p))
        for member in stream_table(self.path, self.data_prefix, "members"):
            yield Step("member", self._label(member, "email"), lambda m=member: self._member(m))
        self.deleted_comments: dict[str, str | None] = {}
        self.waiting: list[dict] = []  # replies seen before their parent
        for comment in stream_table(self.path, self.data_prefix, "comments"):
            if comment.get("status") == "deleted":
                self.deleted_comments[str(comment.get("id"))] = comment.get("parent_id")
            yield self._comment_step(comment)
        # Again, until a round places none; what is left loses its missing parent.
        while self.waiting:
            retry, self.waiting = self.waiting, []
            for comment in retry:
                yield self._comment_step(comment)
            if len(self.waiting) == len(retry):
                for comment in self.waiting:
                    comment["parent_id"] = None
                    comment["_orphan"] = True

    def _comment_step(self, comment: dict) -> Step:
        return Step("comment", self._label(comment, None), lambda: self._comment(comment))

    def _label(self, row: dict, field: str | None) -> str:
        label = as_text(row.get("id"), 40)
        name = as_text(row.get(field), 60) if field else ""
        return f"{label} {name}".strip()

    def _index(self, tables: dict[str, list[dict]]) -> None:
        """Id maps of the small tables, and the ledger's origin."""
        self.users = {str(u.get("id")): u for u in tables["users"]}
        self.tags = {str(t.get("id")): t for t in tables["tags"]}
        self.newsletters = tables["newsletters"]
        self.settings = {s.get("key"): s.get("value") for s in tables["settings"]}
        self.post_tags: dict[str, list[str]] = defaultdict(list)
        for link in sorted(tables["posts_tags"], key=sort_key):
            self.post_tags[str(link["post_id"])].append(str(link["tag_id"]))
        self.post_authors: dict[str, list[str]] = defaultdict(list)
        for link in sorted(tables["posts_authors"], key=sort_key):
            self.post_authors[str(link["post_id"])].append(str(link["author_id"]))
        self.post_meta = {str(m["post_id"]): m for m in tables["posts_meta"]}
        self.member_lists: dict[str, list[str]] = defaultdict(list)
        for link in tables["members_newsletters"]:
            self.member_lists[str(link["member_id"])].append(str(link["newsletter_id"]))
        self.ledger = Ledger(self.source, self._origin(tables))

    def _origin(self, tables) -> str:
        owner_roles = {str(r.get("id")) for r in tables["roles"] if r.get("name") == "Owner"}
        owners = [
            str(link.get("user_id"))
            for link in tables["roles_users"]
            if str(link.get("role_id")) in owner_roles
        ]
        candidates = [self.users[i] for i in owners if i in self.users] + sorted(
            self.users.values(), key=lambda u: (as_text(u.get("created_at")), as_text(u.get("id")))
        )
        for user in candidates:
            email = as_text(user.get("email")).strip().lower()
            if email:
                return f"ghost:{email}"
        return f"ghost:site:{as_text(self.settings.get('title'), 200) or 'untitled'}"

    # -- authors, tags, newsletters --

    def _author(self, user: dict) -> None:
        if self.ledger.get("author", user.get("id")):
            self.report.already("author")
            return
        twitter = as_text(user.get("twitter")).strip().lstrip("@")
        author, created = pages.get_or_create_author(
            name=as_text(user.get("name"), 120).strip() or as_text(user.get("slug")),
            email=as_text(user.get("email"), 254),
            slug=as_text(user.get("slug"), 110),
            bio=as_text(user.get("bio"), 5000),
            website_url=as_text(user.get("website"), 200),
        )
        if created:
            if twitter and twitter.replace("_", "").isalnum():
                author.x_url = f"https://x.com/{twitter[:50]}"
            image = self._image(as_text(user.get("profile_image"), 2000), author.name)
            if image is not None:
                author.avatar = image
            author.save()
        else:
            self.report.warn(
                f"Ghost user {as_text(user.get('name'), 80)!r} matched the existing "
                f"author {author.name!r}"
            )
        self.ledger.remember("author", user.get("id"), author.pk)
        self.report.created("author")

    def _tag(self, tag: dict) -> None:
        if self._internal(tag):
            raise Skip("internal tag: Ghost never shows these to readers")
        if self.ledger.get("tag", tag.get("id")):
            self.report.already("tag")
            return
        name = " ".join((as_text(tag.get("name"), 100) or as_text(tag.get("slug"), 100)).split())
        if not name:
            raise Skip("the tag has no name")
        found, _ = pages.get_or_create_tag(name)
        self.ledger.remember("tag", tag.get("id"), found.pk)
        self.report.created("tag")

    @staticmethod
    def _internal(tag: dict) -> bool:
        return tag.get("visibility") == "internal" or as_text(tag.get("name")).startswith("#")

    def _newsletter(self, row: dict) -> None:
        if self.ledger.get("newsletter", row.get("id")):
            self.report.already("newsletter")
            return
        name = " ".join(as_text(row.get("name"), 100).split()) or "Newsletter"
        slug = slugify(as_text(row.get("slug"), 60) or name)[:60] or "newsletter"
        found = Newsletter.objects.filter(Q(slug=slug) | Q(name__iexact=name)).first()
        if found is None:
            found = Newsletter.objects.create(
                name=name,
                slug=self._free_newsletter_slug(slug),
                description=pages.plain_text(as_text(row.get("description"), 2000)),
                is_active=row.get("status", "active") == "active",
                sort_order=min(max(int(sort_key(row)), 0), 1000),
            )
            self.report.created("newsletter")
        else:
            self.report.warn(f"Ghost newsletter {name!r} joins the existing list {found.name!r}")
        self.ledger.remember("newsletter", row.get("id"), found.pk)

    @staticmethod
    def _free_newsletter_slug(slug: str) -> str:
        candidate, n = slug, 2
        while Newsletter.objects.filter(slug=candidate).exists():
            candidate, n = f"{slug[:55]}-{n}", n + 1
        return candidate

    # -- posts and pages --

    @staticmethod
    def _post_type(post: dict) -> str:
        if post.get("type"):
            return as_text(post["type"])
        return "page" if post.get("page") in (True, 1) else "post"  # Ghost 0.x / 1.x

    def _post(self, post: dict) -> None:
        post_id = post.get("id")
        kind = "page" if self._post_type(post) == "page" else "post"
        if self.ledger.get("post", post_id):
            self.report.already(kind)
            return
        title = " ".join(as_text(post.get("title"), 255).split()) or "Untitled"
        status, published_at, go_live_at = self._status(post, title)
        body, text = self._body(post, title)
        excerpt = as_text(post.get("custom_excerpt"), 5000)
        standfirst = (
            pages.standfirst_from(html_lib.escape(excerpt))
            or pages.standfirst_from(html_lib.escape(text))
            or title
        )
        for field in ("codeinjection_head", "codeinjection_foot"):
            if as_text(post.get(field)).strip():
                self.report.warn(
                    f"{kind} {title!r}: its {field} was dropped (code is never imported)"
                )
        slug = as_text(post.get("slug"), 240) or title
        if kind == "page":
            page = pages.save_standard_page(
                title=title,
                slug=slug,
                body=body,
                status=status,
                intro=standfirst,
                published_at=published_at,
                go_live_at=go_live_at,
            )
        else:
            page = self._article(
                post,
                title=title,
                slug=slug,
                body=body,
                status=status,
                standfirst=standfirst,
                published_at=published_at,
                go_live_at=go_live_at,
            )
        if page.slug != slugify(slug, allow_unicode=True)[:240]:
            self.report.warn(f"{kind} {title!r}: slug {slug!r} was taken; it is now {page.slug!r}")
        old_path = f"/{slugify(slug, allow_unicode=True)}/"
        if pages.add_redirect(old_path, page) is None and page.url != old_path:
            self.report.warn(
                f"{kind} {title!r}: the old URL {old_path} already redirects elsewhere"
            )
        self.ledger.remember("post", post_id, page.pk)
        self.report.created(kind)

    def _status(self, post: dict, title: str):
        status = post.get("status")
        published_at = ghost_time(post.get("published_at")) or ghost_time(post.get("created_at"))
        if post.get("visibility") not in (None, "public"):
            self.report.warn(
                f"{title!r} was for {as_text(post.get('visibility'), 40)} readers on "
                "Ghost: imported as a draft (Masthead has no paywall)"
            )
            return pages.DRAFT, None, None
        if status == "published":
            return pages.PUBLISHED, published_at, None
        if status == "scheduled":
            go_live_at = ghost_time(post.get("published_at"))
            if go_live_at is None:
                self.report.warn(f"{title!r} was scheduled without a date: imported as a draft")
                return pages.DRAFT, None, None
            return pages.SCHEDULED, None, go_live_at  # a date already past publishes it
        if status == "draft":
            return pages.DRAFT, None, None
        if status == "sent":
            self.report.warn(f"{title!r} was sent by email only on Ghost: imported as a draft")
            return pages.DRAFT, None, None
        raise Skip(f"unknown status {as_text(status, 40)!r}")

    def _body(self, post: dict, title: str) -> tuple[list, str]:
        """The body blocks, and the body's plain text (for a standfirst)."""
        from .content import html_to_blocks

        markup = as_text(post.get("html"))
        if markup.strip():
            markup = markup.replace(GHOST_URL, self.site_url)
            return html_to_blocks(markup, image_for=self._image), pages.plain_text(markup[:20000])
        for field, reader in (("lexical", lexical_paragraphs), ("mobiledoc", mobiledoc_paragraphs)):
            document = post.get(field)
            if isinstance(document, str) and document.strip():
                paragraphs = reader(document)
                self.report.warn(
                    f"{title!r} has no HTML, only {field}: imported as plain "
                    "paragraphs (cards and formatting are lost)"
                )
                return paragraphs_to_blocks(paragraphs), "\n\n".join(paragraphs)
        return [], ""

    def _article(self, post: dict, *, title: str, **fields) -> ArticlePage:
        post_id = str(post.get("id"))
        authors = []
        for user_id in self.post_authors.get(post_id, ()):
            pk = self.ledger.get("author", user_id)
            author = Author.objects.filter(pk=pk).first() if pk else None
            if author is None:
                self.report.warn(f"{title!r}: author {user_id} is not in the export")
            elif author not in authors:
                authors.append(author)
        if not authors:
            self.report.warn(f"{title!r} has no author")
        tags = [self.tags[t] for t in self.post_tags.get(post_id, ()) if t in self.tags]
        public = [t for t in tags if not self._internal(t)]
        section = self._section(tags[0]) if tags and not self._internal(tags[0]) else None
        meta = self.post_meta.get(post_id, {})
        caption = meta.get("feature_image_caption") or post.get("feature_image_caption")
        alt = meta.get("feature_image_alt") or post.get("feature_image_alt") or title
        article = pages.save_article(
            section=section or self._default_section(),
            title=title,
            authors=authors,
            tags=[as_text(t.get("name"), 100) for t in public],
            featured_image=self._image(as_text(post.get("feature_image"), 2000), as_text(alt, 255)),
            **fields,
        )
        extra = {}
        if caption:
            extra["featured_caption"] = pages.plain_text(as_text(caption, 5000))[:300]
        original = self._syndicated_from(as_text(post.get("canonical_url"), 200))
        if original:
            extra["original_url"] = original
            extra["source_name"] = urlsplit(original).hostname[:120]
        if extra:
            _update_page(article, **extra)
        return article

    def _section(self, tag: dict) -> SectionPage:
        pk = self.ledger.get("section", tag.get("id"))
        section = SectionPage.objects.filter(pk=pk).first() if pk else None
        if section is None:
            section, _ = pages.get_or_create_section(
                " ".join(as_text(tag.get("name"), 255).split()),
                slug=as_text(tag.get("slug"), 240),
                description=pages.plain_text(as_text(tag.get("description"), 2000)),
            )
            self.ledger.remember("section", tag.get("id"), section.pk)
        return section

    def _default_section(self) -> SectionPage:
        return pages.first_section() or pages.get_or_create_section("News")[0]

    def _syndicated_from(self, url: str) -> str:
        """The canonical URL when it names another site (the post was syndicated)."""
        if not url.startswith(("http://", "https://")):
            return ""  # relative or __GHOST_URL__: the post's own address
        host = (urlsplit(url).hostname or "").lower()
        if not host or (self.site_url and host == (urlsplit(self.site_url).hostname or "")):
            return ""
        return url

    def _image(self, url: str, alt: str = ""):
        """A Wagtail image downloaded from `url`, or None (its URL reported) when it cannot be."""
        original = (url or "").strip()
        url = original.replace(GHOST_URL, self.site_url)
        if not url:
            return None
        if not url.startswith(("http://", "https://")):
            self.report.warn(
                f"image not downloaded: {original[:300]} (the old site's URL is unknown)"
            )
            return None
        try:
            return self.fetcher.get(url, title=alt)
        except FetchError as exc:
            self.report.warn(f"image not downloaded: {url[:300]} ({exc})")
            return None

    # -- members --

    def _member(self, member: dict) -> None:
        member_id = member.get("id")
        if self.ledger.get("member", member_id):
            self.report.already("member")
            return
        try:
            email = subscriptions.normalise_email(as_text(member.get("email"), 254))
        except Exception as exc:  # a ValidationError: the report says why
            raise Skip(f"invalid email address ({exc})") from None
        name = " ".join(as_text(member.get("name"), 500).split())
        name = "".join(ch for ch in name if ch.isprintable())[: subscriptions.MAX_NAME_LENGTH]
        joined = ghost_time(member.get("created_at")) or timezone.now()
        lists = self._member_newsletters(member)
        subscriber, _ = Subscriber.objects.get_or_create(
            email=email, defaults={"name": name, "created_at": joined}
        )
        if lists:
            started = timezone.now()
            subscriptions.import_confirmed(email=email, newsletters=lists, name=name, source=SOURCE)
            # Consent dates are Ghost's: when the member joined, not when we imported.
            ListSubscription.objects.filter(
                subscriber__email=email,
                newsletter__in=lists,
                source=SOURCE,
                confirmed_at__gte=started,
            ).update(requested_at=joined, confirmed_at=joined)
        if not lists:
            self._record_unsubscribed(subscriber, member)
        if (
            member.get("email_disabled") in (True, 1)
            and subscriber.status == SubscriberStatus.ACTIVE
        ):
            subscriber.status = SubscriberStatus.BOUNCED
            subscriber.status_reason = "email disabled on Ghost (bounces or a spam complaint)"
            subscriber.save(update_fields=["status", "status_reason"])
        if member.get("status") in ("paid", "comped"):
            self.member_counts[member["status"]] += 1
        self.ledger.remember("member", member_id, subscriber.pk)
        self.report.created("member")

    def _member_newsletters(self, member: dict) -> list[Newsletter]:
        if self.newsletters:
            ids = self.member_lists.get(str(member.get("id")), ())
            pks = [self.ledger.get("newsletter", i) for i in ids]
            return list(Newsletter.objects.filter(pk__in=[pk for pk in pks if pk]))
        if member.get("subscribed") in (True, 1):  # Ghost 3-4: one newsletter, a flag
            return [self._site_newsletter()]
        return []

    def _site_newsletter(self) -> Newsletter:
        """The one newsletter of a Ghost site from before Ghost had several."""
        name = " ".join(as_text(self.settings.get("title"), 100).split()) or "Newsletter"
        slug = slugify(name)[:60] or "newsletter"
        found = Newsletter.objects.filter(Q(slug=slug) | Q(name__iexact=name)).first()
        return found or Newsletter.objects.create(name=name, slug=self._free_newsletter_slug(slug))

    def _record_unsubscribed(self, subscriber: Subscriber, member: dict) -> None:
        """A member on no list: off every list the export had, so nothing resubscribes
        them; a list the address is on here already is left as it is."""
        if self.newsletters:
            pks = [self.ledger.get("newsletter", n.get("id")) for n in self.newsletters]
            lists = Newsletter.objects.filter(pk__in=[pk for pk in pks if pk])
        else:
            lists = [self._site_newsletter()]
        left = (
            ghost_time(member.get("updated_at"))
            or ghost_time(member.get("created_at"))
            or timezone.now()
        )
        for newsletter in lists:
            ListSubscription.objects.get_or_create(
                subscriber=subscriber,
                newsletter=newsletter,
                defaults={
                    "status": SubscriptionStatus.UNSUBSCRIBED,
                    "unsubscribed_at": left,
                    "requested_at": left,
                    "source": SOURCE,
                },
            )

    # -- comments --

    def _comment(self, row: dict) -> None:
        comment_id = row.get("id")
        if row.get("status") == "deleted":
            raise Skip("deleted on Ghost")
        if self.ledger.get("comment", comment_id):
            self.report.already("comment")
            return
        page_pk = self.ledger.get("post", row.get("post_id"))
        if page_pk is None:
            raise Skip("its post was not imported")
        article = ArticlePage.objects.filter(pk=page_pk).first()
        if article is None:
            raise Skip("comments on pages are not kept (pages have no comments here)")
        parent = None
        parent_id = self._living_parent(row.get("parent_id"))
        if parent_id:
            parent_pk = self.ledger.get("comment", parent_id)
            if parent_pk is None:
                self.waiting.append(row)  # its parent comes later in the file
                return
            parent = Comment.objects.filter(pk=parent_pk).first()
            if parent is not None and parent.article_id != article.pk:
                self.report.warn(
                    f"comment {as_text(comment_id, 40)}: its parent is on another post; "
                    "kept as a top-level comment"
                )
                parent = None
        if row.get("_orphan"):
            self.report.warn(
                f"comment {as_text(comment_id, 40)}: its parent is not in the "
                "export; kept as a top-level comment"
            )
        status = {"published": CommentStatus.APPROVED, "hidden": CommentStatus.SPAM}.get(
            row.get("status"), CommentStatus.PENDING
        )
        subscriber = None
        member_pk = self.ledger.get("member", row.get("member_id"))
        if member_pk:
            subscriber = Subscriber.objects.filter(pk=member_pk).first()
        try:
            comment = pages.add_comment(
                article=article,
                body_html=as_text(row.get("html"), 200_000),
                author_name=(subscriber.name if subscriber else "") or "Anonymous",
                author_email=subscriber.email if subscriber else "",
                status=status,
                created_at=ghost_time(row.get("created_at")),
                parent=parent,
            )
        except pages.CannotImport as exc:
            raise Skip(str(exc)) from None
        if status == CommentStatus.SPAM:
            Comment.objects.filter(pk=comment.pk).update(held_because="hidden on Ghost")
        self.ledger.remember("comment", comment_id, comment.pk)
        self.report.created("comment")

    def _living_parent(self, parent_id) -> str | None:
        """The nearest ancestor that was not deleted on Ghost (replies move up to it)."""
        seen = set()
        while parent_id and str(parent_id) in self.deleted_comments and parent_id not in seen:
            seen.add(parent_id)
            parent_id = self.deleted_comments[str(parent_id)]
        return str(parent_id) if parent_id else None

    def finish(self) -> None:
        self.fetcher.close()
        for status, count in sorted(self.member_counts.items()):
            self.report.warn(
                f"{count} {status} member(s) imported as subscribers only: paid "
                "subscriptions and payments are not carried over (they stay "
                "with Stripe)"
            )


def _update_page(page, **fields) -> None:
    """Set fields on a saved page and on its latest revision (what the editor opens)."""
    type(page).objects.filter(pk=page.pk).update(**fields)
    revision = page.latest_revision
    if revision is not None and isinstance(revision.content, dict):
        revision.content.update(fields)
        revision.save(update_fields=["content"])
    for key, value in fields.items():
        setattr(page, key, value)
