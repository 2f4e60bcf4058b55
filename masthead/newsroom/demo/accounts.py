"""The demo editor account and the banner `masthead run` prints on start."""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

EDITOR_USERNAME = "editor"
EDITOR_EMAIL = "editor@example.org"
LOGIN_FILE_NAME = "demo-login.txt"


def login_file() -> Path:
    return Path(settings.DATA_DIR) / LOGIN_FILE_NAME


def _read_login(path: Path) -> tuple[str, str] | None:
    if not path.exists():
        return None
    fields = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    if fields.get("username") and fields.get("password"):
        return fields["username"], fields["password"]
    return None


def _write_login(path: Path, *, username: str, password: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created with mode 600 from the start, so the password is never world-readable.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(
            "# The demo editor's login for the Wagtail admin (/admin/).\n"
            f"username: {username}\npassword: {password}\n"
        )
    os.chmod(path, 0o600)


def ensure_demo_editor() -> tuple[str, str]:
    """The demo editor's (username, password): created once, the password kept in DATA_DIR.

    The editor is a superuser, so the demo admin shows every feature: writing and
    publishing articles, authors, settings and everything later apps add.
    """
    path = login_file()
    stored = _read_login(path)
    User = get_user_model()
    with transaction.atomic():
        if stored:
            username, password = stored
            if not User.objects.filter(username=username).exists():
                User.objects.create_superuser(username, EDITOR_EMAIL, password)
            return username, password
        password = secrets.token_urlsafe(12)
        user = User.objects.filter(username=EDITOR_USERNAME).first()
        if user is None:
            User.objects.create_superuser(EDITOR_USERNAME, EDITOR_EMAIL, password)
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        _write_login(path, username=EDITOR_USERNAME, password=password)
    return EDITOR_USERNAME, password


def remove_demo_editor() -> None:
    """Delete the demo editor's account; the login file stays, so a rebuild reuses it."""
    stored = _read_login(login_file())
    username = stored[0] if stored else EDITOR_USERNAME
    get_user_model().objects.filter(username=username).delete()


def _base_url(bind: str) -> str:
    host, _, port = bind.rpartition(":")
    if not host:
        host, port = port, "8000"
    host = host.strip("[]")
    if host in {"0.0.0.0", ""}:  # noqa: S104 - naming the wildcard address, not binding it
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def login_banner(*, bind: str) -> str:
    """What the operator needs on start: where the site and admin are, and how to sign in."""
    url = _base_url(bind)
    lines = [f"Masthead is running at {url}", f"  admin:    {url}admin/"]
    stored = _read_login(login_file())
    if stored:
        username, password = stored
        lines += [f"  user:     {username}", f"  password: {password}"]
        lines.append(f"  (kept in {login_file()})")
    else:
        lines.append("  No demo editor: create an admin with `masthead createsuperuser`.")
    return "\n".join(lines) + "\n"
