"""Newsroom verbs: what editors and the system do to articles."""

import math
import re

from django.utils.html import strip_tags

WORDS_PER_MINUTE = 230
_WORD = re.compile(r"\w+(?:[-']\w+)*")


def article_plain_text(*, article) -> str:
    """The words a reader reads: headline, standfirst and the text of every body block."""
    parts = [article.title or "", article.standfirst or ""]
    for block in article.body or []:
        value = block.value
        if block.block_type == "paragraph":
            parts.append(strip_tags(value.source))
        elif block.block_type in ("heading", "pull_quote"):
            parts.append(value["text"])
        elif block.block_type == "block_quote":
            parts.append(value["quote"])
        elif block.block_type in ("image", "video"):
            parts.append(value.get("caption") or "")
    return "\n".join(p for p in parts if p)


def count_words(*, article) -> int:
    return len(_WORD.findall(article_plain_text(article=article)))


def reading_minutes(word_count: int) -> int:
    return max(1, math.ceil(word_count / WORDS_PER_MINUTE))
