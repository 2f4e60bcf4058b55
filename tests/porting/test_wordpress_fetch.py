"""Safe downloads for imports (masthead.porting.fetch) against a real server on 127.0.0.1."""

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image as PILImage
from wagtail.images.models import Image

from masthead.porting import fetch
from masthead.porting.fetch import FetchError, ImageFetcher

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (20, 10), (0, 120, 0)).save(buffer, "PNG")
    return buffer.getvalue()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path.startswith("/hop"):
            n = int(self.path.removeprefix("/hop"))
            self.send_response(301)
            self.send_header("Location", f"/hop{n - 1}" if n > 1 else "/ok.png")
            self.end_headers()
            return
        if self.path == "/to-file":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
            return
        if self.path == "/ok.png":
            body, ctype = _png(), "image/png"
        elif self.path == "/big.png":
            body, ctype = _png() + b"\0" * 5000, "image/png"
        elif self.path == "/fake.png":
            body, ctype = b"not really a png", "image/png"
        else:
            body, ctype = b"<p>hi</p>", "text/html"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.end_headers()  # no Content-Length: the size limit must hold while streaming
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def base():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_image_stored_in_imported_collection(base):
    image = ImageFetcher().get(f"{base}/ok.png", title="Green")
    assert image.title == "Green" and image.width == 20 and image.collection.name == "Imported"


def test_three_redirects_followed_four_refused(base):
    assert ImageFetcher().get(f"{base}/hop3").width == 20
    with pytest.raises(FetchError, match="more than 3 redirects"):
        ImageFetcher().get(f"{base}/hop4")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x.png", "gopher://x"])
def test_only_http_and_https(url):
    with pytest.raises(FetchError, match="only http and https"):
        ImageFetcher().get(url)


def test_redirect_to_another_scheme_refused(base):
    with pytest.raises(FetchError, match="only http and https"):
        ImageFetcher().get(f"{base}/to-file")


def test_size_limit_while_streaming(base, monkeypatch):
    monkeypatch.setattr(fetch, "MAX_BYTES", 1000)
    with pytest.raises(FetchError, match="larger than"):
        ImageFetcher().get(f"{base}/big.png")
    assert not Image.objects.exists()


def test_content_type_and_pillow_checked(base):
    with pytest.raises(FetchError, match="not an image \\(text/html\\)"):
        ImageFetcher().get(f"{base}/page")
    with pytest.raises(FetchError, match="not an image Pillow can read"):
        ImageFetcher().get(f"{base}/fake.png")
    assert not Image.objects.exists()


def test_unreachable_host_reported():
    with pytest.raises(FetchError, match="could not be fetched"):
        ImageFetcher().get("http://127.0.0.1:9/x.png")


def test_disabled_fetcher_downloads_nothing(base):
    with pytest.raises(FetchError, match="not downloaded"):
        ImageFetcher(enabled=False).get(f"{base}/ok.png")
    assert not Image.objects.exists()
