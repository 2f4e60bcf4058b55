"""Sanitising imported HTML into the rich text the article body stores, and into plain text.

Imported posts and comments are untrusted: whatever an old site (or an attacker
who once had an account there) put in them must not reach readers as markup we
did not choose. Rich text keeps only what the paragraph block's editor features
(masthead.newsroom.blocks.RICH_TEXT_FEATURES) can represent, in the form
Wagtail's editor writes to the database (<b>/<i>, external links as a plain
<a href>), so an imported paragraph opens in the editor exactly as it renders.
"""

import re

import nh3
from bs4 import BeautifulSoup, Comment, NavigableString, Tag

INLINE_TAGS = frozenset({"a", "b", "strong", "i", "em", "br", "sup", "sub"})
LIST_TAGS = frozenset({"ul", "ol", "li"})
# Elements whose content is code or machinery rather than text for readers.
HIDDEN_TAGS = frozenset(
    {"script", "style", "noscript", "template", "head", "title", "svg", "math", "canvas", "iframe"}
    | {"object", "embed", "textarea", "select", "option", "map", "meta", "link", "base"}
)
URL_SCHEMES = frozenset({"http", "https", "mailto"})

# Elements after which plain text starts a new line.
_BLOCK_TAGS = frozenset(
    {"p", "div", "section", "article", "header", "footer", "aside", "nav", "main", "figure"}
    | {"figcaption", "blockquote", "pre", "ul", "ol", "li", "dl", "dt", "dd", "table", "tr"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "hr", "address", "details", "summary", "caption"}
)
_SPACE = re.compile(r"[ \t\r\f\v\u00a0]+")


def clean_rich_text(html: str, *, lists: bool = False) -> str:
    """`html` reduced to the inline rich text (and optionally lists) the paragraph block allows.

    Text of elements that are not allowed is kept; only its markup goes. Links
    keep only an http(s), mailto or relative href; everything else, including
    javascript: and data: URLs and event-handler attributes, is removed.
    """
    tags = INLINE_TAGS | LIST_TAGS if lists else INLINE_TAGS
    cleaned = nh3.clean(
        html,
        tags=set(tags),
        clean_content_tags=set(HIDDEN_TAGS),
        attributes={"a": {"href"}},
        url_schemes=set(URL_SCHEMES),
        link_rel=None,
        strip_comments=True,
    )
    # Wagtail's editor stores bold and italic as <b> and <i>.
    cleaned = re.sub(r"<(/?)strong>", r"<\1b>", cleaned)
    cleaned = re.sub(r"<(/?)em>", r"<\1i>", cleaned)
    # A link that lost its href (unsafe scheme) is just its text.
    cleaned = re.sub(r"<a>(.*?)</a>", r"\1", cleaned, flags=re.S)
    cleaned = re.sub(r"\s+", " ", cleaned)
    cleaned = re.sub(r"\s*<br>\s*", "<br>", cleaned)
    if lists:
        cleaned = re.sub(r"\s*(</?(?:ul|ol|li)>)\s*", r"\1", cleaned)
    cleaned = re.sub(r"^(?:<br>|\s)+|(?:<br>|\s)+$", "", cleaned)
    return cleaned


def has_text(html: str) -> bool:
    """Whether sanitised rich text shows any visible characters."""
    return bool(re.sub(r"<[^>]*>|&nbsp;|\s", "", html).replace("\u00a0", ""))


def text_of(node: Tag | NavigableString | str) -> str:
    """Readable plain text of a node or an HTML string: blocks on their own lines."""
    if isinstance(node, str) and not isinstance(node, NavigableString):
        node = BeautifulSoup(node, "html.parser")
    parts: list[str] = []
    _collect_text(node, parts)
    text = "".join(parts)
    lines = [_SPACE.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _collect_text(node, parts: list[str]) -> None:
    if isinstance(node, Comment):
        return
    if isinstance(node, NavigableString):
        parts.append(re.sub(r"\s+", " ", str(node)))
        return
    if node.name in HIDDEN_TAGS:
        return
    if node.name == "br":
        parts.append("\n")
        return
    if node.name == "pre":
        parts.append("\n\n" + node.get_text() + "\n\n")
        return
    block = node.name in _BLOCK_TAGS
    if block:
        parts.append("\n\n" if node.name in {"p", "blockquote", "pre", "table"} else "\n")
    if node.name == "li":
        parts.append("• ")
    for child in node.children:
        _collect_text(child, parts)
    if block and node.name != "li":
        parts.append("\n\n" if node.name in {"p", "blockquote", "pre", "table"} else "\n")
