"""Imported post HTML (WordPress block or classic editor, Ghost) turned into article body blocks.

html_to_blocks returns (block_type, value) pairs for ArticlePage.body, in the
raw shapes the article StreamField accepts on assignment. Recognised structure
becomes the matching block (heading, image, pull/block quote, video); anything
else is kept as sanitised rich text, so no text is dropped silently. What
cannot be carried over (scripts, iframes from hosts the public CSP does not
allow, dynamic WordPress blocks, unknown shortcodes) is said in `warnings`
when the caller passes a list.
"""

import html as html_lib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlparse

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from masthead.newsroom.blocks import video_embed_url
from masthead.porting.classic import expand_shortcodes, strip_shortcodes, wants_autop, wpautop
from masthead.porting.sanitise import HIDDEN_TAGS, clean_rich_text, has_text, text_of

ImageFor = Callable[[str, str], object | None]
Block = tuple[str, object]

# Field limits of the article body's blocks (masthead.newsroom.blocks).
HEADING_MAX = 200
CAPTION_MAX = 300
PULL_QUOTE_MAX = 400
ATTRIBUTION_MAX = 120
CITATION_MAX = 200
VIDEO_TITLE_MAX = 200

_CONTAINER_TAGS = frozenset(
    {"div", "section", "article", "main", "header", "footer", "aside", "nav", "body", "html"}
    | {"details", "fieldset", "form", "center", "hgroup", "dl", "picture", "figure", "span-block"}
    | {"tbody", "thead", "tfoot"}
)
_PARAGRAPH_TAGS = frozenset({"p", "dt", "dd", "address", "summary", "figcaption", "legend", "li"})
_MEDIA_TAGS = frozenset({"img", "iframe", "video", "audio", "embed", "object"})
_BLOCKISH = (
    _CONTAINER_TAGS
    | _PARAGRAPH_TAGS
    | frozenset(
        {"h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "table", "pre", "hr"}
    )
)
_MEDIA_AND_BLOCKISH = _MEDIA_TAGS | _BLOCKISH
_SOCIAL_QUOTES = frozenset({"twitter-tweet", "instagram-media", "tiktok-embed", "bluesky-embed"})


def html_to_blocks(
    html: str,
    *,
    image_for: ImageFor | None = None,
    warnings: list[str] | None = None,
    base_url: str | None = None,
    autop: bool | None = None,
) -> list[Block]:
    """Article body blocks for imported post HTML.

    image_for(url, alt) returns a stored Wagtail Image for an image the post
    shows (the caller downloads it) or None, in which case the image is kept as
    a link to its original URL. base_url resolves relative src/href values
    (the old site's address). autop: whether the HTML is WordPress classic-editor
    text whose paragraphs are blank lines (None: decide from the content; Ghost
    HTML should pass False).
    """
    converter = _Converter(
        image_for=image_for, base_url=base_url, warnings=warnings if warnings is not None else []
    )
    html = html or ""
    if _BLOCK_COMMENT.search(html):
        for item in _parse_block_markup(html):
            if isinstance(item, str):
                converter.classic(item, autop=autop)
            else:
                converter.wp_block(item)
    else:
        converter.classic(html, autop=autop)
    return converter.blocks


def html_to_text(html: str) -> str:
    """Plain text of imported HTML (classic-editor line breaks kept), for excerpts and comments."""
    if not html:
        return ""
    source = html if "<" in html else html_lib.escape(html, quote=False)
    source = strip_shortcodes(_BLOCK_COMMENT.sub("", source))
    if wants_autop(source):
        source = wpautop(source, embeds=False)
    return text_of(BeautifulSoup(source, "html.parser"))


def plain_excerpt(html: str, limit: int) -> str:
    """One line of plain text from `html`, cut at a word boundary to at most `limit` characters."""
    text = " ".join(html_to_text(html).split())
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-–—") + "…"


# ---------------------------------------------------------------- WordPress block markup

# The block delimiter grammar of WordPress's block parser (wp-includes/class-wp-block-parser.php).
_BLOCK_COMMENT = re.compile(
    r"<!--\s+(?P<closer>/)?wp:(?P<namespace>[a-z][a-z0-9_-]*/)?(?P<name>[a-z][a-z0-9_-]*)"
    r"\s+(?P<attrs>\{.*?\}\s+)?(?P<void>/)?-->",
    re.S,
)


@dataclass
class WPBlock:
    name: str
    attrs: dict
    parts: list = field(default_factory=list)  # HTML strings and inner WPBlocks, in order

    @property
    def inner_blocks(self) -> list["WPBlock"]:
        return [p for p in self.parts if isinstance(p, WPBlock)]

    def full_html(self) -> str:
        return "".join(p if isinstance(p, str) else p.full_html() for p in self.parts)


def _parse_block_markup(html: str) -> list:
    """Top-level freeform HTML strings and WPBlock trees, in document order."""
    top: list = []
    stack: list[WPBlock] = []

    def emit(item) -> None:
        (stack[-1].parts if stack else top).append(item)

    position = 0
    for match in _BLOCK_COMMENT.finditer(html):
        if match.start() > position:
            emit(html[position : match.start()])
        position = match.end()
        namespace = (match["namespace"] or "core/").rstrip("/")
        name = match["name"] if namespace == "core" else f"{namespace}/{match['name']}"
        if match["closer"]:
            # Close the matching open block; a stray closer is ignored.
            names = [b.name for b in stack]
            if name in names:
                while stack:
                    block = stack.pop()
                    emit(block)
                    if block.name == name:
                        break
            continue
        try:
            attrs = json.loads(match["attrs"]) if match["attrs"] else {}
        except ValueError:
            attrs = {}
        block = WPBlock(name=name, attrs=attrs if isinstance(attrs, dict) else {})
        if match["void"]:
            emit(block)
        else:
            stack.append(block)
    if position < len(html):
        emit(html[position:])
    while stack:  # blocks never closed end with the document
        block = stack.pop()
        emit(block)
    return top


# Blocks whose own HTML and inner blocks make one piece of markup (a list and its items).
_WHOLE_BLOCKS = frozenset(
    {"list", "list-item", "gallery", "quote", "pullquote", "buttons", "button", "social-links"}
    | {"details", "footnotes", "table"}
)
# Blocks that only mark places in the text; nothing for readers to lose.
_MARKER_BLOCKS = frozenset({"more", "nextpage", "separator", "spacer", "page-break"})


# ---------------------------------------------------------------- the converter


def _descendants(tag: Tag, names: frozenset[str]):
    """Descendant elements named in `names` (cheaper than bs4's find_all with a list of names)."""
    return (d for d in tag.descendants if isinstance(d, Tag) and d.name in names)


def _classes(tag: Tag) -> set[str]:
    value = tag.get("class") or []
    return set(value if isinstance(value, list) else str(value).split())


class _Converter:
    def __init__(self, *, image_for: ImageFor | None, base_url: str | None, warnings: list[str]):
        self.image_for = image_for
        self.base_url = base_url
        self.warnings = warnings
        self.blocks: list[Block] = []
        self._inline: list = []

    # -- entry points

    def classic(self, html: str, *, autop: bool | None) -> None:
        if not html.strip():
            return
        html = expand_shortcodes(html, self.warnings)
        if autop if autop is not None else wants_autop(html):
            html = wpautop(html)
        self.fragment(html)

    def fragment(self, html: str) -> None:
        soup = BeautifulSoup(html, "html.parser")
        self.walk(soup.children)
        self.flush()

    def wp_block(self, block: WPBlock) -> None:
        name = block.name
        if name in _MARKER_BLOCKS:
            return
        if name == "embed" or name.startswith("core-embed/") or name.endswith("/embed"):
            self.wp_embed(block)
            return
        if name in {"shortcode", "freeform"}:
            self.classic(block.full_html(), autop=True)
            return
        if name in {"html"}:
            self.fragment(expand_shortcodes(block.full_html(), self.warnings))
            return
        if name in _WHOLE_BLOCKS or not block.inner_blocks:
            markup = block.full_html()
            if not markup.strip():
                if name not in {"block", "spacer"}:
                    self.warnings.append(
                        f"Block wp:{name} is generated by WordPress when shown; not carried over."
                    )
                else:
                    self.warnings.append(
                        "Reusable block (wp:block) not carried over: its content lives elsewhere."
                    )
                return
            self.fragment(markup)
            return
        # Layout containers (columns, group, cover, media-text ...): their own markup, then each
        # inner block in order.
        for part in block.parts:
            if isinstance(part, WPBlock):
                self.wp_block(part)
            elif part.strip():
                self.fragment(part)

    def wp_embed(self, block: WPBlock) -> None:
        soup = BeautifulSoup(block.full_html(), "html.parser")
        url = block.attrs.get("url") or ""
        wrapper = soup.find(class_="wp-block-embed__wrapper")
        if not url and wrapper is not None:
            url = wrapper.get_text().strip()
        caption = soup.find("figcaption")
        provider = block.attrs.get("providerNameSlug") or block.name.rsplit("/", 1)[-1]
        if not url:
            self.fragment(str(soup))
            return
        self.embed(
            self.absolute(url),
            title="",
            provider=provider,
            caption=text_of(caption) if caption else "",
        )

    # -- walking HTML

    def walk(self, nodes) -> None:
        for node in list(nodes):
            if isinstance(node, Comment):
                continue
            if isinstance(node, NavigableString):
                self._inline.append(node)
                continue
            self.element(node)

    def element(self, tag: Tag) -> None:
        name = tag.name
        classes = _classes(tag)
        if name in HIDDEN_TAGS - {"iframe", "object", "embed"}:
            return
        if name in _MEDIA_TAGS:
            self.flush()
            self.media(tag)
            return
        if name == "br" or (name not in _BLOCKISH and not self._holds_blocks(tag)):
            self._inline.append(tag)
            return
        if name == "a" and not any(True for _ in _descendants(tag, _MEDIA_TAGS)):
            # A link around block content (Ghost file and product cards): one linked paragraph.
            self.flush()
            self.link_paragraph(tag.get("href", ""), text_of(tag).replace("\n", " "))
            return
        self.flush()
        if "kg-bookmark-card" in classes:
            self.bookmark(tag)
        elif "kg-callout-card" in classes:
            # Ghost's callout: the emoji and its text read as one paragraph.
            parts = [tag.find(class_="kg-callout-emoji"), tag.find(class_="kg-callout-text")]
            if all(part is not None for part in parts):
                self.paragraph(" ".join(part.decode_contents() for part in parts))
            else:
                self.walk(tag.children)
                self.flush()
        elif name in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.heading(tag)
        elif name in {"ul", "ol"} and (
            tag.find("figure") or (tag.find("img") and not text_of(tag))
        ):
            # An old gallery (ul.blocks-gallery-grid, ul.wp-block-gallery): its images, not a list.
            self.walk(tag.children)
            self.flush()
        elif name in {"ul", "ol"}:
            self.rich_list(tag)
        elif name == "blockquote":
            self.quote(tag)
        elif name == "figure":
            self.figure(tag)
        elif name == "table":
            self.table(tag)
        elif name == "pre":
            self.preformatted(tag)
        elif name == "hr":
            return
        elif name in _PARAGRAPH_TAGS:
            self.walk(tag.children)
            self.flush()
        else:
            self.walk(tag.children)
            self.flush()

    def _holds_blocks(self, tag: Tag) -> bool:
        """An inline element (a, span ...) wrapping images, embeds or block elements."""
        return any(True for _ in _descendants(tag, _MEDIA_AND_BLOCKISH))

    def flush(self) -> None:
        if not self._inline:
            return
        markup = "".join(str(n) for n in self._inline)
        self._inline = []
        self.paragraph(markup)

    def paragraph(self, markup: str) -> None:
        cleaned = clean_rich_text(self._images_as_links(markup))
        if has_text(cleaned):
            self.blocks.append(("paragraph", f"<p>{cleaned}</p>"))

    # -- block kinds

    def heading(self, tag: Tag) -> None:
        text = " ".join(text_of(tag).split())
        media = list(_descendants(tag, _MEDIA_TAGS))
        if text:
            if len(text) <= HEADING_MAX:
                level = "h2" if tag.name in {"h1", "h2"} else "h3"
                self.blocks.append(("heading", {"text": text, "level": level}))
            else:
                self.blocks.append(("paragraph", f"<p><b>{html_lib.escape(text)}</b></p>"))
        for item in media:
            self.media(item)

    def rich_list(self, tag: Tag) -> None:
        for item in tag.find_all(["p", "div"]):
            # Paragraphs inside list items become line breaks rather than running together.
            if item.find_parent("li") is not None:
                item.append(BeautifulSoup("<br>", "html.parser"))
                item.unwrap()
        cleaned = clean_rich_text(self._images_as_links(str(tag)), lists=True)
        cleaned = re.sub(r"(?<=<li>)(?:<br>)+|(?:<br>)+(?=</li>|<ul>|<ol>)", "", cleaned)
        cleaned = re.sub(r"<li>\s*</li>", "", cleaned)
        if has_text(cleaned):
            if not cleaned.startswith(("<ul>", "<ol>")):
                cleaned = f"<{tag.name}>{cleaned}</{tag.name}>"
            self.blocks.append(("paragraph", cleaned))

    def quote(self, tag: Tag) -> None:
        classes = _classes(tag)
        if classes & _SOCIAL_QUOTES:
            self.social_quote(tag)
            return
        pull = (
            "kg-blockquote-alt" in classes
            or "wp-block-pullquote" in classes
            or (tag.find_parent("figure", class_="wp-block-pullquote") is not None)
        )
        source_url = ""
        citation = ""
        for cite in tag.find_all(["cite", "footer"]):
            link = cite.find("a", href=True)
            if link is not None and not source_url:
                source_url = self.safe_url(link["href"])
            citation = citation or " ".join(text_of(cite).split())
            cite.extract()
        if not source_url and tag.get("cite"):
            source_url = self.safe_url(tag["cite"])
        media = list(_descendants(tag, _MEDIA_TAGS))
        for item in media:
            item.extract()
        text = text_of(tag)
        citation = citation.lstrip("—–- ").strip()
        if text:
            if pull and len(text) <= PULL_QUOTE_MAX and len(citation) <= ATTRIBUTION_MAX:
                self.blocks.append(("pull_quote", {"text": text, "attribution": citation}))
            else:
                if len(citation) > CITATION_MAX:
                    text = f"{text}\n\n— {citation}"
                    citation = ""
                self.blocks.append(
                    (
                        "block_quote",
                        {"quote": text, "citation": citation, "source_url": source_url},
                    )
                )
        elif citation:
            self.paragraph(html_lib.escape(citation))
        for item in media:
            self.media(item)

    def social_quote(self, tag: Tag) -> None:
        """An embedded tweet or post: a block quote of its text, linking to the original."""
        links = [self.safe_url(a["href"]) for a in tag.find_all("a", href=True)]
        links = [link for link in links if link]
        url = self.safe_url(tag.get("data-instgrm-permalink", "")) or (links[-1] if links else "")
        paragraphs = tag.find_all("p")
        text = "\n\n".join(text_of(p) for p in paragraphs if text_of(p))
        for p in paragraphs:
            p.extract()
        citation = " ".join(text_of(tag).split()).lstrip("—–- ")[:CITATION_MAX]
        if text:
            self.blocks.append(
                ("block_quote", {"quote": text, "citation": citation, "source_url": url})
            )
        elif url:
            self.link_paragraph(url, citation or url)

    def figure(self, tag: Tag) -> None:
        classes = _classes(tag)
        if "kg-bookmark-card" in classes:
            self.bookmark(tag)
            return
        caption_tag = tag.find("figcaption")
        caption = text_of(caption_tag) if caption_tag is not None else ""
        nested = [f for f in tag.find_all("figure") if f is not tag]
        media = list(_descendants(tag, _MEDIA_TAGS))
        if nested or not media or tag.find(["blockquote", "table", "pre", "p", "ul", "ol"]):
            # A gallery of figures, a pull quote, a table ...: each part on its own.
            self.walk(tag.children)
            self.flush()
            return
        if caption_tag is not None:
            caption_tag.extract()
        text_left = text_of(tag)
        for index, item in enumerate(media):
            # A gallery's single caption goes with its first image.
            self.media(item, caption=caption if index == 0 else "")
        if text_left:
            self.paragraph(html_lib.escape(text_left))

    def bookmark(self, tag: Tag) -> None:
        link = tag.find("a", href=True)
        url = link["href"] if link is not None else ""
        title_tag = tag.find(class_="kg-bookmark-title")
        description_tag = tag.find(class_="kg-bookmark-description")
        title = text_of(title_tag) if title_tag else (text_of(link) if link else "")
        description = text_of(description_tag) if description_tag else ""
        self.link_paragraph(url, title or url, after=description)

    def table(self, tag: Tag) -> None:
        """Tables have no block of their own: each row becomes a line, cells separated by " | "."""
        rows = []
        for row in tag.find_all("tr"):
            cells = [
                clean_rich_text(self._images_as_links(cell.decode_contents()))
                for cell in row.find_all(["th", "td"])
            ]
            if any(has_text(c) for c in cells):
                rows.append(" | ".join(cells))
        caption = tag.find("caption")
        if caption is not None and text_of(caption):
            rows.insert(0, f"<b>{html_lib.escape(text_of(caption))}</b>")
        if rows:
            self.blocks.append(("paragraph", "<p>" + "<br>".join(rows) + "</p>"))
        else:
            self.paragraph(str(tag))

    def preformatted(self, tag: Tag) -> None:
        text = tag.get_text().strip("\n")
        if text.strip():
            lines = [html_lib.escape(line) for line in text.split("\n")]
            self.blocks.append(("paragraph", "<p>" + "<br>".join(lines) + "</p>"))

    def media(self, tag: Tag, *, caption: str = "") -> None:
        name = tag.name
        if name == "img":
            self.image(tag, caption=caption)
        elif name == "iframe":
            src = tag.get("src") or tag.get("data-src") or ""
            self.embed(
                self.absolute(src),
                title=tag.get("title", ""),
                provider="",
                caption=caption,
            )
        else:
            src = tag.get("src") or tag.get("data") or ""
            if not src:
                source = tag.find("source", src=True)
                src = source["src"] if source is not None else ""
            src = self.absolute(src)
            label = "Video" if name in {"video", "object", "embed"} else "Audio"
            if self.safe_url(src):
                self.link_paragraph(src, f"{label}: {src.rsplit('/', 1)[-1] or src}", after=caption)
                self.warnings.append(
                    f"{label} file {src} kept as a link (only YouTube and Vimeo play in articles)."
                )
            elif caption:
                self.paragraph(html_lib.escape(caption))

    def image(self, tag: Tag, *, caption: str = "") -> None:
        src = self._image_src(tag)
        alt = " ".join((tag.get("alt") or "").split())
        caption = " ".join(caption.split())
        image = None
        if src and self.image_for is not None:
            image = self.image_for(src, alt)
        if image is not None:
            extra = ""
            if len(caption) > CAPTION_MAX:
                caption, extra = "", caption
            self.blocks.append(("image", {"image": image, "caption": caption, "credit": ""}))
            if extra:
                self.paragraph(html_lib.escape(extra))
            return
        label = f"Image: {alt}" if alt else "Image"
        if src:
            self.link_paragraph(src, label, after=caption)
            self.warnings.append(f"Image {src} not stored; kept as a link to the original.")
        elif alt or caption:
            self.paragraph(html_lib.escape(" — ".join(t for t in (label, caption) if t)))

    def _image_src(self, tag: Tag) -> str:
        """The image's real URL (lazy-loading plugins put a placeholder in src)."""
        for attribute in ("src", "data-src", "data-lazy-src", "data-original", "data-orig-file"):
            value = (tag.get(attribute) or "").strip()
            if value and not value.startswith("data:"):
                url = self.absolute(value)
                if self.safe_url(url):
                    return url
        return ""

    def embed(self, url: str, *, title: str, provider: str, caption: str) -> None:
        watch_url = _video_page_url(url)
        caption = " ".join(caption.split())
        if watch_url:
            host = "Vimeo" if "vimeo" in watch_url else "YouTube"
            title = " ".join(title.split()) or f"{host} video"
            extra = ""
            if len(caption) > CAPTION_MAX:
                caption, extra = "", caption
            self.blocks.append(
                (
                    "video",
                    {"url": watch_url, "title": title[:VIDEO_TITLE_MAX], "caption": caption},
                )
            )
            if extra:
                self.paragraph(html_lib.escape(extra))
            return
        if not self.safe_url(url):
            if caption:
                self.paragraph(html_lib.escape(caption))
            return
        name = (provider or urlparse(url).hostname or "").removeprefix("www.")
        self.link_paragraph(url, title.strip() or url, after=caption)
        self.warnings.append(
            f"Embed from {name or url} kept as a link: only YouTube and Vimeo play in articles."
        )

    def link_paragraph(self, url: str, label: str, *, after: str = "") -> None:
        url = self.safe_url(self.absolute(url))
        label = " ".join(label.split())
        after = " ".join(after.split())
        if not url:
            self.paragraph(html_lib.escape(" — ".join(t for t in (label, after) if t)))
            return
        markup = f'<a href="{html_lib.escape(url)}">{html_lib.escape(label or url)}</a>'
        if after:
            markup += f"<br>{html_lib.escape(after)}"
        self.paragraph(markup)

    # -- URLs

    def absolute(self, url: str) -> str:
        url = (url or "").strip()
        if url.startswith("//"):
            return "https:" + url
        if self.base_url and url and not urlparse(url).scheme:
            return urljoin(self.base_url, url)
        return url

    def safe_url(self, url: str) -> str:
        """`url` if it is a web address readers can follow, else ""."""
        url = self.absolute(url)
        parsed = urlparse(url)
        if parsed.scheme in {"http", "https"} and parsed.hostname:
            return url
        return ""

    def _images_as_links(self, markup: str) -> str:
        """Images inside rich text (a table cell, a list) kept as links so they do not vanish."""
        if "<img" not in markup.lower():
            return markup
        soup = BeautifulSoup(markup, "html.parser")
        for img in soup.find_all("img"):
            src = self._image_src(img)
            alt = " ".join((img.get("alt") or "").split())
            label = f"Image: {alt}" if alt else "Image"
            if src:
                link = soup.new_tag("a", href=src)
                link.string = f"[{label}]"
                img.replace_with(link)
            else:
                img.replace_with(f"[{label}]" if alt else "")
        return str(soup)


def _video_page_url(url: str) -> str:
    """The watch page of a YouTube or Vimeo link in any of its forms, or ""."""
    embed = video_embed_url(url) if url else None
    if not embed:
        return ""
    if "youtube" in embed:
        return "https://www.youtube.com/watch?v=" + embed.rsplit("/", 1)[-1]
    return "https://vimeo.com/" + embed.split("/video/", 1)[1].split("?", 1)[0]
