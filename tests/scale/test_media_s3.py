"""Media on S3-compatible object storage (MEDIA_STORAGE_URL), against moto's S3 server.

The demo loads its pictures, an editor uploads one through the Wagtail admin, the
article using it is rendered with <img> URLs in the bucket (renditions made and
stored there too), the bucket serves them, and the app servers' disk holds no media.
"""

import contextlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import uuid

import boto3
import httpx
import pytest
from PIL import Image

from . import harness

BUCKET = "masthead-media"
PASSWORD = "correct horse battery staple 42"


@pytest.fixture(scope="module")
def redis_url(services):
    """A redis-server of this module's own: test runs that share the machine's Redis
    share its numbered databases, and with them page and fragment caches."""
    server = harness.RedisServer()
    server.start()
    yield server.url
    server.cleanup()


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    port = harness.free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        harness.wait_until(
            lambda: harness.reachable("127.0.0.1", port), what="moto's S3 server", timeout=60
        )
        yield f"http://127.0.0.1:{port}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


@pytest.fixture(scope="module")
def bucket(s3_endpoint):
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    s3.create_bucket(Bucket=BUCKET)
    # What an operator sets: anyone may read objects (media URLs are unsigned), only
    # the app's credentials may write or list.
    s3.put_bucket_policy(
        Bucket=BUCKET,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "PublicReadMedia",
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{BUCKET}/*",
                    }
                ],
            }
        ),
    )
    return s3


def _keys(s3) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def _local_media_files(deployment) -> list[str]:
    found = []
    for root, _dirs, files in os.walk(deployment.root):
        if "static" in root.split(os.sep):
            continue
        found += [
            os.path.join(root, name)
            for name in files
            if name.lower().endswith((".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif"))
        ]
    return found


@pytest.fixture(scope="module")
def site(deployment, s3_endpoint, bucket):
    storage_url = f"s3://testing:testing@{BUCKET}?endpoint_url={s3_endpoint}&region_name=us-east-1"
    deployment.extra_env["MEDIA_STORAGE_URL"] = storage_url
    deployment.manage("demo")
    deployment.manage(
        "createsuperuser",
        "--noinput",
        "--username",
        "media-admin",
        "--email",
        "media-admin@example.com",
        DJANGO_SUPERUSER_PASSWORD=PASSWORD,
    )
    app = deployment.start_app("app")
    yield {"app": app, "deployment": deployment, "s3": bucket, "endpoint": s3_endpoint}
    deployment.stop_all()


def test_the_demo_loads_its_pictures_into_the_bucket(site):
    keys = _keys(site["s3"])
    assert any(key.startswith("original_images/") for key in keys), keys[:20]
    assert _local_media_files(site["deployment"]) == []


def _picture(width=800, height=450) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 90)).save(out, "PNG")
    return out.getvalue()


def _sign_in(client: httpx.Client) -> None:
    base = str(client.base_url).rstrip("/")
    client.get("/admin/login/")
    response = client.post(
        "/admin/login/",
        data={
            "username": "media-admin",
            "password": PASSWORD,
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
        headers={"Referer": base + "/admin/login/"},
    )
    assert response.status_code == 302, response.text[:1000]


def test_an_uploaded_image_lives_in_the_bucket_and_pages_point_there(site):
    stem = f"s3-proof-{uuid.uuid4().hex[:8]}"
    original = _picture()
    with httpx.Client(base_url=site["app"].url, timeout=60) as client:
        _sign_in(client)
        form = client.get("/admin/images/add/")
        assert form.status_code == 200, form.text[:500]
        data = {"title": stem, "csrfmiddlewaretoken": client.cookies["csrftoken"]}
        collection = re.search(r'name="collection"[^>]*>\s*<option value="(\d+)"', form.text)
        if collection:
            data["collection"] = collection.group(1)
        response = client.post(
            "/admin/images/add/",
            data=data,
            files={"file": (f"{stem}.png", original, "image/png")},
        )
        assert response.status_code == 302, response.text[:3000]

    originals = [k for k in _keys(site["s3"]) if k.startswith("original_images/" + stem)]
    assert len(originals) == 1, originals
    stored = site["s3"].get_object(Bucket=BUCKET, Key=originals[0])["Body"].read()
    assert stored == original

    # An editor puts it on an article and publishes.
    url = (
        site["deployment"]
        .python(
            "from wagtail.images.models import Image\n"
            "from masthead.newsroom.models import ArticlePage\n"
            "a = ArticlePage.objects.live().order_by('pk').first()\n"
            f"a.featured_image = Image.objects.get(title={stem!r})\n"
            "a.save_revision().publish()\n"
            "print(a.url)"
        )
        .strip()
        .splitlines()[-1]
    )
    page = httpx.get(site["app"].url + httpx.URL(url).path, timeout=60)
    assert page.status_code == 200
    sources = re.findall(r'<img\b[^>]*\bsrc="([^"]+)"', page.text)
    ours = [src for src in sources if stem in src]
    assert ours, sources
    bucket_prefix = f"{site['endpoint']}/{BUCKET}/images/"
    for src in ours:
        assert src.startswith(bucket_prefix), src
        # Anyone (no credentials) can load it from the bucket: the rendition's bytes.
        image = httpx.get(src, timeout=30)
        assert image.status_code == 200, src
        assert image.headers["content-type"].startswith("image/")
        with Image.open(io.BytesIO(image.content)) as decoded:
            assert decoded.width <= 800
    # Every rendition the page names (srcset sizes, formats, the social card) is in the
    # bucket, and every rendition in the bucket is one the page names.
    renditions = [k for k in _keys(site["s3"]) if k.startswith("images/" + stem)]
    assert len(renditions) >= 2, renditions
    named = set(
        re.findall(re.escape(f"{site['endpoint']}/{BUCKET}/") + r"(images/[^\s\"'&]+)", page.text)
    )
    assert {key for key in named if stem in key} == set(renditions)
    assert _local_media_files(site["deployment"]) == []


def test_the_content_security_policy_lets_browsers_load_media_from_the_bucket(site):
    page = httpx.get(site["app"].url + "/", timeout=60)
    assert page.status_code == 200
    policy = dict(
        part.strip().split(" ", 1)
        for part in page.headers["content-security-policy"].split(";")
        if " " in part.strip()
    )
    assert site["endpoint"] in policy["img-src"].split(), policy["img-src"]
