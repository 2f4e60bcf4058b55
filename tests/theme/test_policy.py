"""What every public page must honour: CSP nonces, no third-party requests, no inline styles,
and error pages that render when things are broken."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.template import loader
from django.test import RequestFactory

from masthead.theme.views import server_error
from tests.theme.html import parse

pytestmark = pytest.mark.django_db

# Attributes that make the browser fetch something when the page loads.
LOADING_ATTRS = ("src", "srcset", "poster", "data", "background")
LOADING_LINK_RELS = {"stylesheet", "icon", "preload", "modulepreload", "prefetch", "manifest"}


def public_urls(article) -> list[str]:
    page = article["page"]
    return [
        "/",
        "/news/",
        page.url,
        page.url + "?fragment=1",
        "/authors/ana-rivera/",
        "/tags/harbour/",
        "/search/?q=pier",
        "/no-such-page/",
    ]


def fetched_urls(doc) -> list[str]:
    urls = []
    for element in doc.elements:
        for attr in LOADING_ATTRS:
            value = element.get(attr)
            if not value:
                continue
            if attr == "srcset":
                urls += [part.strip().split(" ")[0] for part in value.split(",")]
            else:
                urls.append(value)
        if element.tag == "link" and set(element.get("rel", "").split()) & LOADING_LINK_RELS:
            urls.append(element.get("href"))
    return urls


def test_every_script_carries_the_nonce_of_the_csp_header(client, article):
    for url in public_urls(article):
        response = client.get(url)
        scripts = parse(response).all("script")
        if "fragment" in url:
            assert not scripts, "fragments are appended by script; a <script> in them would not run"
            continue
        header = response.headers["Content-Security-Policy"]
        match = re.search(r"'nonce-([^']+)'", header)
        assert match, f"{url}: no nonce in {header}"
        assert scripts, url
        for script in scripts:
            assert script.get("nonce") == match.group(1), f"{url}: {script.attrs}"


def test_pages_load_nothing_from_other_hosts_and_use_no_inline_styles(client, article):
    for url in public_urls(article):
        response = client.get(url)
        doc = parse(response)
        loaded = fetched_urls(doc)
        assert loaded, url
        for fetched in loaded:
            parts = urlsplit(fetched)
            assert parts.scheme in ("", "data") and not parts.netloc, f"{url} loads {fetched}"
        assert not doc.all("style"), url
        assert not [e for e in doc.elements if "style" in e.attrs], url
        assert not [e for e in doc.elements if any(a.startswith("on") for a in e.attrs)], url


def test_stylesheet_and_scripts_reach_no_other_host():
    for path in ("theme/css/theme.css", "theme/js/theme.js", "theme/js/continue-reading.js"):
        text = Path(finders.find(path)).read_text()
        assert not re.search(r"https?://", text), path
        assert "@import" not in text and "@font-face" not in text, path


def test_stylesheet_has_dark_palette_focus_and_reduced_motion():
    css = Path(finders.find("theme/css/theme.css")).read_text()
    assert "prefers-color-scheme: dark" in css and ':root[data-theme="dark"]' in css
    assert ":focus-visible" in css
    assert "prefers-reduced-motion: reduce" in css


def test_saved_theme_is_applied_before_the_stylesheet_loads(client, article):
    html = client.get("/").content.decode()
    assert html.index("masthead-theme") < html.index('rel="stylesheet"')


def test_500_template_renders_with_an_empty_context():
    html = loader.get_template("500.html").render({})
    assert "Something went wrong" in html
    assert "/static/theme/css/theme.css" in html


def test_500_handler_returns_the_styled_page():
    response = server_error(RequestFactory().get("/broken/"))
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
