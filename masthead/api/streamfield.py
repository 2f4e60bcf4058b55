"""StreamField content for API clients: blocks as JSON, HTML with absolute URLs.

Clients render our content somewhere else (apps, newsletters, partners), so
every link and image source must work off-site, and images must come as
objects a client can use, not as database ids.
"""

from bs4 import BeautifulSoup
from django.http import HttpRequest
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock
from wagtail.rich_text import expand_db_html

_URL_ATTRIBUTES = ("href", "src", "poster", "data-src")


def absolutize_html(html: str, request: HttpRequest) -> str:
    """`html` with site-relative URLs (/media/..., /news/...) made absolute."""
    if not html:
        return ""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(True):
        for attr in _URL_ATTRIBUTES:
            value = tag.get(attr)
            if isinstance(value, str) and _is_site_relative(value):
                tag[attr] = request.build_absolute_uri(value)
        srcset = tag.get("srcset")
        if isinstance(srcset, str):
            tag["srcset"] = ", ".join(
                _absolutize_candidate(candidate.strip(), request)
                for candidate in srcset.split(",")
                if candidate.strip()
            )
    return str(soup)


def _is_site_relative(url: str) -> bool:
    return url.startswith("/") and not url.startswith("//")


def _absolutize_candidate(candidate: str, request: HttpRequest) -> str:
    url, _, descriptor = candidate.partition(" ")
    if _is_site_relative(url):
        url = request.build_absolute_uri(url)
    return f"{url} {descriptor}".strip()


def image_json(image, request: HttpRequest) -> dict | None:
    if image is None:
        return None
    return {
        "id": image.pk,
        "url": request.build_absolute_uri(image.file.url),
        "width": image.width,
        "height": image.height,
        "alt": image.default_alt_text,
        "title": image.title,
    }


def page_json(page, request: HttpRequest) -> dict | None:
    # A link to a page that is no longer live must not leak its draft title.
    if page is None or not page.live:
        return None
    return {
        "id": page.pk,
        "title": page.title,
        "url": request.build_absolute_uri(page.get_url(request)),
    }


def block_value_json(block: blocks.Block, value, request: HttpRequest):
    if isinstance(block, ImageChooserBlock):
        return image_json(value, request)
    if isinstance(block, blocks.PageChooserBlock):
        return page_json(value, request)
    if isinstance(block, blocks.RichTextBlock):
        return absolutize_html(expand_db_html(value.source), request)
    if isinstance(block, blocks.StructBlock):
        return {
            name: block_value_json(child, value.get(name), request)
            for name, child in block.child_blocks.items()
        }
    if isinstance(block, blocks.ListBlock):
        return [block_value_json(block.child_block, item, request) for item in value]
    if isinstance(block, blocks.StreamBlock):
        return stream_json(value, request)
    return block.get_api_representation(value)


def stream_json(stream, request: HttpRequest) -> list[dict]:
    """Each block of a StreamField value as {type, id, value}."""
    return [
        {
            "type": child.block_type,
            "id": child.id,
            "value": block_value_json(child.block, child.value, request),
        }
        for child in stream
    ]
