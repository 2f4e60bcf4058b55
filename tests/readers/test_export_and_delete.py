"""Export my data, delete my account: everything about the reader, and then nothing."""

import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from masthead.discussion.models import Comment, CommentVote, Notification, Subscription
from masthead.discussion.reader_data import DELETED_BODY, FORMER_READER
from masthead.readers.models import ReaderProfile
from masthead.readers.services import get_or_create_reader
from tests.discussion.factories import make_comment
from tests.newsroom.factories import make_article, make_section

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    reader = get_or_create_reader("ada@example.com")
    ReaderProfile.objects.filter(user=reader).update(display_name="Ada L.")
    article = make_article(section=make_section("News"), title="Harbour works begin")
    replied = make_comment(
        article,
        user=reader,
        author_name="Ada L.",
        author_email="ada@example.com",
        author_website="https://ada.example",
        body="First thoughts on the harbour.",
        ip_address="198.51.100.23",
        user_agent="AdaBrowser/1.0",
    )
    reply = make_comment(article, parent=replied, author_name="Bob", author_email="bob@example.com")
    lonely = make_comment(
        article, author_name="Ada", author_email="ADA@example.com", body="Before my account."
    )
    own_reply = make_comment(
        article, parent=reply, user=reader, author_email="ada@example.com", body="Thanks Bob"
    )
    others = make_comment(article, author_name="Cy", author_email="cy@example.com")
    CommentVote.objects.create(comment=others, voter=f"user:{reader.pk}", value=1)
    CommentVote.objects.create(comment=others, voter="anon:someoneelse", value=1)
    Comment.objects.filter(pk=others.pk).update(upvotes=2, score=2)
    Subscription.objects.create(article=article, email="ada@example.com", kind="all")
    Subscription.objects.create(article=article, email="bob@example.com", kind="replies")
    Notification.objects.create(comment=others, email="ada@example.com")
    Notification.objects.create(comment=replied, email="bob@example.com")
    client = Client()
    client.force_login(reader)
    return {
        "reader": reader,
        "client": client,
        "article": article,
        "replied": replied,
        "reply": reply,
        "lonely": lonely,
        "own_reply": own_reply,
        "others": others,
    }


def test_export_holds_everything_about_the_reader(world):
    for method in ("get", "post"):
        response = getattr(world["client"], method)("/reader/export/")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/json")
        assert response["Content-Disposition"].startswith("attachment; filename=")
        assert response["Cache-Control"] == "private, no-store"
    data = json.loads(response.content)
    assert data["account"]["email"] == "ada@example.com"
    assert data["account"]["display_name"] == "Ada L."
    assert data["account"]["date_joined"]
    assert "last_login" in data["account"] and "avatar_url" in data["account"]

    comments = data["discussion"]["comments"]
    bodies = {c["body"] for c in comments}
    assert bodies == {"First thoughts on the harbour.", "Before my account.", "Thanks Bob"}
    first = next(c for c in comments if c["id"] == world["replied"].pk)
    assert first["ip_address"] == "198.51.100.23"
    assert first["status"] == "approved"
    assert first["article"]["title"] == "Harbour works begin"
    assert first["article"]["url"].endswith(world["article"].url)
    assert first["created_at"]
    assert data["discussion"]["votes"] == [
        {
            "comment": world["others"].pk,
            "article": first["article"],
            "value": 1,
            "created_at": data["discussion"]["votes"][0]["created_at"],
        }
    ]
    [subscription] = data["discussion"]["subscriptions"]
    assert subscription["kind"] == "all" and subscription["email"] == "ada@example.com"
    assert "bob@example.com" not in response.content.decode()


def test_export_includes_the_avatar_url(world):
    out = io.BytesIO()
    Image.new("RGB", (300, 300), (10, 120, 60)).save(out, format="PNG")
    world["client"].post(
        "/reader/picture/", {"avatar": SimpleUploadedFile("a.png", out.getvalue(), "image/png")}
    )
    data = json.loads(world["client"].get("/reader/export/").content)
    assert data["account"]["avatar_url"].startswith("http://testserver/")
    assert data["account"]["avatar_url"].endswith(".webp")


def test_delete_needs_the_address_typed(world):
    page = world["client"].get("/reader/delete/")
    assert page.status_code == 200
    wrong = world["client"].post("/reader/delete/", {"email": "someone@example.com"})
    assert wrong.status_code == 400
    assert "not your account" in wrong.content.decode()
    assert world["client"].get("/reader/delete/").status_code == 200  # still signed in
    assert User.objects.filter(pk=world["reader"].pk).exists()


def test_delete_removes_or_anonymises_everything(world, django_capture_on_commit_callbacks):
    reader, client = world["reader"], world["client"]
    out = io.BytesIO()
    Image.new("RGB", (64, 64)).save(out, format="PNG")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/reader/picture/", {"avatar": SimpleUploadedFile("a.png", out.getvalue())})
    avatar = ReaderProfile.objects.get(user=reader).avatar
    storage, avatar_name = avatar.storage, avatar.name
    assert storage.exists(avatar_name)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reader/delete/", {"email": " ADA@example.com "})
    assert response.status_code == 200
    assert "deleted" in response.content.decode()

    assert not User.objects.filter(pk=reader.pk).exists()
    assert not User.objects.filter(email__iexact="ada@example.com").exists()
    assert not ReaderProfile.objects.exists()
    assert not storage.exists(avatar_name)
    assert client.session.get("_auth_user_id") is None
    assert client.get("/reader/").status_code == 302

    # Comments without replies are gone; the one others replied to stays, emptied.
    assert not Comment.objects.filter(pk__in=[world["lonely"].pk, world["own_reply"].pk]).exists()
    kept = Comment.objects.get(pk=world["replied"].pk)
    assert kept.author_name == FORMER_READER
    assert kept.author_email == "" and kept.author_website == ""
    assert kept.ip_address is None and kept.user_agent == "" and kept.user is None
    assert kept.body == DELETED_BODY
    assert Comment.objects.filter(pk=world["reply"].pk).exists()  # Bob's reply keeps its place
    assert not Comment.objects.filter(author_email__iexact="ada@example.com").exists()
    assert not Comment.objects.filter(body__contains="harbour.").exists()

    # Votes still count, but lead to no one.
    others = Comment.objects.get(pk=world["others"].pk)
    assert others.upvotes == 2 and others.votes.count() == 2
    assert not CommentVote.objects.filter(voter=f"user:{reader.pk}").exists()

    assert list(Subscription.objects.values_list("email", flat=True)) == ["bob@example.com"]
    assert list(Notification.objects.values_list("email", flat=True)) == ["bob@example.com"]

    # The thread still reads coherently.
    page = Client().get(world["article"].url)
    html = page.content.decode()
    assert FORMER_READER in html and DELETED_BODY in html
    assert "First thoughts" not in html


def test_staff_cannot_use_the_readers_page(client):
    admin = User.objects.create_superuser("root", email="root@example.com", password="x")
    client.force_login(admin)
    assert client.get("/reader/").status_code == 403
    assert client.post("/reader/delete/", {"email": "root@example.com"}).status_code == 403
    assert User.objects.filter(pk=admin.pk).exists()


def test_comment_subscriptions_section_and_unsubscribe(world):
    client = world["client"]
    page = client.get("/reader/")
    html = page.content.decode()
    assert "Comment notifications" in html
    assert "Harbour works begin" in html
    subscription = Subscription.objects.get(email="ada@example.com")
    bob = Subscription.objects.get(email="bob@example.com")
    # Someone else's subscription id removes nothing.
    client.post("/reader/section/discussion/", {"remove": str(bob.pk)})
    assert Subscription.objects.filter(pk=bob.pk).exists()
    response = client.post("/reader/section/discussion/", {"remove": str(subscription.pk)})
    assert response.status_code == 302
    assert not Subscription.objects.filter(pk=subscription.pk).exists()
    assert "Unsubscribed" in client.get("/reader/").content.decode()
