"""The security baseline: CSP, secure headers, admin lockout, upload limits, deploy checks."""

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.images.models import Image

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def masthead(*args, env_extra=None, data_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MASTHEAD_"))}
    env.update({"MASTHEAD_DATA_DIR": str(data_dir), **(env_extra or {})})
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "masthead.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_public_responses_carry_strict_csp_and_secure_headers(client):
    response = client.get("/robots.txt")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_admin_gets_its_own_policy(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]


def test_admin_login_locks_out_after_repeated_failures(client, django_user_model, settings):
    django_user_model.objects.create_superuser("chief", "chief@example.com", "right-pass-123")
    url = reverse("wagtailadmin_login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(url, {"username": "chief", "password": "wrong"})
        assert response.status_code == 200  # the form again, with an error
    assert client.post(url, {"username": "chief", "password": "wrong"}).status_code == 429
    locked = client.post(url, {"username": "chief", "password": "right-pass-123"})
    assert locked.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


def test_admin_login_succeeds_with_right_password(client, django_user_model):
    django_user_model.objects.create_superuser("chief", "chief@example.com", "right-pass-123")
    response = client.post(
        reverse("wagtailadmin_login"), {"username": "chief", "password": "right-pass-123"}
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def _jpeg(size=(64, 64)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, (10, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("ed", "ed@example.com", "x"))
    return client


def test_image_upload_accepts_a_real_jpeg(admin_client):
    upload = SimpleUploadedFile("photo.jpg", _jpeg(), content_type="image/jpeg")
    response = admin_client.post(
        reverse("wagtailimages:add"), {"title": "Photo", "file": upload, "collection": 1}
    )
    assert response.status_code == 302
    assert Image.objects.filter(title="Photo").exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>'),
        ("script.html", b"<script>alert(1)</script>"),
        ("fake.jpg", b"this is not an image at all"),
    ],
)
def test_image_upload_refuses_non_images(admin_client, name, content):
    upload = SimpleUploadedFile(name, content)
    response = admin_client.post(
        reverse("wagtailimages:add"), {"title": "Bad", "file": upload, "collection": 1}
    )
    assert response.status_code == 200  # the form again, with an error
    assert not Image.objects.filter(title="Bad").exists()


def test_image_upload_refuses_oversized_files(admin_client, settings):
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 1000
    upload = SimpleUploadedFile("big.jpg", _jpeg((400, 400)), content_type="image/jpeg")
    response = admin_client.post(
        reverse("wagtailimages:add"), {"title": "Big", "file": upload, "collection": 1}
    )
    assert response.status_code == 200
    assert not Image.objects.filter(title="Big").exists()


def test_secret_key_is_generated_once_with_mode_600(tmp_path):
    data_dir = tmp_path / "data"
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = masthead("shell", "-c", code, data_dir=data_dir, env_extra={"SECRET_KEY": ""})
    second = masthead("shell", "-c", code, data_dir=data_dir, env_extra={"SECRET_KEY": ""})
    assert first.returncode == 0, first.stderr
    key_file = data_dir / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.stdout.strip().splitlines()[-1] == second.stdout.strip().splitlines()[-1]
    assert len(key_file.read_text().strip()) >= 50


def test_deploy_check_is_clean_with_production_environment(tmp_path):
    result = masthead(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        data_dir=tmp_path,
        env_extra={
            "SECRET_KEY": "k" * 20 + "-production-secret-key-that-is-long-and-random-9f8e7d",
            "SITE_URL": "https://news.example.com",
            "ALLOWED_HOSTS": "news.example.com",
            "EMAIL_URL": "smtp://user:pass@smtp.example.com:587/?tls=True",
            "SECURE_SSL_REDIRECT": "true",
            "DEBUG": "false",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_find_python_refuses_an_old_interpreter():
    old = subprocess.run(
        ["bash", "scripts/find-python.sh"],
        cwd=ROOT,
        env={**os.environ, "PYTHON": "/bin/false"},
        capture_output=True,
        text=True,
    )
    assert old.returncode != 0
    assert "not a working Python >= 3.12" in old.stderr
    found = subprocess.run(
        ["bash", "scripts/find-python.sh"], cwd=ROOT, capture_output=True, text=True
    )
    assert found.returncode == 0
    version = subprocess.run(
        [found.stdout.strip(), "-c", "import sys; print(sys.version_info >= (3, 12))"],
        capture_output=True,
        text=True,
    )
    assert version.stdout.strip() == "True"
