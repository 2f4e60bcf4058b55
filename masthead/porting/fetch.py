"""Downloading an imported site's images into Wagtail images, carefully.

Only http and https; at most three redirects, each checked again; ten seconds per
request; the body is streamed and abandoned past 20 MB; the server must say it is
an image and Pillow must be able to open it.  Each URL is fetched once per import
(the cache), whether it was an attachment or an image inside a post.
"""

import io
import logging
import mimetypes
import os
from dataclasses import dataclass, field
from urllib.parse import unquote, urljoin, urlsplit

import httpx
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images.models import Image

from .pages import imported_collection

log = logging.getLogger(__name__)

TIMEOUT = 10.0  # seconds, per request
MAX_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 3
ALLOWED_SCHEMES = ("http", "https")
USER_AGENT = "Masthead importer"


class FetchError(Exception):
    """Why a URL did not become an image (the message is for the report)."""


def download(url: str, *, client: httpx.Client | None = None) -> tuple[bytes, str]:
    """The body and content type of `url`, an image no bigger than MAX_BYTES."""
    own = client is None
    client = client or httpx.Client(timeout=TIMEOUT, follow_redirects=False)
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            _check_scheme(url)
            with client.stream("GET", url, headers={"User-Agent": USER_AGENT}) as response:
                if response.is_redirect:
                    location = response.headers.get("location", "")
                    if not location:
                        raise FetchError(f"redirect without a location ({response.status_code})")
                    url = urljoin(url, location)
                    continue
                if response.status_code != 200:
                    raise FetchError(f"the server answered {response.status_code}")
                content_type = response.headers.get("content-type", "").split(";")[0].strip()
                if not content_type.lower().startswith("image/"):
                    raise FetchError(f"not an image ({content_type or 'no content type'})")
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > MAX_BYTES:
                    raise FetchError(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_BYTES:
                        raise FetchError(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
                return bytes(body), content_type
        raise FetchError(f"more than {MAX_REDIRECTS} redirects")
    except httpx.HTTPError as exc:
        raise FetchError(f"could not be fetched ({type(exc).__name__})") from exc
    finally:
        if own:
            client.close()


def _check_scheme(url: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise FetchError(f"only http and https addresses are fetched, not {scheme or 'this'}")


def image_from_bytes(data: bytes, *, title: str, url: str, content_type: str = "") -> Image:
    """A Wagtail image from downloaded bytes, refused unless Pillow can open them."""
    try:
        with PILImage.open(io.BytesIO(data)) as probe:
            probe.verify()
            fmt = (probe.format or "").lower()
    except Exception as exc:  # Pillow raises many kinds for bad data
        raise FetchError("the file is not an image Pillow can read") from exc
    name = os.path.basename(unquote(urlsplit(url).path)) or "image"
    stem, ext = os.path.splitext(name)
    if not ext:
        ext = mimetypes.guess_extension(content_type) or (f".{fmt}" if fmt else ".img")
    filename = f"{stem[:80] or 'image'}{ext[:8]}"
    return Image.objects.create(
        title=(title or stem or "Imported image")[:255],
        file=ImageFile(io.BytesIO(data), name=filename),
        collection=imported_collection(),
    )


@dataclass
class ImageFetcher:
    """Fetches each URL once per import; remembers both images and failures.

    With `enabled` False (dry runs, --no-download) nothing is fetched and every URL
    is a failure "not downloaded", so the importer records the original URL.
    """

    enabled: bool = True
    # url -> image pk; looked up again on use, since the step that created the image
    # may have been rolled back since.
    images: dict[str, int] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    _client: httpx.Client | None = None

    def get(self, url: str, *, title: str = "") -> Image:
        """The image at `url`, downloaded now or earlier; FetchError says why not."""
        url = (url or "").strip()
        if url in self.images:
            cached = Image.objects.filter(pk=self.images[url]).first()
            if cached is not None:
                return cached
        if url in self.failures:
            raise FetchError(self.failures[url])
        try:
            if not self.enabled:
                raise FetchError("not downloaded (dry run or --no-download)")
            if self._client is None:
                self._client = httpx.Client(timeout=TIMEOUT, follow_redirects=False)
            data, content_type = download(url, client=self._client)
            image = image_from_bytes(data, title=title, url=url, content_type=content_type)
        except FetchError as exc:
            self.failures[url] = str(exc)
            raise
        self.images[url] = image.pk
        return image

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
