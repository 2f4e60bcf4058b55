"""Subscribing without commenting, confirming, one-click unsubscribe and the manage page."""

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from masthead.discussion import subscriptions
from masthead.discussion.models import Subscription
from masthead.discussion.subscription_views import GUEST_MESSAGE
from tests.newsroom.factories import make_article

from .factories import guest, post

pytestmark = pytest.mark.django_db


def subscribe_url(article) -> str:
    return reverse("discussion:subscribe", args=[article.pk])


def link_path(message, kind: str) -> str:
    """The path of the /discussion/subscriptions/<kind>/ link in a mail's plain text."""
    match = re.search(rf"https?://\S+/discussion/subscriptions/{kind}/\S+/", message.text())
    assert match, message.text()
    return urlsplit(match.group(0)).path


def main_of(response) -> str:
    """The page's own content, without the per-request nonces of the layout."""
    return response.text.split("<main", 1)[1].split("</main>", 1)[0]


def confirmed(article, email, kind="all") -> Subscription:
    return Subscription.objects.create(
        article=article, email=email, kind=kind, confirmed_at=timezone.now()
    )


# --- subscribing and confirming ------------------------------------------------------------


def test_a_guest_confirms_by_posting_the_button_of_the_mailed_link(
    client, smtp_server, django_capture_on_commit_callbacks
):
    article = make_article(title="Harbour plans")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            subscribe_url(article), {"email": "Reader@Example.com", "kind": "replies"}
        )
    assert response.status_code == 200
    assert "Check your inbox" in response.text
    assert response["Cache-Control"] == "private, no-store"
    subscription = Subscription.objects.get()
    assert (subscription.email, subscription.kind) == ("reader@example.com", "replies")
    assert not subscription.is_confirmed

    [message] = smtp_server.wait_for(1)
    assert message.envelope_to == ["reader@example.com"]
    assert "Harbour plans" in message["Subject"]
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    confirm_path = link_path(message, "confirm")
    assert confirm_path in message.html()

    # Opening the link (as a mail scanner would) changes nothing.
    page = client.get(confirm_path)
    assert page.status_code == 200
    assert "Confirm my subscription" in page.text
    assert '<form method="post"' in page.text
    subscription.refresh_from_db()
    assert not subscription.is_confirmed

    done = client.post(confirm_path)
    assert done.status_code == 200
    assert "Subscription confirmed" in done.text
    assert done["Cache-Control"] == "private, no-store"
    subscription.refresh_from_db()
    assert subscription.is_confirmed
    # Confirming twice is harmless.
    assert client.post(confirm_path).status_code == 200


def test_subscribing_when_commenting_sends_a_confirmation(
    smtp_server, django_capture_on_commit_callbacks
):
    article = make_article()
    with django_capture_on_commit_callbacks(execute=True):
        post(article, who=guest(email="writer@example.com"), notify="replies")
    [message] = smtp_server.wait_for(1)
    assert message.envelope_to == ["writer@example.com"]
    assert Subscription.objects.get().kind == "replies"


def test_a_json_caller_gets_a_message_and_problem_details(
    client, smtp_server, django_capture_on_commit_callbacks
):
    article = make_article()
    with django_capture_on_commit_callbacks(execute=True):
        ok = client.post(
            subscribe_url(article),
            {"email": "json@example.com", "kind": "all"},
            headers={"Accept": "application/json"},
        )
    assert ok.status_code == 200
    assert ok.json() == {"message": GUEST_MESSAGE}
    assert ok["Cache-Control"] == "private, no-store"

    bad = client.post(
        subscribe_url(article),
        {"email": "not an address\r\nBcc: x@example.com", "kind": "weekly"},
        headers={"Accept": "application/json"},
    )
    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/problem+json"
    fields = {error["loc"][0] for error in bad.json()["errors"]}
    assert fields == {"email", "kind"}

    as_json_body = client.post(
        subscribe_url(article),
        '{"email": "body@example.com", "kind": "all"}',
        content_type="application/json",
        headers={"Accept": "application/json"},
    )
    assert as_json_body.status_code == 200
    assert Subscription.objects.filter(email="body@example.com").exists()
    assert len(smtp_server.wait_for(1)) == 1


def test_form_errors_are_shown_on_the_page(client, smtp_server):
    article = make_article()
    response = client.post(subscribe_url(article), {"email": "<script>x</script>", "kind": "all"})
    assert response.status_code == 400
    assert "Enter a valid email address." in response.text
    assert "<script>x</script>" not in response.text
    assert not Subscription.objects.exists()


def test_subscribing_again_reveals_nothing_and_sends_nothing_once_confirmed(
    client, smtp_server, django_capture_on_commit_callbacks
):
    article = make_article()
    confirmed(article, "known@example.com")
    data = {"email": "known@example.com", "kind": "all"}
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(subscribe_url(article), data)
        new = client.post(subscribe_url(article), {"email": "new@example.com", "kind": "all"})
    assert known.status_code == new.status_code == 200
    assert main_of(known) == main_of(new)
    assert [m.envelope_to for m in smtp_server.wait_for(1)] == [["new@example.com"]]


def test_a_signed_in_reader_subscribing_their_own_address_needs_no_confirmation(
    client, smtp_server, django_capture_on_commit_callbacks
):
    article = make_article()
    user = get_user_model().objects.create_user("reader", "Reader@Example.com", "pw")
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(subscribe_url(article), {"kind": "all"})
    assert response.status_code == 200
    assert "You are subscribed" in response.text
    subscription = Subscription.objects.get()
    assert subscription.is_confirmed and subscription.user == user
    assert subscription.email == "reader@example.com"

    # Another address, even from a signed-in reader, must be confirmed by its owner.
    with django_capture_on_commit_callbacks(execute=True):
        other = client.post(subscribe_url(article), {"email": "else@example.com", "kind": "all"})
    assert "Check your inbox" in other.text
    assert not Subscription.objects.get(email="else@example.com").is_confirmed
    assert [m.envelope_to for m in smtp_server.wait_for(1)] == [["else@example.com"]]


def test_cross_site_posts_are_refused(client, smtp_server):
    article = make_article()
    data = {"email": "a@example.com", "kind": "all"}
    response = client.post(subscribe_url(article), data, headers={"Origin": "https://evil.test"})
    assert response.status_code == 403
    fetch = client.post(subscribe_url(article), data, headers={"Sec-Fetch-Site": "cross-site"})
    assert fetch.status_code == 403
    same = client.post(subscribe_url(article), data, headers={"Origin": "http://testserver"})
    assert same.status_code == 200
    assert Subscription.objects.count() == 1


def test_closed_missing_and_draft_articles_take_no_subscriptions(client, smtp_server):
    closed = make_article(comments_open=False)
    data = {"email": "a@example.com", "kind": "all"}
    response = client.post(subscribe_url(closed), data)
    assert response.status_code == 403
    assert "Comments are closed" in response.text
    assert client.post(reverse("discussion:subscribe", args=[999999]), data).status_code == 404
    assert client.get(subscribe_url(make_article())).status_code == 405
    assert not Subscription.objects.exists()


def test_confirmation_mail_is_rate_limited_per_address(
    client, smtp_server, django_capture_on_commit_callbacks
):
    articles = [make_article() for _ in range(5)]
    for article in articles:
        for kind in ("all", "replies"):
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(
                    subscribe_url(article), {"email": "victim@example.com", "kind": kind}
                )
            # The same answer, so nobody learns the limit was reached.
            assert response.status_code == 200 and "Check your inbox" in response.text
    limit = int(subscriptions.CONFIRMATIONS_PER_EMAIL.split("/")[0])
    smtp_server.wait_for(limit + 1, timeout=1)
    assert len(smtp_server.to("victim@example.com")) == limit


def test_the_subscribe_form_is_rate_limited_per_ip(client, smtp_server):
    article = make_article()
    limit = int(subscriptions.SUBSCRIBES_PER_IP.split("/")[0])
    for n in range(limit):
        ok = client.post(subscribe_url(article), {"email": f"p{n}@example.com", "kind": "all"})
        assert ok.status_code == 200
    over = client.post(subscribe_url(article), {"email": "late@example.com", "kind": "all"})
    assert over.status_code == 429
    assert "try again later" in over.text
    over_json = client.post(
        subscribe_url(article),
        {"email": "late@example.com", "kind": "all"},
        headers={"Accept": "application/json"},
    )
    assert over_json.status_code == 429 and over_json.json()["status"] == 429
    assert not Subscription.objects.filter(email="late@example.com").exists()
    # Another address is not held back by this one.
    other = client.post(
        subscribe_url(article),
        {"email": "late@example.com", "kind": "all"},
        REMOTE_ADDR="192.0.2.1",
    )
    assert other.status_code == 200


def test_unconfirmed_subscriptions_expire_with_their_link(client, smtp_server):
    article = make_article()
    pending = subscriptions.subscribe(article=article, email="slow@example.com", kind="all")
    keep = confirmed(article, "kept@example.com")
    token = subscriptions.confirm_token(pending)
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        response = client.get(reverse("discussion:confirm", args=[token]))
        assert response.status_code == 400
        assert "expired" in response.text
        assert subscriptions.expire_unconfirmed() == 1
    assert list(Subscription.objects.all()) == [keep]


# --- unsubscribing ----------------------------------------------------------------------


def notification_for(article, email, smtp_server):
    from masthead.discussion.notifications import send_comment_notifications

    from .factories import make_comment

    send_comment_notifications(comment_id=make_comment(article).pk)
    [message] = smtp_server.to(email)
    return message


def test_one_click_unsubscribe_by_post_from_the_mail_header(client, smtp_server):
    article = make_article()
    subscription = confirmed(article, "leaver@example.com")
    other = confirmed(article, "stayer@example.com")
    message = notification_for(article, "leaver@example.com", smtp_server)
    url = message["List-Unsubscribe"].strip("<>")
    path = urlsplit(url).path

    # A mail scanner's GET shows a button and removes nothing.
    page = client.get(path)
    assert page.status_code == 200 and "Unsubscribe" in page.text
    assert Subscription.objects.filter(pk=subscription.pk).exists()

    # RFC 8058: the mail client POSTs this body, with no cookie and no CSRF token.
    csrf_client = type(client)(enforce_csrf_checks=True)
    response = csrf_client.post(
        path,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert not Subscription.objects.filter(pk=subscription.pk).exists()
    assert Subscription.objects.filter(pk=other.pk).exists()
    # Idempotent: the same POST again still answers 200.
    again = csrf_client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert again.status_code == 200
    assert "no longer exists" in client.get(path).text


def test_the_visible_unsubscribe_link_is_the_header_link(client, smtp_server):
    article = make_article()
    confirmed(article, "leaver@example.com")
    message = notification_for(article, "leaver@example.com", smtp_server)
    assert link_path(message, "unsubscribe") == urlsplit(message["List-Unsubscribe"][1:-1]).path
    assert client.post(link_path(message, "unsubscribe")).status_code == 200
    assert not Subscription.objects.exists()


@pytest.mark.parametrize("name", ["confirm", "unsubscribe", "manage"])
def test_a_tampered_link_is_refused_with_a_clear_message(client, name):
    article = make_article()
    subscription = confirmed(article, "owner@example.com")
    other = confirmed(make_article(), "victim@example.com")
    make_token = {
        "confirm": subscriptions.confirm_token,
        "unsubscribe": subscriptions.unsubscribe_token,
        "manage": lambda s: subscriptions.manage_token(s.email),
    }[name]
    token = make_token(subscription)
    value, _, signature = token.rpartition(":")
    others_value = make_token(other).rpartition(":")[0]
    forged = [
        f"{value}:{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}",
        f"{others_value}:{signature}",  # someone else's subscription under my signature
        "nonsense",
        "x" * 500,
    ]
    for bad in forged:
        assert bad != token
        for method in (client.get, client.post):
            response = method(reverse(f"discussion:{name}", args=[bad]))
            assert response.status_code == 400, (bad, method)
            assert "This link is not valid" in response.text
    # A token of another kind is no key either.
    wrong_kind = reverse(f"discussion:{name}", args=[_other_kind_token(name, subscription)])
    assert client.post(wrong_kind).status_code == 400
    assert Subscription.objects.count() == 2
    assert Subscription.objects.get(pk=subscription.pk).confirmed_at is not None


def _other_kind_token(name, subscription):
    if name == "unsubscribe":
        return subscriptions.confirm_token(subscription)
    return subscriptions.unsubscribe_token(subscription)


# --- managing -----------------------------------------------------------------------------


def test_the_manage_page_lists_and_removes_the_address_subscriptions(client, smtp_server):
    harbour, budget = make_article(title="Harbour plans"), make_article(title="Budget <b>vote</b>")
    one = confirmed(harbour, "me@example.com", "all")
    two = confirmed(budget, "me@example.com", "replies")
    three = confirmed(budget, "me@example.com", "all")
    someone_else = confirmed(harbour, "you@example.com", "all")
    message = notification_for(harbour, "me@example.com", smtp_server)
    path = link_path(message, "manage")

    page = client.get(path)
    assert page.status_code == 200
    assert page["Cache-Control"] == "private, no-store"
    assert "Harbour plans" in page.text
    assert "Budget &lt;b&gt;vote&lt;/b&gt;" in page.text
    assert "New replies to my comments" in page.text and "New follow-up comments" in page.text
    assert "you@example.com" not in page.text
    assert page.text.count('name="remove"') == 4  # three items and "remove all"

    # Someone else's subscription id does nothing through my link.
    assert client.post(path, {"remove": str(someone_else.pk)}).status_code == 303
    assert Subscription.objects.filter(pk=someone_else.pk).exists()

    removed = client.post(path, {"remove": str(one.pk)})
    assert removed.status_code == 303
    assert set(Subscription.objects.filter(email="me@example.com")) == {two, three}
    after = client.get(removed["Location"])
    assert "Removed 1 subscription." in after.text and "Harbour plans" not in after.text

    client.post(path, {"remove": "all"})
    assert not Subscription.objects.filter(email="me@example.com").exists()
    assert Subscription.objects.filter(pk=someone_else.pk).exists()
    assert "has no subscriptions" in client.get(path).text
    assert client.post(path, {"remove": "everything"}).status_code == 400
