"""StreamField blocks for article bodies."""

from urllib.parse import parse_qs, urlparse

from django.core.exceptions import ValidationError
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock

RICH_TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul", "superscript", "subscript"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=200)
    level = blocks.ChoiceBlock(choices=[("h2", "Heading"), ("h3", "Subheading")], default="h2")

    class Meta:
        icon = "title"
        template = "newsroom/blocks/heading.html"


class FigureBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    caption = blocks.CharBlock(required=False, max_length=300)
    credit = blocks.CharBlock(required=False, max_length=120)

    class Meta:
        icon = "image"
        template = "newsroom/blocks/figure.html"


class PullQuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(max_length=400)
    attribution = blocks.CharBlock(required=False, max_length=120)

    class Meta:
        icon = "openquote"
        template = "newsroom/blocks/pull_quote.html"


class BlockQuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock()
    citation = blocks.CharBlock(required=False, max_length=200)
    source_url = blocks.URLBlock(required=False)

    class Meta:
        icon = "openquote"
        template = "newsroom/blocks/block_quote.html"


def video_embed_url(url: str) -> str | None:
    """The privacy-friendly embed URL for a YouTube or Vimeo link, or None."""
    parsed = urlparse(url)
    host = (parsed.hostname or "").removeprefix("www.").removeprefix("m.")
    video_id = ""
    if host in {"youtube.com", "youtube-nocookie.com"}:
        if parsed.path == "/watch":
            video_id = parse_qs(parsed.query).get("v", [""])[0]
        elif parsed.path.startswith(("/embed/", "/shorts/", "/live/")):
            video_id = parsed.path.split("/")[2]
        if video_id.replace("-", "").replace("_", "").isalnum():
            return f"https://www.youtube-nocookie.com/embed/{video_id}"
    elif host == "youtu.be":
        video_id = parsed.path.lstrip("/").split("/")[0]
        if video_id.replace("-", "").replace("_", "").isalnum():
            return f"https://www.youtube-nocookie.com/embed/{video_id}"
    elif host in {"vimeo.com", "player.vimeo.com"}:
        video_id = parsed.path.rstrip("/").split("/")[-1]
        if video_id.isdigit():
            return f"https://player.vimeo.com/video/{video_id}?dnt=1"
    return None


class VideoBlock(blocks.StructBlock):
    """A YouTube or Vimeo video, loaded only when the reader asks for it.

    Nothing is requested from the video host until the reader clicks play,
    so a page with a video makes no third-party request on load.
    """

    url = blocks.URLBlock(help_text="A YouTube or Vimeo link")
    title = blocks.CharBlock(max_length=200)
    caption = blocks.CharBlock(required=False, max_length=300)

    class Meta:
        icon = "media"
        template = "newsroom/blocks/video.html"

    def clean(self, value):
        value = super().clean(value)
        if not video_embed_url(value["url"]):
            raise blocks.StructBlockValidationError(
                block_errors={"url": ValidationError("Use a YouTube or Vimeo video link.")}
            )
        return value

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["embed_url"] = video_embed_url(value["url"])
        return context


class RelatedLinkBlock(blocks.StructBlock):
    page = blocks.PageChooserBlock(required=False)
    url = blocks.URLBlock(required=False)
    title = blocks.CharBlock(required=False, max_length=200)

    def clean(self, value):
        value = super().clean(value)
        if not value.get("page") and not value.get("url"):
            raise blocks.StructBlockValidationError(
                block_errors={"url": ValidationError("Choose a page or give a URL.")}
            )
        if value.get("url") and not value.get("title"):
            raise blocks.StructBlockValidationError(
                block_errors={"title": ValidationError("A link to a URL needs a title.")}
            )
        return value


class RelatedLinksBlock(blocks.StructBlock):
    heading = blocks.CharBlock(default="Related", max_length=100)
    links = blocks.ListBlock(RelatedLinkBlock(), min_num=1)

    class Meta:
        icon = "link"
        template = "newsroom/blocks/related_links.html"


class ArticleBodyBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(features=RICH_TEXT_FEATURES, icon="pilcrow")
    heading = HeadingBlock()
    image = FigureBlock()
    pull_quote = PullQuoteBlock()
    block_quote = BlockQuoteBlock()
    video = VideoBlock()
    related_links = RelatedLinksBlock()
