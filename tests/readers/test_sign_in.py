"""Magic-link sign-in: end to end through a real SMTP server, and every way it must refuse."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission, User
from django.core import signing
from django.test import Client

from masthead.readers import tokens
from masthead.readers.models import ReaderProfile, UsedToken

from .helpers import ask_for_link, link_in, page_text, sign_in_by_mail

pytestmark = pytest.mark.django_db


def session_user_id(client: Client):
    return client.session.get("_auth_user_id")


def test_sign_in_end_to_end_creates_a_plain_reader(client, smtp_server):
    response = ask_for_link(client, "  New.Reader@Example.COM ")
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert not User.objects.filter(email="new.reader@example.com").exists()  # not before the link

    [message] = smtp_server.wait_for(1)
    assert message.envelope_to == ["new.reader@example.com"]
    assert message["Subject"] == "Your sign-in link – Masthead"
    assert message.get_body(preferencelist=("plain",)) is not None
    assert message.get_body(preferencelist=("html",)) is not None
    path = link_in(message)

    # Opening the link (a mail scanner does) signs nobody in.
    page = client.get(path)
    assert page.status_code == 200
    assert '<form method="post"' in page.content.decode()
    assert page["Cache-Control"] == "private, no-store"
    assert session_user_id(client) is None
    assert not User.objects.filter(email="new.reader@example.com").exists()

    done = client.post(path)
    assert done.status_code == 302
    assert done["Location"] == "/reader/"
    reader = User.objects.get(email="new.reader@example.com")
    assert session_user_id(client) == str(reader.pk)
    assert not reader.has_usable_password()
    assert not reader.is_staff and not reader.is_superuser
    assert not reader.groups.exists() and not reader.user_permissions.exists()
    assert ReaderProfile.objects.filter(user=reader).exists()
    assert client.get("/reader/").status_code == 200


def test_subject_names_the_publication(client, smtp_server):
    from wagtail.models import Site

    from masthead.newsroom.models import PublicationSettings

    settings_row = PublicationSettings.for_site(Site.objects.get(is_default_site=True))
    settings_row.name = "The Harbour Gazette"
    settings_row.save()
    ask_for_link(client, "reader@example.com")
    [message] = smtp_server.wait_for(1)
    assert "The Harbour Gazette" in message["Subject"]
    assert "The Harbour Gazette" in message.text()


def test_existing_reader_signs_into_their_own_account(client, smtp_server):
    reader = User.objects.create_user("someone", email="known@example.com")
    sign_in_by_mail(client, smtp_server, "KNOWN@example.com")
    assert session_user_id(client) == str(reader.pk)
    assert User.objects.filter(email__iexact="known@example.com").count() == 1


def test_link_expires_after_fifteen_minutes(client, smtp_server):
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        ask_for_link(client, "late@example.com")
        path = link_in(smtp_server.wait_for(1)[0])
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 14, tzinfo=dt.UTC), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 16, tzinfo=dt.UTC), tick=False):
        page = client.get(path)
        assert page.status_code == 410
        assert "expired" in page.content.decode()
        assert 'href="/reader/sign-in/"' in page.content.decode()
        assert client.post(path).status_code == 410
    assert session_user_id(client) is None
    assert not User.objects.filter(email="late@example.com").exists()


def test_link_works_once(client, smtp_server):
    first = sign_in_by_mail(client, smtp_server, "once@example.com")
    assert first.status_code == 302
    path = link_in(smtp_server.messages[0])
    other = Client()
    again = other.post(path)
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert other.session.get("_auth_user_id") is None
    assert other.get(path).status_code == 410  # and the page says so before the button
    assert UsedToken.objects.filter(purpose="sign-in").count() == 1


def test_tampered_tokens_are_refused(client, smtp_server):
    ask_for_link(client, "victim@example.com")
    path = link_in(smtp_server.wait_for(1)[0])
    token = path.split("/")[-2]
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    # The same kind of payload, signed by someone without the key.
    other_key = signing.TimestampSigner(key="not-our-secret", salt=tokens.SIGN_IN_SALT)
    attacker = other_key.sign_object({"e": "victim@example.com", "x": "", "n": "x" * 32})
    payload, rest = token.split(":", 1)
    other_payload = (
        signing.TimestampSigner(salt=tokens.SIGN_IN_SALT)
        .sign_object({"e": "attacker@example.com", "x": "", "n": "y" * 32}, compress=True)
        .split(":", 1)[0]
    )
    swapped = f"{other_payload}:{rest}"  # another address under this link's signature
    for bad in (flipped, attacker, swapped, "garbage", "." + "A" * 1300):
        response = client.post(f"/reader/sign-in/{bad}/")
        assert response.status_code == 400, bad
        assert "not valid" in response.content.decode()
        assert client.get(f"/reader/sign-in/{bad}/").status_code == 400
    assert session_user_id(client) is None
    assert not User.objects.exists()


def test_a_token_from_another_purpose_is_refused(client):
    for token in (
        tokens.email_change_token(1, "a@example.com", "b@example.com"),
        tokens.email_verify_token(1, "a@example.com", "b@example.com"),
    ):
        assert client.post(f"/reader/sign-in/{token}/").status_code == 400


def test_answer_is_identical_for_known_unknown_and_staff_addresses(client, smtp_server):
    User.objects.create_user("known", email="known@example.com")
    User.objects.create_superuser("boss", email="boss@example.com", password="x")
    answers = [
        ask_for_link(Client(), address)
        for address in ("known@example.com", "nobody@example.com", "boss@example.com")
    ]
    assert {a.status_code for a in answers} == {200}
    assert len({page_text(a) for a in answers}) == 1
    # (The mails, rendered by the immediate task backend in tests, differ; the pages do not.)
    pages = {
        tuple(t.name for t in a.templates if not t.name.startswith("readers/email/"))
        for a in answers
    }
    assert len(pages) == 1
    assert len(smtp_server.wait_for(3)) == 3


@pytest.mark.parametrize("kind", ["is_staff", "is_superuser", "group", "permission"])
def test_staff_addresses_are_never_signed_in_by_mail(client, smtp_server, kind):
    staff = User.objects.create_user("editor", email="editor@example.com", password="pw-123456")
    if kind in ("is_staff", "is_superuser"):
        setattr(staff, kind, True)
        staff.save()
    elif kind == "group":
        desk = Group.objects.create(name="Desk")
        desk.permissions.add(Permission.objects.get(codename="access_admin"))
        staff.groups.add(desk)
    else:
        staff.user_permissions.add(Permission.objects.get(codename="access_admin"))

    assert ask_for_link(client, "editor@example.com").status_code == 200
    [message] = smtp_server.wait_for(1)
    assert "/reader/sign-in/" not in message.text()
    assert "/admin/login/" in message.text()
    assert "admin" in message.html()

    # Even a genuine link for the address (sent before it became staff) does not work.
    token = tokens.sign_in_token("editor@example.com", "/admin/")
    assert client.get(f"/reader/sign-in/{token}/").status_code == 200
    refused = client.post(f"/reader/sign-in/{token}/")
    assert refused.status_code == 403
    assert "staff account" in refused.content.decode()
    assert session_user_id(client) is None
    admin = client.get("/admin/")
    assert admin.status_code == 302 and admin["Location"].startswith("/admin/login/")
    assert User.objects.filter(email__iexact="editor@example.com").count() == 1


def test_readers_never_get_admin_access(client, smtp_server):
    sign_in_by_mail(client, smtp_server, "reader@example.com")
    assert session_user_id(client) is not None
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert client.get("/admin/pages/").status_code == 302
    state = client.get("/reader/state.json").json()
    assert state["is_staff"] is False and state["edit_url_template"] is None


def test_sign_in_leaves_axes_alone(client, smtp_server, settings):
    """Signing in by link counts no failure and needs no password backend."""
    from axes.models import AccessAttempt

    settings.AXES_ENABLED = True
    sign_in_by_mail(client, smtp_server, "reader@example.com")
    assert session_user_id(client) is not None
    assert client.session["_auth_user_backend"] == "django.contrib.auth.backends.ModelBackend"
    assert not AccessAttempt.objects.exists()


def test_sign_out_needs_a_post_with_the_csrf_token(smtp_server):
    client = Client(enforce_csrf_checks=True)
    sign_in_by_mail_csrf(client, smtp_server, "leaving@example.com")
    assert session_user_id(client) is not None
    assert client.get("/reader/sign-out/").status_code == 405
    assert client.post("/reader/sign-out/").status_code == 403  # no token
    assert session_user_id(client) is not None
    page = client.get("/reader/")
    token = page.context["csrf_token"]
    out = client.post("/reader/sign-out/", {"csrfmiddlewaretoken": str(token)})
    assert out.status_code == 200
    assert session_user_id(client) is None


def sign_in_by_mail_csrf(client, smtp_server, email):
    form = client.get("/reader/sign-in/")
    csrf = str(form.context["csrf_token"])
    client.post("/reader/sign-in/", {"email": email, "csrfmiddlewaretoken": csrf})
    path = link_in(smtp_server.wait_for(1)[0])
    page = client.get(path)
    client.post(path, {"csrfmiddlewaretoken": str(page.context["csrf_token"])})


def test_reader_page_needs_a_session(client):
    response = client.get("/reader/")
    assert response.status_code == 302
    assert response["Location"] == "/reader/sign-in/?next=/reader/"
