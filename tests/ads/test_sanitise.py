"""The HTML creative safelist (contract 5)."""

import pytest

from masthead.ads.sanitise import clean_html


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<p>Sail <strong>today</strong></p>", "<p>Sail <strong>today</strong></p>"),
        (
            "<h3>Head</h3><ul><li>one</li></ul><small>fine print</small>",
            "<h3>Head</h3><ul><li>one</li></ul><small>fine print</small>",
        ),
        ('<p onclick="steal()">Hi</p>', "<p>Hi</p>"),
        ("<script>alert(1)</script>ok", "ok"),
        ("<style>body{display:none}</style><p>x</p>", "<p>x</p>"),
        ('<a href="https://elsewhere.example">go</a>', "go"),
        ('<span class="x" style="color:red">s</span>', "<span>s</span>"),
        ('<iframe src="https://evil.example"></iframe>text', "text"),
        ("<!-- note --><b>b</b>", "<b>b</b>"),
        ("<svg onload=alert(1)><p>x</p></svg>", "<p>x</p>"),
    ],
)
def test_markup_is_reduced_to_the_safelist(markup, expected):
    assert clean_html(markup) == expected


def test_images_keep_https_or_media_sources_and_numeric_sizes():
    assert clean_html(
        '<img src="https://cdn.example/a.png" alt="Ferry" width="300" height="250">'
    ) == ('<img src="https://cdn.example/a.png" alt="Ferry" width="300" height="250">')
    assert (
        clean_html('<img src="/media/images/a.png" alt="">')
        == '<img src="/media/images/a.png" alt="">'
    )


@pytest.mark.parametrize(
    "src",
    [
        "http://cdn.example/a.png",
        "javascript:alert(1)",
        "data:image/svg+xml;base64,PHN2Zz4=",
        "//evil.example/a.png",
        "/media/../admin/",
        "/admin/logout/",
    ],
)
def test_other_image_sources_are_dropped(src):
    assert clean_html(f'<img src="{src}" alt="a">') == '<img alt="a">'


def test_non_numeric_sizes_are_dropped():
    assert clean_html('<img alt="a" width="100%" height="1e9">') == '<img alt="a">'


def test_empty_input():
    assert clean_html("") == ""
    assert clean_html(None) == ""
