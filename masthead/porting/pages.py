"""Building blocks every importer uses to put content into the site the way editors do:
sections under the home page, authors matched on email or slug, articles and standard
pages published, scheduled or saved as drafts through revisions, old URLs redirected,
comments threaded.

The functions take plain values (already converted body blocks, datetimes, names), so
the WordPress and Ghost importers share them; they never consult the import ledger
(that stays with the importer, which knows the source ids).
"""

import datetime as dt
import html as html_lib
import re
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Collection, Page, PageLogEntry, Site

from masthead.discussion.models import Comment, CommentStatus
from masthead.newsroom.models import (
    ArticleAuthor,
    ArticlePage,
    Author,
    HomePage,
    SectionPage,
    StandardPage,
)

# What an imported item's state becomes here.
PUBLISHED = "published"  # live, with its original publish date
SCHEDULED = "scheduled"  # not live; Wagtail publishes it at go_live_at
DRAFT = "draft"  # not live; a draft revision for an editor to finish
STATUSES = (PUBLISHED, SCHEDULED, DRAFT)

IMPORTED_COLLECTION = "Imported"
STANDFIRST_LIMIT = 300  # characters; a standfirst is a sentence or two, not the article


class CannotImport(ValueError):
    """A page could not be built from the item (the message says why)."""


# --- text ---------------------------------------------------------------------------


def plain_text(markup: str) -> str:
    """The visible text of an HTML fragment: tags (and script/style contents) removed,
    entities decoded, whitespace collapsed within lines, paragraphs kept as blank lines."""
    if not markup:
        return ""
    soup = BeautifulSoup(markup, "html.parser")
    for dead in soup(["script", "style", "iframe", "object", "embed", "noscript", "template"]):
        dead.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(["p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "pre"]):
        block.insert_before("\n\n")
        block.insert_after("\n\n")
    text = html_lib.unescape(soup.get_text())
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def standfirst_from(markup: str, limit: int = STANDFIRST_LIMIT) -> str:
    """A one-paragraph summary from an excerpt: plain text, cut at a word boundary."""
    text = " ".join(plain_text(markup).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.-")
    return cut + "…"


# --- the tree -----------------------------------------------------------------------


def home_page() -> HomePage:
    """The site's home page: the default site's root if it is a HomePage, else the first."""
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is not None and isinstance(site.root_page.specific, HomePage):
        return site.root_page.specific
    home = HomePage.objects.first()
    if home is None:
        raise CannotImport("the site has no home page to import under")
    return home


def unique_slug(parent: Page, slug: str, *, exclude_pk: int | None = None) -> str:
    """`slug`, or slug-2, slug-3... when a sibling under `parent` already has it."""
    base = slugify(slug, allow_unicode=True)[:240] or "untitled"
    siblings = Page.objects.child_of(parent)
    if exclude_pk is not None:
        siblings = siblings.exclude(pk=exclude_pk)
    taken = set(siblings.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def get_or_create_section(
    title: str, *, slug: str = "", description: str = ""
) -> tuple[SectionPage, bool]:
    """The published section under the home page with this slug, made if missing."""
    home = home_page()
    slug = slugify(slug or title, allow_unicode=True)[:240] or "section"
    section = SectionPage.objects.child_of(home).filter(slug=slug).first()
    if section is not None:
        return section, False
    title = (title or slug)[:255]
    section = SectionPage(title=title, slug=slug, description=description[:300])
    # Another page type under the home page may already use the slug (a standard page).
    section.slug = unique_slug(home, slug)
    home.add_child(instance=section)
    section.save_revision().publish()
    return section, True


def first_section() -> SectionPage | None:
    return SectionPage.objects.child_of(home_page()).order_by("menu_order", "path").first()


# --- people and tags ---------------------------------------------------------------


def find_author(*, email: str = "", slug: str = "") -> Author | None:
    """An existing author with this email (case-insensitive), else with this slug."""
    if email:
        found = Author.objects.filter(email__iexact=email.strip()).first()
        if found is not None:
            return found
    if slug:
        return Author.objects.filter(slug=slugify(slug, allow_unicode=True)).first()
    return None


def get_or_create_author(
    *, name: str, email: str = "", slug: str = "", bio: str = "", website_url: str = ""
) -> tuple[Author, bool]:
    """The author matched on email then slug, or a new one; returns (author, created)."""
    found = find_author(email=email, slug=slug or name)
    if found is not None:
        return found, False
    base = slugify(slug or name, allow_unicode=True)[:110] or "author"
    candidate, n = base, 2
    while Author.objects.filter(slug=candidate).exists():
        candidate, n = f"{base}-{n}", n + 1
    author = Author(
        name=(name or slug or "Unknown")[:120],
        slug=candidate,
        email=_valid_email(email),
        bio=plain_text(bio),
        website_url=website_url if website_url.startswith(("http://", "https://")) else "",
    )
    author.full_clean(exclude=["avatar", "user"])
    author.save()
    return author, True


def _valid_email(email: str) -> str:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    email = (email or "").strip()[:254]
    try:
        validate_email(email)
    except ValidationError:
        return ""
    return email


def tag_names(names) -> list[str]:
    """Tag names as taggit stores them: stripped, non-empty, no duplicates, 100 chars."""
    seen, out = set(), []
    for name in names:
        name = " ".join(str(name).split())[:100]
        if name and name.lower() not in seen:
            seen.add(name.lower())
            out.append(name)
    return out


def get_or_create_tag(name: str) -> tuple[Tag, bool]:
    name = tag_names([name])[0]
    tag = Tag.objects.filter(name__iexact=name).first()
    if tag is not None:
        return tag, False
    return Tag.objects.create(name=name), True


# --- pages --------------------------------------------------------------------------


def save_article(
    *,
    section: SectionPage,
    title: str,
    slug: str,
    body: list,
    status: str = PUBLISHED,
    standfirst: str = "",
    authors: list[Author] = (),
    tags: list[str] = (),
    published_at: dt.datetime | None = None,
    go_live_at: dt.datetime | None = None,
    featured_image=None,
    comments_open: bool | None = None,
    search_description: str = "",
    seo_title: str = "",
) -> ArticlePage:
    """A new ArticlePage under `section` in `status` (PUBLISHED, SCHEDULED or DRAFT).

    `slug` is made unique among the section's articles (slug-2, ...); compare
    page.slug with what you passed to warn.  A published article keeps
    `published_at` as its first and last publish time.
    """
    title = (title or "Untitled")[:255]
    article = ArticlePage(
        title=title,
        slug=unique_slug(section, slug or title),
        # Articles require a standfirst; without an excerpt the opening text stands in.
        standfirst=standfirst or _opening_text(body) or title,
        body=body,
        featured_image=featured_image,
        search_description=search_description,
        seo_title=seo_title[:255],
    )
    if comments_open is not None:
        article.comments_open = comments_open
    article.article_authors = [
        ArticleAuthor(author=author, sort_order=i) for i, author in enumerate(authors)
    ]
    if tags:
        article.tags.add(*tag_names(tags))
    return _save(section, article, status=status, published_at=published_at, go_live_at=go_live_at)


def save_standard_page(
    *,
    title: str,
    slug: str,
    body: list,
    status: str = PUBLISHED,
    intro: str = "",
    published_at: dt.datetime | None = None,
    go_live_at: dt.datetime | None = None,
    search_description: str = "",
    seo_title: str = "",
) -> StandardPage:
    """A new StandardPage under the home page, like save_article."""
    home = home_page()
    title = (title or "Untitled")[:255]
    page = StandardPage(
        title=title,
        slug=unique_slug(home, slug or title),
        intro=intro[:600],
        body=body,
        search_description=search_description,
        seo_title=seo_title[:255],
    )
    return _save(home, page, status=status, published_at=published_at, go_live_at=go_live_at)


def _opening_text(body: list) -> str:
    for block_type, value in body:
        if block_type == "paragraph":
            text = standfirst_from(getattr(value, "source", value) or "")
            if text:
                return text
    return ""


def _save(parent: Page, page: Page, *, status: str, published_at, go_live_at) -> Page:
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    if status == SCHEDULED and (go_live_at is None or go_live_at <= timezone.now()):
        # A schedule in the past would publish at once: it is simply published.
        status, published_at = PUBLISHED, go_live_at or published_at
    if status == PUBLISHED:
        return _save_published(parent, page, published_at or timezone.now())
    page.live = False  # until a revision publishes it (Page defaults to live)
    page.first_published_at = None
    if status == SCHEDULED:
        page.go_live_at = go_live_at
    parent.add_child(instance=page)
    revision = page.save_revision()
    if status == SCHEDULED:
        revision.publish()  # with go_live_at ahead, Wagtail keeps it scheduled
        page.refresh_from_db()
    return page


def _save_published(parent: Page, page: Page, when: dt.datetime) -> Page:
    """Save `page` live with one revision, leaving what Revision.publish() leaves: the
    live revision, no unpublished changes, the publish times and a publish log entry.

    publish() itself runs the whole editorial workflow per page (a second save of the
    page, its signals and checks); for an import of thousands of articles that was
    most of the time.  The page's own save still indexes it and invalidates the page
    cache.
    """
    page.live = True
    page.has_unpublished_changes = False
    page.first_published_at = page.last_published_at = when
    parent.add_child(instance=page)
    revision = page.save_revision(changed=False, clean=False)
    type(page).objects.filter(pk=page.pk).update(live_revision=revision)
    page.live_revision = revision
    PageLogEntry.objects.log_action(
        instance=page, action="wagtail.publish", revision=revision, content_changed=True
    )
    return page


def set_featured_image(article: ArticlePage, image) -> None:
    """Give an existing article its featured image, in the live page and its latest revision."""
    ArticlePage.objects.filter(pk=article.pk).update(featured_image=image)
    revision = article.latest_revision
    if revision is not None and isinstance(revision.content, dict):
        revision.content["featured_image"] = image.pk
        revision.save(update_fields=["content"])


def imported_collection() -> Collection:
    """The image collection imports file into, made under the root on first use."""
    found = Collection.objects.filter(name=IMPORTED_COLLECTION).first()
    if found is not None:
        return found
    return Collection.get_first_root_node().add_child(name=IMPORTED_COLLECTION)


# --- redirects ----------------------------------------------------------------------


def add_redirect(old_url: str, page: Page) -> Redirect | None:
    """A permanent redirect from the path (and query) of `old_url` to `page`.

    None when the old path is the page's own path, or is empty, or is already
    redirected (the first import of a path wins: later ones would steal it).
    """
    if not old_url:
        return None
    parts = urlsplit(old_url.strip())
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    old_path = Redirect.normalise_path(path)
    if old_path in ("", "/"):
        return None
    new_url = page.get_url() or ""
    if Redirect.normalise_path(urlsplit(new_url).path or "/") == old_path:
        return None
    site = page.get_site()
    if Redirect.objects.filter(old_path=old_path, site__in=[site, None]).exists():
        return None
    with transaction.atomic():
        return Redirect.add_redirect(old_path, page, is_permanent=True, site=site)


# --- comments -----------------------------------------------------------------------

COMMENT_BODY_LIMIT = 5000


def add_comment(
    *,
    article: ArticlePage,
    body_html: str,
    author_name: str,
    author_email: str = "",
    author_website: str = "",
    status: str = CommentStatus.APPROVED,
    created_at: dt.datetime | None = None,
    ip_address: str = "",
    parent: Comment | None = None,
    user=None,
) -> Comment:
    """An imported comment, stored as the discussion app stores them: plain text.

    Replies go under `parent` at any depth the source had; the thread root and
    depth follow from it.  No notifications are sent and no spam rules applied:
    the source already moderated these.
    """
    created_at = created_at or timezone.now()
    body = plain_text(body_html)[:COMMENT_BODY_LIMIT]
    if not body:
        raise CannotImport("the comment is empty")
    website = author_website.strip()
    if not website.startswith(("http://", "https://")) or len(website) > 200:
        website = ""
    return Comment.objects.create(
        article=article,
        parent=parent,
        root=(parent.root or parent) if parent else None,
        depth=parent.depth + 1 if parent else 0,
        user=user,
        author_name=(" ".join((author_name or "").split()) or "Anonymous")[:80],
        author_email=_valid_email(author_email).lower(),
        author_website=website,
        body=body,
        status=status,
        created_at=created_at,
        approved_at=created_at if status == CommentStatus.APPROVED else None,
        ip_address=_valid_ip(ip_address),
    )


def set_comment_parent(comment: Comment, parent: Comment) -> None:
    """Attach a comment (and its replies) under a parent seen after it."""
    comment.parent = parent
    comment.root = parent.root or parent
    comment.depth = parent.depth + 1
    comment.save(update_fields=["parent", "root", "depth"])
    for reply in Comment.objects.filter(parent=comment):
        set_comment_parent(reply, comment)


def _valid_ip(value: str) -> str | None:
    import ipaddress

    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None
