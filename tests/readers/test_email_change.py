"""Changing a reader's address: confirmed from the old address, then from the new one.

Only the new address's link, POSTed, moves the account (and what providers file under
the address); the old address's link alone never does.
"""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import signing
from django.test import Client

from masthead.discussion.models import Subscription
from masthead.newsletters import subscriptions
from masthead.newsletters.models import Subscriber
from masthead.readers import tokens
from masthead.readers.models import UsedToken
from masthead.readers.services import get_or_create_reader
from tests.newsletters import signup_fixtures
from tests.newsroom.factories import make_article, make_section

from .helpers import CONFIRM_LINK, VERIFY_LINK, link_in

pytestmark = pytest.mark.django_db

lists = signup_fixtures.lists


@pytest.fixture
def reader():
    return get_or_create_reader("old@example.com")


@pytest.fixture
def signed_in(reader):
    client = Client()
    client.force_login(reader, backend="django.contrib.auth.backends.ModelBackend")
    return client


def ask(client, new="new@example.com"):
    return client.post("/reader/email/", {"email": new})


def old_link(client, smtp_server, new="new@example.com") -> str:
    """Ask for the change; the path of the link mailed to the old address."""
    smtp_server.clear()
    assert ask(client, new).status_code == 200
    [message] = smtp_server.wait_for(1)
    assert message.envelope_to == ["old@example.com"]
    return link_in(message, CONFIRM_LINK)


def new_link(client, smtp_server, new="new@example.com") -> str:
    """Ask, confirm from the old address; the path of the link mailed to the new one."""
    confirm = old_link(client, smtp_server, new)
    smtp_server.clear()
    assert client.post(confirm).status_code == 200
    [message] = smtp_server.wait_for(1)
    assert message.envelope_to == [new]
    return link_in(message, VERIFY_LINK)


def email_of(user) -> str:
    user.refresh_from_db()
    return user.email


def test_change_needs_a_session(client):
    response = client.get("/reader/email/")
    assert response.status_code == 302
    assert response["Location"].startswith("/reader/sign-in/?next=/reader/email/")


def test_the_form_says_two_links_are_needed(signed_in):
    page = signed_in.get("/reader/email/").content.decode()
    assert "old@example.com" in page
    assert "two links" in page


def test_both_links_are_needed_and_only_posts_act(
    signed_in, reader, smtp_server, lists, django_capture_on_commit_callbacks
):
    daily, _ = lists
    subscriptions.import_confirmed(email="old@example.com", newsletters=[daily])
    article = make_article(section=make_section("News"), title="Harbour works")
    Subscription.objects.create(article=article, email="old@example.com", kind="all")

    response = ask(signed_in)
    assert response.status_code == 200
    assert "We've sent a link to your current address" in response.content.decode()
    [message] = smtp_server.wait_for(1)
    assert message.envelope_to == ["old@example.com"]
    assert "new@example.com" in message.text()
    assert "second link" in message.text()
    confirm = link_in(message, CONFIRM_LINK)

    # Step 1: the old address's link.  GET shows a button and changes nothing.
    for _ in range(2):
        page = signed_in.get(confirm)
        assert page.status_code == 200
        assert "new@example.com" in page.content.decode()
        assert "step 1 of 2" in page.content.decode()
    assert len(smtp_server.messages) == 1
    assert not UsedToken.objects.exists()

    smtp_server.clear()
    with django_capture_on_commit_callbacks(execute=True):
        step1 = signed_in.post(confirm)
    assert step1.status_code == 200
    assert "We've sent a link to your new address" in step1.content.decode()
    # The old address's link alone changes nothing, here or in the providers' data.
    assert email_of(reader) == "old@example.com"
    assert Subscriber.objects.get().email == "old@example.com"
    assert Subscription.objects.get().email == "old@example.com"
    [message] = smtp_server.wait_for(1)
    assert message.envelope_to == ["new@example.com"]
    assert "old@example.com" in message.text()
    verify = link_in(message, VERIFY_LINK)
    assert signed_in.post(confirm).status_code == 410  # the first link is spent

    # Step 2: the new address's link.  GET shows a button and changes nothing.
    for _ in range(2):
        page = signed_in.get(verify)
        assert page.status_code == 200
        assert "step 2 of 2" in page.content.decode()
    assert email_of(reader) == "old@example.com"
    assert Subscriber.objects.get().email == "old@example.com"

    smtp_server.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = signed_in.post(verify)
    assert done.status_code == 200
    assert "now uses" in done.content.decode()
    assert email_of(reader) == "new@example.com"
    # The providers' hooks moved the newsletter subscriber and comment subscription.
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "new@example.com"
    assert subscriber.subscriptions.get().newsletter == daily
    assert Subscription.objects.get().email == "new@example.com"
    # The address the account left is told.
    [notice] = smtp_server.wait_for(1)
    assert notice.envelope_to == ["old@example.com"]
    assert "changed" in notice["Subject"]
    assert "new@example.com" in notice.text()

    again = signed_in.post(verify)
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert email_of(reader) == "new@example.com"


def test_the_new_address_link_works_without_a_session(reader, signed_in, smtp_server):
    verify = new_link(signed_in, smtp_server)
    elsewhere = Client()
    assert elsewhere.get(verify).status_code == 200
    assert email_of(reader) == "old@example.com"
    done = elsewhere.post(verify)
    assert done.status_code == 200
    assert "Sign in with new@example.com" in done.content.decode()
    assert email_of(reader) == "new@example.com"
    # The link changed the address; it signed nobody in.
    assert "_auth_user_id" not in elsewhere.session


def test_another_reader_signed_in_on_that_browser_is_refused(reader, signed_in, smtp_server):
    verify = new_link(signed_in, smtp_server)
    stranger = Client()
    stranger.force_login(get_or_create_reader("stranger@example.com"))
    for response in (stranger.get(verify), stranger.post(verify)):
        assert response.status_code == 403
        assert "different reader account" in response.content.decode()
    assert email_of(reader) == "old@example.com"
    # Refused, not spent: signed out, the same link still works.
    stranger.logout()
    assert stranger.post(verify).status_code == 200
    assert email_of(reader) == "new@example.com"


def test_another_account_cannot_use_the_old_address_link(signed_in, smtp_server):
    confirm = old_link(signed_in, smtp_server)
    stranger = Client()
    stranger.force_login(get_or_create_reader("stranger@example.com"))
    assert stranger.post(confirm).status_code == 400
    assert Client().post(confirm).status_code == 302  # to sign in first
    assert smtp_server.to("new@example.com") == []
    assert User.objects.get(email="old@example.com")


def test_tampered_and_swapped_links_are_refused(reader, signed_in, smtp_server):
    confirm = old_link(signed_in, smtp_server)
    confirm_token = confirm.rstrip("/").rsplit("/", 1)[1]
    verify = new_link(signed_in, smtp_server, "second@example.com")
    token = verify.rstrip("/").rsplit("/", 1)[1]
    payload, rest = token.split(":", 1)
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    other_payload = (
        signing.TimestampSigner(salt=tokens.EMAIL_VERIFY_SALT)
        .sign_object({"u": reader.pk, "o": "old@example.com", "w": "evil@example.com", "n": "x"})
        .split(":", 1)[0]
    )
    swapped = f"{other_payload}:{rest}"  # another new address under this link's signature
    forged = signing.TimestampSigner(key="not-the-key", salt=tokens.EMAIL_VERIFY_SALT).sign_object(
        {"u": reader.pk, "o": "old@example.com", "w": "evil@example.com", "n": "y" * 32}
    )
    for bad in (flipped, swapped, forged, confirm_token, "garbage", "." + "A" * 1300):
        for response in (
            Client().get(f"/reader/email/verify/{bad}/"),
            Client().post(f"/reader/email/verify/{bad}/"),
        ):
            assert response.status_code == 400, bad
            assert "not valid" in response.content.decode()
    # Nor does the new address's link stand in for the old address's.
    assert signed_in.post(f"/reader/email/confirm/{token}/").status_code == 400
    assert email_of(reader) == "old@example.com"


def test_a_link_from_an_old_request_dies_with_the_address(reader, signed_in, smtp_server):
    """Two changes asked for and confirmed from the old address: once one is done, the
    other's new-address link no longer applies."""
    first = new_link(signed_in, smtp_server, "first@example.com")
    second = new_link(signed_in, smtp_server, "second@example.com")
    assert Client().post(second).status_code == 200
    assert email_of(reader) == "second@example.com"
    response = Client().post(first)
    assert response.status_code == 409
    assert "no longer uses old@example.com" in response.content.decode()
    assert email_of(reader) == "second@example.com"


def test_address_taken_meanwhile_is_refused(signed_in, reader, smtp_server, lists):
    daily, _ = lists
    subscriptions.import_confirmed(email="old@example.com", newsletters=[daily])
    verify = new_link(signed_in, smtp_server, "wanted@example.com")
    get_or_create_reader("wanted@example.com")
    for response in (Client().get(verify), Client().post(verify)):
        assert response.status_code == 409
        assert "belongs to another account" in response.content.decode()
    assert email_of(reader) == "old@example.com"
    assert Subscriber.objects.get().email == "old@example.com"
    assert not UsedToken.objects.filter(purpose="email-verify").exists()


def test_address_taken_while_the_link_is_being_used_is_refused(
    signed_in, reader, smtp_server, monkeypatch
):
    """Another account takes the address after the link's first checks passed but before
    the change: the check inside the change's transaction refuses it."""
    from masthead.readers import services

    verify = new_link(signed_in, smtp_server, "wanted@example.com")
    checked = services.pending_email_verification

    def then_taken(*args, **kwargs):
        result = checked(*args, **kwargs)
        User.objects.create_user("racer", email="wanted@example.com")
        return result

    monkeypatch.setattr(services, "pending_email_verification", then_taken)
    response = Client().post(verify)
    assert response.status_code == 409
    assert "belongs to another account" in response.content.decode()
    assert email_of(reader) == "old@example.com"
    assert not UsedToken.objects.filter(purpose="email-verify").exists()


def test_new_address_link_expires_after_a_day(reader, signed_in, smtp_server):
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        verify = new_link(signed_in, smtp_server)
    with time_machine.travel(dt.datetime(2026, 3, 2, 8, 59, tzinfo=dt.UTC), tick=False):
        assert Client().get(verify).status_code == 200
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 1, tzinfo=dt.UTC), tick=False):
        response = Client().post(verify)
        assert response.status_code == 410
        assert "expired" in response.content.decode()
    assert email_of(reader) == "old@example.com"


def test_no_new_address_link_once_the_account_left_the_old_address(reader, signed_in, smtp_server):
    from masthead.readers.mails import send_email_verify_mail

    reader.email = "elsewhere@example.com"
    reader.save()
    assert not send_email_verify_mail(user_id=reader.pk, old="old@example.com", new="x@example.com")
    assert smtp_server.wait_for(1, timeout=0.3) == []


@pytest.mark.parametrize(
    "value", ["new@example.com\r\nBcc: x@example.com", "nope", "OLD@example.com", "a" * 260]
)
def test_bad_new_addresses_are_refused_with_form_errors(signed_in, smtp_server, value):
    response = ask(signed_in, value)
    assert response.status_code == 400
    assert response.context["form"].errors["email"]
    assert smtp_server.wait_for(1, timeout=0.3) == []
