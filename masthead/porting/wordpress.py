"""`masthead import wordpress FILE.xml`: a WordPress (WXR) export into the site.

Records arrive in file order from the streaming reader (masthead.porting.wxr):
authors, categories and tags first, then items.  Each becomes one step in its own
transaction; an item's comments are steps of their own, after it, so one bad
comment does not lose its post.  Links that may point forward in the file (a
post's featured image is an attachment item that often comes later; a reply may
precede its parent) are made in finish().

What maps where:
- authors -> newsroom Authors, matched on email then on a slug of the login;
- top-level categories -> sections; child categories -> tags on their posts (sections
  cannot nest), the post filed under the top-level ancestor;
- posts -> articles, pages -> standard pages, with publish state kept: publish
  (live, original date), future (scheduled), draft and pending (drafts), private
  (saved unpublished); trash and auto-drafts are skipped;
- attachments -> Wagtail images when downloadable, else their URL in the ledger;
- comments -> discussion comments (plain text) with their approval state, threaded;
- view counts of common view-counter plugins -> the article's view history;
- old permalinks and /?p=ID -> permanent redirects to the new pages.
"""

from collections import Counter
from collections.abc import Iterator
from functools import partial

from django.utils.text import slugify
from wagtail.images.models import Image

from masthead.discussion.models import Comment, CommentStatus
from masthead.metrics.services import add_view_history
from masthead.newsroom.models import ArticlePage, Author, SectionPage, StandardPage

from . import pages, wxr
from .base import Importer, Skip, Step
from .content import html_to_blocks
from .fetch import FetchError, ImageFetcher
from .ledger import Ledger

# Post meta keys of common view-counter plugins, most specific first: WP-PostViews,
# Post Views Counter and most themes, a hidden variant, WPBeginner's snippet.
VIEW_META_KEYS = ("views", "post_views_count", "_post_views_count", "wpb_post_views_count")

STATUS_MAP = {
    "publish": pages.PUBLISHED,
    "future": pages.SCHEDULED,
    "draft": pages.DRAFT,
    "pending": pages.DRAFT,
    "private": pages.DRAFT,
}
SKIPPED_STATUSES = {
    "trash": "in the WordPress trash",
    "auto-draft": "an auto-draft WordPress never saved",
    "inherit": "a revision of another item",
}
COMMENT_STATUS = {
    "1": CommentStatus.APPROVED,
    "approve": CommentStatus.APPROVED,
    "0": CommentStatus.PENDING,
    "hold": CommentStatus.PENDING,
    "spam": CommentStatus.SPAM,
    "trash": CommentStatus.TRASH,
    "post-trashed": CommentStatus.TRASH,
}
FALLBACK_SECTION = "Imported"


class WordPressImporter(Importer):
    source = "wordpress"

    def __init__(self, path, **options) -> None:
        super().__init__(path, **options)
        self.fetcher = ImageFetcher(enabled=self.download)
        self.site = wxr.Site()
        self.ledger: Ledger | None = None
        self.category_parent: dict[str, str] = {}  # nicename -> parent nicename
        self.category_name: dict[str, str] = {}  # nicename -> name
        self.featured: dict[str, str] = {}  # post id -> attachment id, linked in finish()
        self.orphans: list[tuple[int, str, str]] = []  # comment pk, parent id, post label
        self.other_types: Counter = Counter()  # post types not imported
        self.warned: set[str] = set()

    # --- the run ------------------------------------------------------------------

    def run(self):
        # Refuse a hostile or broken file before the first write, not halfway through.
        wxr.check(self.path)
        try:
            return super().run()
        finally:
            self.fetcher.close()

    def steps(self) -> Iterator[Step]:
        for record in wxr.read(self.path):
            match record:
                case wxr.Site():
                    self.site = record
                    self.ledger = Ledger(self.source, record.origin or self.path.name)
                case wxr.Author():
                    yield Step("author", record.login, partial(self.import_author, record))
                case wxr.Category():
                    yield Step("category", record.nicename, partial(self.import_category, record))
                case wxr.Tag():
                    yield Step("tag", record.slug or record.name, partial(self.import_tag, record))
                case wxr.Item():
                    yield from self.item_steps(record)

    def item_steps(self, item: wxr.Item) -> Iterator[Step]:
        label = f"{item.post_id} {item.title!r}"
        if item.post_type == "post":
            yield Step("post", label, partial(self.import_post, item))
        elif item.post_type == "page":
            yield Step("page", label, partial(self.import_page, item))
        elif item.post_type == "attachment":
            yield Step("attachment", label, partial(self.import_attachment, item))
            return
        else:
            self.other_types[item.post_type or "untyped"] += 1
            return
        for comment in _parents_first(item.comments):
            yield Step(
                "comment",
                f"{comment.comment_id} on {item.post_type} {item.post_id}",
                partial(self.import_comment, item, comment),
            )

    def finish(self) -> None:
        self.link_featured_images()
        self.link_orphan_comments()
        for post_type, n in sorted(self.other_types.items()):
            self.report.warn(
                f"{n} {post_type} item{'s' if n != 1 else ''} not imported "
                f"({_WHY_NOT.get(post_type, 'no equivalent in Masthead')})"
            )

    def warn_once(self, key: str, message: str) -> None:
        if key not in self.warned:
            self.warned.add(key)
            self.report.warn(message)

    # --- authors, categories, tags --------------------------------------------------

    def import_author(self, record: wxr.Author) -> None:
        if not record.login:
            raise Skip("no login")
        known = self.ledger.get("author", record.login)
        if known and Author.objects.filter(pk=known).exists():
            self.report.already("author")
            return
        name = (
            record.display_name
            or " ".join(filter(None, (record.first_name, record.last_name)))
            or record.login
        )
        author, created = pages.get_or_create_author(
            name=name, email=record.email, slug=record.login
        )
        self.ledger.remember("author", record.login, author.pk)
        self.report.created("author" if created else "author matched to an existing one")

    def author_for(self, login: str, label: str) -> list[Author]:
        if not login:
            self.report.warn(f"{label}: no author in the export; imported without a byline")
            return []
        known = self.ledger.get("author", login)
        author = Author.objects.filter(pk=known).first() if known else None
        author = author or pages.find_author(slug=login)
        if author is None:
            self.report.warn(
                f"{label}: author {login!r} is not among the export's authors; "
                "imported without a byline"
            )
            return []
        return [author]

    def import_category(self, record: wxr.Category) -> None:
        nicename = record.nicename or slugify(record.name)
        if not nicename:
            raise Skip("a category without a name")
        self.category_name[nicename] = record.name or nicename
        if record.parent and record.parent != nicename:
            self.category_parent[nicename] = record.parent
            top = self.top_category(nicename)
            self.warn_once(
                f"child:{nicename}",
                f"Category {record.name!r} is inside {self.category_name.get(top, top)!r}: "
                "sections cannot nest, so its posts are filed under "
                f"{self.category_name.get(top, top)!r} and tagged {record.name!r}",
            )
            tag, created = pages.get_or_create_tag(record.name or nicename)
            known = self.ledger.get("category-tag", nicename)
            self.ledger.remember("category-tag", nicename, tag.pk)
            (self.report.already if known else self.report.created)("category as tag")
            return
        self.section_for(nicename, description=record.description, count=True)

    def top_category(self, nicename: str) -> str:
        seen = {nicename}
        while (parent := self.category_parent.get(nicename)) and parent not in seen:
            seen.add(parent)
            nicename = parent
        return nicename

    def section_for(self, nicename: str, *, description: str = "", count=False) -> SectionPage:
        known = self.ledger.get("category", nicename)
        section = SectionPage.objects.filter(pk=known).first() if known else None
        if section is not None:
            if count:
                self.report.already("category")
            return section
        name = self.category_name.get(nicename, nicename)
        section, created = pages.get_or_create_section(
            name, slug=nicename, description=pages.plain_text(description)
        )
        self.ledger.remember("category", nicename, section.pk)
        if count or created:
            self.report.created("category" if created else "category matched to a section")
        return section

    def import_tag(self, record: wxr.Tag) -> None:
        if not (record.name or record.slug):
            raise Skip("a tag without a name")
        key = record.slug or slugify(record.name)
        if self.ledger.get("tag", key):
            self.report.already("tag")
            return
        tag, created = pages.get_or_create_tag(record.name or record.slug)
        self.ledger.remember("tag", key, tag.pk)
        self.report.created("tag" if created else "tag matched to an existing one")

    # --- posts and pages -------------------------------------------------------------

    def common(self, item: wxr.Item, kind: str) -> tuple[str, str] | None:
        """(status, label) for an item to import; None when it was imported before."""
        label = f"{kind} {item.post_id} {item.title!r}"
        if item.status in SKIPPED_STATUSES:
            raise Skip(SKIPPED_STATUSES[item.status])
        status = STATUS_MAP.get(item.status)
        if status is None:
            raise Skip(f"unknown status {item.status!r}")
        known = self.ledger.get(kind, item.post_id)
        if known and _page_exists(kind, known):
            self.report.already(kind)
            return None
        if item.status == "pending":
            self.report.warn(f"{label} was awaiting review: saved as a draft")
        elif item.status == "private":
            self.report.warn(
                f"{label} was private: saved unpublished (Masthead has no private posts)"
            )
        return status, label

    def body(self, item: wxr.Item, label: str) -> list:
        warnings: list[str] = []
        blocks = html_to_blocks(
            item.content,
            image_for=self.image_for,
            warnings=warnings,
            base_url=self.site.base_blog_url or self.site.base_site_url or None,
        )
        for warning in warnings:
            self.report.warn(f"{label}: {warning}")
        return blocks

    def image_for(self, url: str, alt: str) -> Image | None:
        try:
            return self.fetcher.get(url, title=alt)
        except FetchError:
            # content.py keeps the image as a link and says so; the ledger keeps the URL.
            self.ledger.remember("attachment-url", url[:200], "")
            return None

    def import_post(self, item: wxr.Item) -> None:
        decided = self.common(item, "post")
        if decided is None:
            return
        status, label = decided
        section, extra_tags = self.filing(item, label)
        article = pages.save_article(
            section=section,
            title=item.title,
            slug=item.post_name or item.title,
            body=self.body(item, label),
            status=status,
            standfirst=pages.standfirst_from(item.excerpt),
            authors=self.author_for(item.creator, label),
            tags=[t.name or t.nicename for t in item.tags] + extra_tags,
            published_at=item.post_date_gmt,
            go_live_at=item.post_date_gmt if status == pages.SCHEDULED else None,
            featured_image=self.featured_image(item),
            comments_open=item.comment_status != "closed",
        )
        self.note_slug(item, article, label)
        self.ledger.remember("post", item.post_id, article.pk)
        self.report.created("post")
        if article.live:
            self.import_views(item, article)
            self.redirects(item, article)

    def import_page(self, item: wxr.Item) -> None:
        decided = self.common(item, "page")
        if decided is None:
            return
        status, label = decided
        if item.post_parent not in ("", "0"):
            self.warn_once(
                "page-parent",
                "Pages inside other pages are imported side by side under the home page "
                "(standard pages do not nest)",
            )
        page = pages.save_standard_page(
            title=item.title,
            slug=item.post_name or item.title,
            body=self.body(item, label),
            status=status,
            intro=pages.standfirst_from(item.excerpt, limit=600),
            published_at=item.post_date_gmt,
            go_live_at=item.post_date_gmt if status == pages.SCHEDULED else None,
        )
        self.note_slug(item, page, label)
        self.ledger.remember("page", item.post_id, page.pk)
        self.report.created("page")
        if page.live:
            self.redirects(item, page)

    def filing(self, item: wxr.Item, label: str) -> tuple[SectionPage, list[str]]:
        """The post's section (its first category's top-level ancestor) and the names of
        child categories, which become tags."""
        categories = item.categories
        if not categories:
            section, created = pages.get_or_create_section(FALLBACK_SECTION)
            self.warn_once(
                "fallback-section",
                f"Posts without a category were filed in the section {FALLBACK_SECTION!r}"
                + (" (created for them)" if created else ""),
            )
            return section, []
        extra_tags = []
        for term in categories:
            self.category_name.setdefault(term.nicename, term.name)
            if term.nicename in self.category_parent:
                extra_tags.append(term.name or term.nicename)
        first = categories[0].nicename or slugify(categories[0].name)
        return self.section_for(self.top_category(first)), extra_tags

    def note_slug(self, item: wxr.Item, page, label: str) -> None:
        wanted = slugify(item.post_name or item.title, allow_unicode=True)
        if wanted and page.slug != wanted:
            self.report.warn(f"{label}: the address {wanted!r} was taken; it is now {page.slug!r}")

    def featured_image(self, item: wxr.Item) -> Image | None:
        thumb = item.meta.get("_thumbnail_id", "").strip()
        if not thumb:
            return None
        known = self.ledger.get("attachment", thumb)
        image = Image.objects.filter(pk=known).first() if known else None
        if image is None:
            self.featured[item.post_id] = thumb  # the attachment may come later
        return image

    def import_views(self, item: wxr.Item, article: ArticlePage) -> None:
        for key in VIEW_META_KEYS:
            raw = item.meta.get(key, "").strip()
            if raw.isdigit() and int(raw) > 0:
                break
        else:
            return
        if self.ledger.get("views", item.post_id):
            return
        hour = int(article.first_published_at.timestamp()) // 3600
        add_view_history(hourly=Counter({(article.pk, hour): int(raw)}))
        self.ledger.remember("views", item.post_id, article.pk)
        self.report.created("views")

    def redirects(self, item: wxr.Item, page) -> None:
        # WordPress answers /?p=ID for posts and /?page_id=ID for pages, whatever the
        # permalink setting, and old links and feeds use them.
        query = "page_id" if item.post_type == "page" else "p"
        for old in (item.link, f"/?{query}={item.post_id}" if item.post_id else ""):
            if not old:
                continue
            redirect = pages.add_redirect(old, page)
            if redirect is not None:
                self.ledger.remember("redirect", redirect.old_path[:200], redirect.pk)
                self.report.created("redirect")

    # --- attachments ------------------------------------------------------------------

    def import_attachment(self, item: wxr.Item) -> None:
        url = item.attachment_url or item.guid
        known = self.ledger.get("attachment", item.post_id)
        if known and Image.objects.filter(pk=known).exists():
            self.report.already("attachment")
            return
        if not url:
            raise Skip("no file address")
        try:
            image = self.fetcher.get(url, title=item.title)
        except FetchError as exc:
            self.ledger.remember("attachment-url", url[:200], item.post_id)
            self.report.warn(f"attachment {item.post_id} {url}: {exc}; kept as its original URL")
            self.report.created("attachment kept as URL")
            return
        self.ledger.remember("attachment", item.post_id, image.pk)
        self.report.created("attachment")

    def link_featured_images(self) -> None:
        for post_id, thumb in self.featured.items():
            article = _article(self.ledger.get("post", post_id))
            if article is None:
                continue
            known = self.ledger.get("attachment", thumb)
            image = Image.objects.filter(pk=known).first() if known else None
            if image is None:
                self.report.warn(
                    f"post {post_id}: its featured image (attachment {thumb}) was not stored"
                )
                continue
            pages.set_featured_image(article, image)

    # --- comments -------------------------------------------------------------------

    def import_comment(self, item: wxr.Item, comment: wxr.Comment) -> None:
        if comment.type in ("pingback", "trackback"):
            raise Skip(f"a {comment.type}: links from other sites are not carried over")
        if item.post_type != "post":
            raise Skip("comments on pages are not carried over (pages have no discussion)")
        if self.ledger.get("comment", comment.comment_id):
            self.report.already("comment")
            return
        article = _article(self.ledger.get("post", item.post_id))
        if article is None:
            raise Skip("its post was not imported")
        parent = None
        if comment.parent not in ("", "0"):
            parent = _comment(self.ledger.get("comment", comment.parent))
        try:
            stored = pages.add_comment(
                article=article,
                body_html=comment.content,
                author_name=comment.author,
                author_email=comment.author_email,
                author_website=comment.author_url,
                status=COMMENT_STATUS.get(comment.approved, CommentStatus.PENDING),
                created_at=comment.date_gmt or article.first_published_at,
                ip_address=comment.author_ip,
                parent=parent,
            )
        except pages.CannotImport as exc:
            raise Skip(str(exc)) from exc
        if comment.parent not in ("", "0") and parent is None:
            self.orphans.append((stored.pk, comment.parent, f"post {item.post_id}"))
        self.ledger.remember("comment", comment.comment_id, stored.pk)
        self.report.created("comment")

    def link_orphan_comments(self) -> None:
        for pk, parent_id, where in self.orphans:
            comment = Comment.objects.filter(pk=pk).first()
            parent = _comment(self.ledger.get("comment", parent_id))
            if comment is None:
                continue
            if parent is None or parent.article_id != comment.article_id:
                self.report.warn(
                    f"comment {pk} on {where}: its parent comment {parent_id} was not "
                    "imported; shown as a new thread"
                )
                continue
            pages.set_comment_parent(comment, parent)


_WHY_NOT = {
    "nav_menu_item": "menus are built from sections in Masthead",
    "revision": "only the current version of a post is imported",
    "wp_block": "reusable blocks have no equivalent; their content is in the posts using them",
    "wp_template": "themes do not carry over",
    "wp_template_part": "themes do not carry over",
    "wp_global_styles": "themes do not carry over",
    "wp_navigation": "menus are built from sections in Masthead",
    "custom_css": "themes do not carry over",
}


def _parents_first(comments: list[wxr.Comment]) -> list[wxr.Comment]:
    """The item's comments with every parent before its replies (WXR order is by id,
    which usually but not always puts parents first)."""
    by_id = {c.comment_id: c for c in comments}
    ordered, placed = [], set()

    def place(comment, trail=()):
        if comment.comment_id in placed or comment.comment_id in trail:
            return
        parent = by_id.get(comment.parent)
        if parent is not None:
            place(parent, (*trail, comment.comment_id))
        placed.add(comment.comment_id)
        ordered.append(comment)

    for comment in comments:
        place(comment)
    return ordered


def _page_exists(kind: str, pk: str) -> bool:
    model = ArticlePage if kind == "post" else StandardPage
    return model.objects.filter(pk=pk).exists()


def _article(pk: str | None) -> ArticlePage | None:
    return ArticlePage.objects.filter(pk=pk).first() if pk else None


def _comment(pk: str | None) -> Comment | None:
    return Comment.objects.filter(pk=pk).first() if pk else None
