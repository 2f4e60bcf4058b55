"""Changing a reader's address: confirmed from the old address, by POST only."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from masthead.discussion.models import Subscription
from masthead.readers.services import get_or_create_reader
from tests.newsroom.factories import make_article, make_section

from .helpers import CONFIRM_LINK, link_in

pytestmark = pytest.mark.django_db


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


def test_change_needs_a_session(client):
    response = client.get("/reader/email/")
    assert response.status_code == 302
    assert response["Location"].startswith("/reader/sign-in/?next=/reader/email/")


def test_confirmation_goes_to_the_old_address_and_only_post_changes(
    signed_in, reader, smtp_server, django_capture_on_commit_callbacks
):
    article = make_article(section=make_section("News"), title="Harbour works")
    Subscription.objects.create(article=article, email="old@example.com", kind="all")

    response = ask(signed_in)
    assert response.status_code == 200
    assert "old@example.com" in response.content.decode()
    [message] = smtp_server.wait_for(1)
    assert message.envelope_to == ["old@example.com"]
    assert "new@example.com" in message.text()
    path = link_in(message, CONFIRM_LINK)

    for _ in range(2):
        page = signed_in.get(path)
        assert page.status_code == 200
        assert "new@example.com" in page.content.decode()
    reader.refresh_from_db()
    assert reader.email == "old@example.com"

    with django_capture_on_commit_callbacks(execute=True):
        done = signed_in.post(path)
    assert done.status_code == 200
    reader.refresh_from_db()
    assert reader.email == "new@example.com"
    # The provider hook moved the comment subscription along.
    assert Subscription.objects.get().email == "new@example.com"
    notices = smtp_server.to("new@example.com")
    assert len(notices) == 1 and "changed" in notices[0]["Subject"]

    again = signed_in.post(path)
    assert again.status_code == 410


def test_another_account_cannot_use_the_link(signed_in, smtp_server):
    ask(signed_in)
    path = link_in(smtp_server.wait_for(1)[0], CONFIRM_LINK)
    stranger = Client()
    stranger.force_login(get_or_create_reader("stranger@example.com"))
    assert stranger.post(path).status_code == 400
    assert Client().post(path).status_code == 302  # to sign in first
    assert User.objects.get(email="old@example.com")


def test_address_taken_meanwhile_is_refused(signed_in, reader, smtp_server):
    ask(signed_in, "wanted@example.com")
    path = link_in(smtp_server.wait_for(1)[0], CONFIRM_LINK)
    get_or_create_reader("wanted@example.com")
    response = signed_in.post(path)
    assert response.status_code == 409
    assert "belongs to another account" in response.content.decode()
    reader.refresh_from_db()
    assert reader.email == "old@example.com"


@pytest.mark.parametrize(
    "value", ["new@example.com\r\nBcc: x@example.com", "nope", "OLD@example.com", "a" * 260]
)
def test_bad_new_addresses_are_refused_with_form_errors(signed_in, smtp_server, value):
    response = ask(signed_in, value)
    assert response.status_code == 400
    assert response.context["form"].errors["email"]
    assert smtp_server.wait_for(1, timeout=0.3) == []
