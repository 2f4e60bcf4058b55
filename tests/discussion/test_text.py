"""Comment bodies render as text: escaped, links made safe, breaks kept."""

from hypothesis import given
from hypothesis import strategies as st

from masthead.discussion.avatars import initials_avatar
from masthead.discussion.text import count_links, normalise_body, render_body


def test_links_get_rel_nofollow_ugc_noopener_and_other_markup_is_escaped():
    html = render_body('Read https://example.com/a?b=1&c=2 <script>alert(1)</script> "q"')
    assert '<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow ugc noopener">' in html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_javascript_and_data_urls_are_never_links():
    html = render_body("javascript:alert(1) data:text/html,<b>x</b> <a href=javascript:x>")
    assert "<a " not in html
    assert "&lt;a href=javascript:x&gt;" in html


def test_line_breaks_and_paragraphs_are_kept():
    assert render_body("one\ntwo\n\nthree") == "<p>one<br>two</p><p>three</p>"


def test_addresses_in_text_are_not_made_mailto_links():
    assert "mailto" not in render_body("write to ann@example.com")


def test_entities_are_shown_as_typed():
    assert render_body("&lt;b&gt; &amp;") == "<p>&amp;lt;b&amp;gt; &amp;amp;</p>"


def test_normalising_unifies_newlines_and_trims_blank_runs():
    assert normalise_body("  a\r\nb\r\r\n\n\n\nc  \n") == "a\nb\n\nc"


def test_link_count():
    assert count_links("https://a.example www.b.example c.example.com nothing") == 3


@given(st.text(max_size=300))
def test_no_typed_text_ever_becomes_markup(text):
    html = render_body(normalise_body(text))
    # Every "<" in the output starts one of the tags this module writes.
    stripped = html.replace("<p>", "").replace("</p>", "").replace("<br>", "").replace("</a>", "")
    while "<a href=" in stripped:
        start = stripped.index("<a href=")
        stripped = stripped[:start] + stripped[stripped.index(">", start) + 1 :]
    assert "<" not in stripped


def test_initials_avatars_are_stable_and_short():
    first = initials_avatar("Ann Marie Reader")
    assert first == initials_avatar("ann marie reader ")
    assert first.initials == "AR" and first.colour.startswith("#")
    assert initials_avatar("<script>").initials == "S"
    assert initials_avatar("   ").initials == "?"
    assert initials_avatar("Zoë Ünal").initials == "ZÜ"
