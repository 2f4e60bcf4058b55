"""Comment bodies are plain text: escaped, line breaks kept, web addresses made links."""

import re

from django.utils.html import Urlizer, escape
from django.utils.safestring import SafeString, mark_safe

LINK_REL = "nofollow ugc noopener"
# Control characters other than tab and newline never belong in a comment; null
# bytes in particular break databases and mail.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
BLANK_RUNS = re.compile(r"\n{3,}")


class _CommentUrlizer(Urlizer):
    """Django's urlizer with the rel a reader-written link needs, and no mailto links
    (an address typed in a comment is shown, not offered to harvesters as a link)."""

    url_template = '<a href="{href}" rel="' + LINK_REL + '">{url}</a>'

    def handle_word(
        self, word, *, safe_input, trim_url_limit=None, nofollow=False, autoescape=False
    ):
        if "@" in word and "://" not in word and not word.lower().startswith("www."):
            return escape(word) if autoescape else word
        return super().handle_word(
            word,
            safe_input=safe_input,
            trim_url_limit=trim_url_limit,
            nofollow=False,
            autoescape=autoescape,
        )


_urlize = _CommentUrlizer()


def normalise_body(raw: str) -> str:
    """Newlines unified, trailing space and blank runs trimmed; control characters kept
    so that the caller can refuse them with a message rather than drop them silently."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip()
    return BLANK_RUNS.sub("\n\n", text)


def has_control_characters(value: str) -> bool:
    return bool(CONTROL_CHARACTERS.search(value))


def render_body(body: str) -> SafeString:
    """HTML for a comment: every character escaped, links made, paragraphs and breaks kept."""
    paragraphs = []
    for block in body.split("\n\n"):
        linked = _urlize(block, trim_url_limit=60, autoescape=True)
        paragraphs.append("<p>" + linked.replace("\n", "<br>") + "</p>")
    return mark_safe("".join(paragraphs))  # noqa: S308  (built from escaped pieces only)


def count_links(body: str) -> int:
    return render_body(body).count("<a ")
