"""WordPress classic-editor text: wpautop paragraphs and shortcodes.

The classic editor stores posts without <p> tags (blank lines are paragraphs,
single newlines line breaks) and with shortcodes such as [caption] and [embed]
that WordPress expands only when it shows the post. Both are turned into the
plain HTML WordPress would have shown, which masthead.porting.content then maps
to article blocks.
"""

import html as html_lib
import re

from bs4 import BeautifulSoup

_AUTOP_BLOCKS = (
    "table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map"
    "|area|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section|article|aside"
    "|hgroup|header|footer|nav|figure|figcaption|details|menu|summary|iframe|script|video|audio"
    "|object|embed|noscript|center"
)
_AUTOP_OPEN = re.compile(rf"(<(?:{_AUTOP_BLOCKS})[\s/>])", re.I)
_AUTOP_CLOSE = re.compile(rf"(</(?:{_AUTOP_BLOCKS})>)", re.I)
_AUTOP_STARTS_BLOCK = re.compile(rf"^</?(?:{_AUTOP_BLOCKS})[\s/>]", re.I)
_PRESERVED = re.compile(r"<(pre|script|style|textarea)\b.*?</\1>", re.I | re.S)
_BARE_URL = re.compile(r"^\s*(https?://[^\s<>\"']+)\s*$")


def wpautop(text: str, *, embeds: bool = True) -> str:
    """WordPress's wpautop, faithfully enough: blank lines make paragraphs, single newlines <br>.

    Block-level elements stand on their own; <pre>, <script> and <style> keep their newlines.
    With `embeds`, a URL alone in its paragraph becomes an embed, as WordPress's oEmbed does.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    preserved: list[str] = []

    def keep(match: re.Match) -> str:
        preserved.append(match.group(0))
        return f"\n\n<!--autop-{len(preserved) - 1}-->\n\n"

    text = _PRESERVED.sub(keep, text)
    text = _AUTOP_OPEN.sub(r"\n\n\1", text)
    text = _AUTOP_CLOSE.sub(r"\1\n\n", text)
    out: list[str] = []
    for chunk in re.split(r"\n\s*\n", text):
        chunk = chunk.strip()
        if not chunk:
            continue
        placeholder = re.fullmatch(r"<!--autop-(\d+)-->", chunk)
        if placeholder:
            out.append(preserved[int(placeholder.group(1))])
        elif _AUTOP_STARTS_BLOCK.match(chunk):
            out.append(re.sub(r"(?<!>)\n(?!\s*<)", "<br>\n", chunk))
        elif embeds and _BARE_URL.match(chunk):
            # WordPress embeds a URL alone on its line (oEmbed).
            url = _BARE_URL.match(chunk).group(1)
            out.append(f'<iframe data-wp-embed="1" src="{html_lib.escape(url)}"></iframe>')
        else:
            out.append("<p>" + chunk.replace("\n", "<br>\n") + "</p>")
    return "\n".join(out)


def wants_autop(html: str) -> bool:
    """Classic-editor text: no paragraph tags, or paragraphs written as blank lines."""
    outside_pre = _PRESERVED.sub("", html)
    if not re.search(r"<p[\s>]", outside_pre, re.I):
        return True
    return bool(re.search(r"\S[ \t]*\n[ \t]*\n[ \t]*[^\s<]", outside_pre))


# ---------------------------------------------------------------- shortcodes

# WordPress's get_shortcode_regex(), for any tag name.
_SHORTCODE = re.compile(
    r"\[(?P<escape_open>\[?)(?P<tag>[\w-]+)(?![\w-])(?P<attrs>[^\]/]*(?:/(?!\])[^\]/]*)*?)"
    r"(?:(?P<self_close>/)\]|\](?:(?P<content>[^\[]*(?:\[(?!/(?P=tag)\])[^\[]*)*)\[/(?P=tag)\])?)"
    r"(?P<escape_close>\]?)",
    re.S,
)
_SHORTCODE_ATTR = re.compile(r"([\w-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s'\"]+))")
# Shortcode names common enough that, even without a closing tag, "[name ...]" is a shortcode
# and not bracketed prose like "[sic]" or a footnote "[1]".
_KNOWN_SHORTCODES = frozenset(
    {"caption", "wp_caption", "embed", "gallery", "audio", "video", "playlist", "youtube"}
    | {"vimeo", "tweet", "twitter", "instagram", "soundcloud", "googlemaps", "contact-form"}
    | {"contact-form-7", "gravityform", "gravityforms", "ninja_form", "wpforms", "pullquote"}
    | {"blockquote", "quote", "button", "spacer", "divider", "toc", "ad", "adsense", "code"}
    | {"sourcecode", "footnote", "fn", "related", "include", "show-more", "dropcap", "highlight"}
)


def _shortcode_attrs(raw: str) -> dict[str, str]:
    attrs = {}
    raw = html_lib.unescape(raw)
    for name, double, single, bare in _SHORTCODE_ATTR.findall(raw):
        attrs[name.lower()] = double or single or bare
    for value in re.sub(_SHORTCODE_ATTR, "", raw).split():
        if value.startswith(("http://", "https://")):
            attrs.setdefault("url", value)
    return attrs


def _is_shortcode(match: re.Match) -> bool:
    tag = match["tag"].lower()
    return (
        match["content"] is not None
        or tag in _KNOWN_SHORTCODES
        or tag.startswith(("vc_", "et_pb_", "fusion_", "su_", "av_"))
    )


def expand_shortcodes(text: str, warnings: list[str]) -> str:
    """Shortcodes replaced by the HTML they stand for, or by their content (text is never lost)."""

    def replace(match: re.Match) -> str:
        if match["escape_open"] and match["escape_close"]:
            return match.group(0)[1:-1]  # [[foo]] is the literal text [foo]
        if not _is_shortcode(match):
            return (
                match["escape_open"]
                + "["
                + match["tag"]
                + match.group(0)[len(match["escape_open"]) + 1 + len(match["tag"]) :]
            )
        tag = match["tag"].lower()
        attrs = _shortcode_attrs(match["attrs"] or "")
        content = match["content"] or ""
        if tag in {"caption", "wp_caption"}:
            return _caption_figure(content, attrs)
        if tag in {"embed", "youtube", "vimeo", "tweet", "twitter", "instagram", "soundcloud"}:
            url = (
                (content.strip() if content.strip() else "")
                or attrs.get("url")
                or attrs.get("src", "")
            )
            if tag in {"youtube", "vimeo"} and url and not url.startswith("http"):
                url = (
                    f"https://www.youtube.com/watch?v={url}"
                    if tag == "youtube"
                    else f"https://vimeo.com/{url}"
                )
            if url.startswith(("http://", "https://")):
                return f'\n\n<iframe data-wp-embed="1" src="{html_lib.escape(url)}"></iframe>\n\n'
        if tag in {"video", "audio"}:
            src = attrs.get("src") or next(
                (
                    v
                    for k, v in attrs.items()
                    if k in {"mp4", "m4v", "webm", "ogv", "mp3", "ogg", "wav", "m4a"}
                ),
                "",
            )
            if src:
                return f'\n\n<{tag} src="{html_lib.escape(src)}"></{tag}>\n\n'
        if content.strip():
            if tag not in {"code", "sourcecode", "highlight", "dropcap", "quote", "blockquote"}:
                warnings.append(f"Shortcode [{tag}] not carried over; its text was kept.")
            if tag in {"quote", "blockquote", "pullquote"}:
                return f"\n\n<blockquote>{expand_shortcodes(content, warnings)}</blockquote>\n\n"
            if tag in {"code", "sourcecode"}:
                return f"\n\n<pre>{html_lib.escape(content)}</pre>\n\n"
            return expand_shortcodes(content, warnings)
        warnings.append(f"Shortcode [{tag}] not carried over (it has no text of its own).")
        return ""

    return _SHORTCODE.sub(replace, text)


def _caption_figure(content: str, attrs: dict[str, str]) -> str:
    """[caption]<img ...> Caption text[/caption] as the <figure> WordPress renders it."""
    soup = BeautifulSoup(content, "html.parser")
    img = soup.find("img")
    caption = attrs.get("caption", "")
    if img is None:
        return f"\n\n<p>{content}</p>\n\n"
    (img.find_parent("a") or img).extract()
    rest = str(soup).strip()
    caption = caption or rest
    return f"\n\n<figure>{img}<figcaption>{caption}</figcaption></figure>\n\n"


def strip_shortcodes(text: str) -> str:
    """Shortcode tags removed, their content kept (for plain text)."""

    def replace(match: re.Match) -> str:
        if not _is_shortcode(match):
            return match.group(0)
        content = match["content"] or ""
        return strip_shortcodes(content)

    return _SHORTCODE.sub(replace, text)
