"""Reading a WordPress eXtended RSS (WXR) export as a stream of typed records.

The file is parsed incrementally with defusedxml, which refuses document type
declarations, entity definitions (the "billion laughs") and external entities
(file:///etc/passwd) before they can do harm.  Each finished <item> (and every
other child of <channel>) is turned into a record and then removed from the tree,
so memory stays flat however many posts the export holds.

check() reads the whole file once without keeping anything: an importer calls it
first, so a file that is hostile or broken halfway is refused before anything is
written.
"""

import datetime as dt
import xml.etree.ElementTree as StdET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.core.management.base import CommandError

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
WP_NS_PREFIX = "http://wordpress.org/export/"  # 1.0, 1.1 and 1.2 all begin so
EXCERPT_NS_SUFFIX = "/excerpt/"  # http://wordpress.org/export/1.2/excerpt/


class WXRError(CommandError):
    """The file was refused: not a WXR export, malformed, or hostile XML.

    A CommandError, so `masthead import` prints the message and exits non-zero.
    """


@dataclass(slots=True)
class Site:
    title: str = ""
    link: str = ""
    base_site_url: str = ""
    base_blog_url: str = ""
    wxr_version: str = ""

    @property
    def origin(self) -> str:
        """What names this site in the import ledger."""
        return (self.base_site_url or self.base_blog_url or self.link).rstrip("/")


@dataclass(slots=True)
class Author:
    author_id: str = ""
    login: str = ""
    email: str = ""
    display_name: str = ""
    first_name: str = ""
    last_name: str = ""


@dataclass(slots=True)
class Category:
    term_id: str = ""
    nicename: str = ""
    parent: str = ""  # the parent's nicename, empty at the top level
    name: str = ""
    description: str = ""


@dataclass(slots=True)
class Tag:
    term_id: str = ""
    slug: str = ""
    name: str = ""
    description: str = ""


@dataclass(slots=True)
class Comment:
    comment_id: str = ""
    parent: str = ""  # "0" or "" for a top-level comment
    author: str = ""
    author_email: str = ""
    author_url: str = ""
    author_ip: str = ""
    date_gmt: dt.datetime | None = None
    content: str = ""
    approved: str = ""  # "1", "0", "spam", "trash"
    type: str = ""  # "", "comment", "pingback", "trackback"
    user_id: str = ""


@dataclass(slots=True)
class Term:
    domain: str  # "category", "post_tag", or a custom taxonomy
    nicename: str
    name: str


@dataclass(slots=True)
class Item:
    post_type: str = ""
    post_id: str = ""
    title: str = ""
    link: str = ""
    guid: str = ""
    post_name: str = ""
    status: str = ""
    post_date_gmt: dt.datetime | None = None
    creator: str = ""  # the author's login
    content: str = ""
    excerpt: str = ""
    post_parent: str = ""
    attachment_url: str = ""
    comment_status: str = ""
    terms: list[Term] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    comments: list[Comment] = field(default_factory=list)

    @property
    def categories(self) -> list[Term]:
        return [t for t in self.terms if t.domain == "category"]

    @property
    def tags(self) -> list[Term]:
        return [t for t in self.terms if t.domain == "post_tag"]


Record = Site | Author | Category | Tag | Item


def _name(tag: str) -> str:
    """'{namespace}local' as 'prefix:local' with the prefixes WXR files use."""
    if not tag.startswith("{"):
        return tag
    uri, local = tag[1:].split("}", 1)
    if uri.startswith(WP_NS_PREFIX):
        prefix = "excerpt" if uri.endswith(EXCERPT_NS_SUFFIX) else "wp"
    elif uri == CONTENT_NS:
        prefix = "content"
    elif uri == DC_NS:
        prefix = "dc"
    else:
        prefix = uri
    return f"{prefix}:{local}"


def _text(elem) -> str:
    return (elem.text or "").strip()


def parse_date(value: str) -> dt.datetime | None:
    """WordPress's 'YYYY-MM-DD HH:MM:SS' as an aware UTC datetime; None for its zero date."""
    value = (value or "").strip()
    if not value or value.startswith("0000"):
        return None
    try:
        return dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def _fields(elem) -> dict[str, str]:
    return {_name(child.tag): _text(child) for child in elem}


def _author(elem) -> Author:
    f = _fields(elem)
    return Author(
        author_id=f.get("wp:author_id", ""),
        login=f.get("wp:author_login", ""),
        email=f.get("wp:author_email", ""),
        display_name=f.get("wp:author_display_name", ""),
        first_name=f.get("wp:author_first_name", ""),
        last_name=f.get("wp:author_last_name", ""),
    )


def _category(elem) -> Category:
    f = _fields(elem)
    return Category(
        term_id=f.get("wp:term_id", ""),
        nicename=f.get("wp:category_nicename", ""),
        parent=f.get("wp:category_parent", ""),
        name=f.get("wp:cat_name", ""),
        description=f.get("wp:category_description", ""),
    )


def _tag(elem) -> Tag:
    f = _fields(elem)
    return Tag(
        term_id=f.get("wp:term_id", ""),
        slug=f.get("wp:tag_slug", ""),
        name=f.get("wp:tag_name", ""),
        description=f.get("wp:tag_description", ""),
    )


def _comment(elem) -> Comment:
    f = _fields(elem)
    return Comment(
        comment_id=f.get("wp:comment_id", ""),
        parent=f.get("wp:comment_parent", ""),
        author=f.get("wp:comment_author", ""),
        author_email=f.get("wp:comment_author_email", ""),
        author_url=f.get("wp:comment_author_url", ""),
        author_ip=f.get("wp:comment_author_IP", ""),
        date_gmt=parse_date(f.get("wp:comment_date_gmt", ""))
        or parse_date(f.get("wp:comment_date", "")),
        content=f.get("wp:comment_content", ""),
        approved=f.get("wp:comment_approved", ""),
        type=f.get("wp:comment_type", ""),
        user_id=f.get("wp:comment_user_id", ""),
    )


def _item(elem) -> Item:
    item = Item()
    for child in elem:
        name = _name(child.tag)
        # Post bodies keep their whitespace: classic-editor paragraphs are blank lines.
        raw = child.text or ""
        match name:
            case "title":
                item.title = raw.strip()
            case "link":
                item.link = raw.strip()
            case "guid":
                item.guid = raw.strip()
            case "dc:creator":
                item.creator = raw.strip()
            case "content:encoded":
                item.content = raw
            case "excerpt:encoded":
                item.excerpt = raw
            case "wp:post_id":
                item.post_id = raw.strip()
            case "wp:post_name":
                item.post_name = raw.strip()
            case "wp:status":
                item.status = raw.strip()
            case "wp:post_type":
                item.post_type = raw.strip()
            case "wp:post_parent":
                item.post_parent = raw.strip()
            case "wp:comment_status":
                item.comment_status = raw.strip()
            case "wp:attachment_url":
                item.attachment_url = raw.strip()
            case "wp:post_date_gmt":
                item.post_date_gmt = parse_date(raw) or item.post_date_gmt
            case "wp:post_date":
                # The local date stands in when the GMT one is WordPress's zero date.
                item.post_date_gmt = item.post_date_gmt or parse_date(raw)
            case "category":
                item.terms.append(
                    Term(
                        domain=child.get("domain", ""),
                        nicename=child.get("nicename", ""),
                        name=raw.strip(),
                    )
                )
            case "wp:postmeta":
                f = _fields(child)
                key = f.get("wp:meta_key", "")
                if key:
                    item.meta[key] = f.get("wp:meta_value", "")
            case "wp:comment":
                item.comments.append(_comment(child))
    return item


_HEADER = {
    "title": "title",
    "link": "link",
    "wp:base_site_url": "base_site_url",
    "wp:base_blog_url": "base_blog_url",
    "wp:wxr_version": "wxr_version",
}
_RECORDS = {"wp:author": _author, "wp:category": _category, "wp:tag": _tag, "item": _item}


def _events(path: Path):
    try:
        yield from iterparse(str(path), events=("start", "end"), forbid_dtd=True)
    except DefusedXmlException as exc:
        raise WXRError(
            f"{path.name} was refused: it declares a document type or entities "
            f"({type(exc).__name__}), which WordPress exports never do and which can "
            "expand without limit or read local files"
        ) from exc
    except StdET.ParseError as exc:
        raise WXRError(f"{path.name} is not well-formed XML: {exc}") from exc


def check(path: str | Path) -> None:
    """Read the whole file once, keeping nothing; WXRError if it is refused."""
    path = Path(path)
    depth, channel, saw_wxr = 0, None, False
    for event, elem in _events(path):
        if event == "start":
            depth += 1
            if depth == 2 and elem.tag == "channel":
                channel = elem
            continue
        depth -= 1
        if depth == 2 and channel is not None:
            saw_wxr = saw_wxr or _name(elem.tag) == "wp:wxr_version"
            elem.clear()
            channel.remove(elem)
    if channel is None or not saw_wxr:
        raise WXRError(f"{path.name} is not a WordPress export (no <channel> with wp:wxr_version)")


def read(path: str | Path) -> Iterator[Record]:
    """The site record first, then authors, categories, tags and items in file order."""
    path = Path(path)
    depth = 0
    channel = None
    site = Site()
    site_sent = False
    for event, elem in _events(path):
        if event == "start":
            depth += 1
            if depth == 2 and elem.tag == "channel":
                channel = elem
            continue
        depth -= 1
        if depth != 2 or channel is None:
            continue
        name = _name(elem.tag)
        if name in _HEADER:
            setattr(site, _HEADER[name], _text(elem))
        elif name in _RECORDS:
            if not site_sent:
                site_sent = True
                yield site
            yield _RECORDS[name](elem)
        # Done with this child of <channel>: drop it so the tree never grows.
        elem.clear()
        channel.remove(elem)
    if not site_sent:
        yield site
