"""A reader's avatar upload: checked like an editor's image, then redrawn from pixels.

The checks follow Wagtail's image field (WAGTAILIMAGES_EXTENSIONS, an upload
size limit, a pixel limit), with smaller limits for a picture shown at 40
pixels.  Pillow must read the file as an image of an allowed format whatever
its name says.  The stored file is a fresh 256×256 WebP drawn from the decoded
pixels, so no metadata (EXIF, GPS), no trailing payload and no second file
format hidden in the upload (a polyglot) survives.
"""

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 25_000_000
SIZE = 256
# Pillow's names for the formats WAGTAILIMAGES_EXTENSIONS lists.
_FORMATS = {
    "gif": "GIF",
    "jpg": "JPEG",
    "jpeg": "JPEG",
    "png": "PNG",
    "webp": "WEBP",
    "avif": "AVIF",
}


def allowed_extensions() -> list[str]:
    return [
        ext for ext in getattr(settings, "WAGTAILIMAGES_EXTENSIONS", _FORMATS) if ext in _FORMATS
    ]


def max_bytes() -> int:
    return min(
        MAX_BYTES, getattr(settings, "WAGTAILIMAGES_MAX_UPLOAD_SIZE", MAX_BYTES) or MAX_BYTES
    )


def max_pixels() -> int:
    return min(
        MAX_PIXELS, getattr(settings, "WAGTAILIMAGES_MAX_IMAGE_PIXELS", MAX_PIXELS) or MAX_PIXELS
    )


def _refuse(message: str, code: str):
    raise ValidationError(message, code=code)


def avatar_file(upload) -> ContentFile:
    """A 256×256 WebP made from `upload`; ValidationError saying why it cannot be used."""
    extensions = allowed_extensions()
    name = getattr(upload, "name", "") or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in extensions:
        _refuse(f"Choose an image file: {', '.join(extensions).upper()}.", "invalid_extension")
    if upload.size > max_bytes():
        _refuse(
            f"This file is {upload.size / 1024 / 1024:.1f} MB; an avatar may be at most "
            f"{max_bytes() // 1024 // 1024} MB.",
            "file_too_large",
        )
    data = upload.read()
    wanted = {_FORMATS[ext] for ext in extensions}
    try:
        # Opening reads only the header: the pixel count is checked before decoding.
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in wanted:
                _refuse("This file is not an image in an allowed format.", "invalid_image")
            width, height = probe.size
            if width * height > max_pixels():
                _refuse(
                    f"This image is {width}×{height} pixels; an avatar may have at most "
                    f"{max_pixels() // 1_000_000} million pixels.",
                    "too_many_pixels",
                )
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.seek(0)  # the first frame of an animation
            image.load()
            picture = ImageOps.exif_transpose(image)
            picture = picture.convert("RGBA" if "A" in picture.getbands() else "RGB")
            picture = ImageOps.fit(picture, (SIZE, SIZE), method=Image.Resampling.LANCZOS)
            out = io.BytesIO()
            picture.save(out, format="WEBP", quality=85, method=4)
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        OSError,
        ValueError,
        SyntaxError,
    ) as error:
        raise ValidationError(
            "This file is not an image we can read. Choose a JPEG, PNG, GIF or WebP picture.",
            code="invalid_image",
        ) from error
    return ContentFile(out.getvalue(), name="avatar.webp")
