"""Avatar upload: only real images, re-drawn as a small WebP with nothing else in it."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from masthead.discussion.avatars import AVATAR_RELATIONS
from masthead.discussion.models import Comment
from masthead.discussion.templatetags.discussion import comment_avatar
from masthead.readers.services import get_or_create_reader
from tests.discussion.factories import make_comment
from tests.newsroom.factories import make_article, make_section

from .helpers import profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader():
    return get_or_create_reader("face@example.com")


@pytest.fixture
def client(reader):
    client = Client()
    client.force_login(reader)
    return client


def image_bytes(fmt="PNG", size=(640, 480), mode="RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 40, 40) if mode == "RGB" else 1).save(out, format=fmt, **save)
    return out.getvalue()


def upload(client, name, data, content_type="image/png"):
    return client.post(
        "/reader/picture/", {"avatar": SimpleUploadedFile(name, data, content_type=content_type)}
    )


def test_a_photo_is_stored_as_a_clean_256px_webp(client, reader):
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # GPS
    photo = image_bytes("JPEG", (1200, 800), exif=exif.tobytes())
    response = upload(client, "me.jpg", photo, "image/jpeg")
    assert response.status_code == 302
    avatar = profile(reader).avatar
    assert avatar.name.endswith(".webp") and "me" not in avatar.name
    with avatar.open("rb") as stored, Image.open(stored) as picture:
        assert picture.format == "WEBP"
        assert picture.size == (256, 256)
        assert not picture.getexif()
        assert "exif" not in picture.info
    page = client.get("/reader/")
    assert avatar.url in page.content.decode()


def test_replacing_and_removing_delete_the_old_file(
    client, reader, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, "one.png", image_bytes())
    first = profile(reader).avatar
    storage, first_name = first.storage, first.name
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, "two.png", image_bytes())
    second = profile(reader).avatar.name
    assert second != first_name
    assert not storage.exists(first_name) and storage.exists(second)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/reader/picture/", {"remove": "1"}).status_code == 302
    assert not profile(reader).avatar
    assert not storage.exists(second)


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("cat.png", b"<?php system($_GET['c']); ?>" + b"x" * 200, "not an image"),
        ("cat.png", b"GIF89a" + b"\x00" * 50, "not an image"),
        ("page.html", b"<html></html>", "Choose an image file"),
        ("drawing.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "Choose an image file"),
        ("noext", image_bytes(), "Choose an image file"),
    ],
)
def test_files_that_are_not_allowed_images_are_refused(client, reader, name, data, error):
    response = upload(client, name, data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not profile(reader).avatar


def test_a_png_named_jpeg_is_still_accepted_as_what_it_is(client, reader):
    assert upload(client, "photo.jpeg", image_bytes("PNG")).status_code == 302
    assert profile(reader).avatar


def test_an_oversized_file_is_refused(client, reader):
    big = image_bytes("PNG") + b"\x00" * (2 * 1024 * 1024)
    response = upload(client, "big.png", big)
    assert response.status_code == 400
    assert "at most 2 MB" in response.content.decode()
    assert not profile(reader).avatar


def test_huge_pixel_dimensions_are_refused_before_decoding(client, reader):
    bomb = image_bytes("PNG", (8000, 8000), mode="1")  # a few KB, 64 million pixels
    assert len(bomb) < 2 * 1024 * 1024
    response = upload(client, "bomb.png", bomb)
    assert response.status_code == 400
    assert "8000×8000" in response.content.decode()
    assert not profile(reader).avatar


def test_the_avatar_shows_on_the_readers_comments(client, reader):
    upload(client, "me.png", image_bytes())
    article = make_article(section=make_section("News"), title="Tides")
    mine = make_comment(article, user=reader, author_name="Face Reader")
    mine = Comment.objects.select_related(*AVATAR_RELATIONS).get(pk=mine.pk)
    other = make_comment(article, author_name="Someone Else")
    assert profile(reader).avatar.url in comment_avatar(mine)
    drawn = comment_avatar(other)
    assert "<svg" in drawn and ">SE<" in drawn


def test_a_readers_comments_are_signed_with_their_display_name_never_their_address(reader):
    from masthead.discussion.services import commenter_for_user

    anonymous = commenter_for_user(user=reader, ip="192.0.2.1", user_agent="t")
    assert anonymous.name == "Reader"
    assert anonymous.email == "face@example.com"
    reader.reader_profile.display_name = "Face R."
    reader.reader_profile.save()
    assert commenter_for_user(user=reader, ip="192.0.2.1", user_agent="t").name == "Face R."


def test_a_new_display_name_signs_the_readers_comments(client, reader):
    article = make_article(section=make_section("News"), title="Tides")
    mine = make_comment(article, user=reader, author_name="Reader")
    guest = make_comment(article, author_name="Guest", author_email="face@example.com")
    response = client.post("/reader/", {"display_name": "  Face   Reader "})
    assert response.status_code == 302
    assert profile(reader).display_name == "Face Reader"
    mine.refresh_from_db()
    guest.refresh_from_db()
    assert mine.author_name == "Face Reader"
    assert guest.author_name == "Guest"  # written without the account: left as signed
    bad = client.post("/reader/", {"display_name": "Face\r\nBcc: x@example.com"})
    assert bad.status_code == 400
    assert "line breaks" in bad.content.decode()
    assert profile(reader).display_name == "Face Reader"
