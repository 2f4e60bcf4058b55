"""Double opt-in signup through the forms' endpoint, confirmed by the link read from the mail."""

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from masthead.newsletters import subscriptions
from masthead.newsletters.models import (
    ListSubscription,
    NewsletterSettings,
    Subscriber,
    SubscriptionStatus,
)
from tests.newsroom.factories import default_site, make_section

from . import signup_fixtures
from .signup_fixtures import link_path

lists = signup_fixtures.lists
signup = signup_fixtures.signup

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site(db):
    make_section("News")  # builds the page tree and the default site


def _page(response) -> str:
    """A page without its per-response CSP nonce."""
    return re.sub(r'nonce="[^"]*"', "", response.content.decode())


def _status(email, newsletter):
    return ListSubscription.objects.get(subscriber__email=email, newsletter=newsletter).status


def test_double_opt_in_end_to_end(client, smtp_server, lists, signup):
    """One mail lists both lists; opening the link changes nothing; the button confirms."""
    daily, weekly = lists
    response = signup("Ann@Example.com ", daily.slug, weekly.slug, name="Ann")
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]

    [mail] = smtp_server.wait_for(1)
    assert mail.envelope_to == ["ann@example.com"]
    assert mail["To"] == "ann@example.com"
    assert "confirm" in mail["Subject"].lower()
    text, html = mail.text(), mail.html()
    for body in (text, html):
        assert "Daily briefing" in body and "Weekly analysis" in body
    assert "Hello Ann" in text
    path = link_path(text, "/newsletters/confirm/")
    assert path == link_path(html, "/newsletters/confirm/")

    subscriber = Subscriber.objects.get(email="ann@example.com")
    row = subscriber.subscriptions.get(newsletter=daily)
    assert row.status == SubscriptionStatus.PENDING
    assert row.source == "form" and row.consent_ip == "203.0.113.5"
    assert row.requested_at is not None and row.confirmed_at is None

    page = client.get(path)
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
    body = page.content.decode()
    assert body.count("<button") >= 1 and ">Confirm</button>" in body
    assert _status("ann@example.com", daily) == SubscriptionStatus.PENDING

    done = client.post(path)
    assert done.status_code == 200
    assert "Subscription confirmed" in done.content.decode()
    for newsletter in lists:
        row = subscriber.subscriptions.get(newsletter=newsletter)
        assert row.status == SubscriptionStatus.ACTIVE
        assert row.confirmed_at is not None
    active = subscriptions.active_subscriptions(daily)
    assert set(active.values_list("subscriber__email", flat=True)) == {"ann@example.com"}
    # Confirming again is harmless and sends nothing more.
    assert client.post(path).status_code == 200
    assert len(smtp_server.messages) == 1


def test_signup_page_lists_every_open_list_and_works_without_js(client, lists):
    daily, weekly = lists
    weekly.is_active = False
    weekly.save()
    page = client.get("/newsletters/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Daily briefing" in body and "Every weekday." in body and "Daily" in body
    assert "Weekly analysis" not in body
    assert 'action="/newsletters/subscribe/"' in body and 'method="post"' in body
    assert 'name="email"' in body and f'value="{daily.slug}"' in body


def test_expired_confirmation_link_confirms_nothing(client, smtp_server, lists, signup):
    daily, _ = lists
    rules = NewsletterSettings.for_site(default_site())
    rules.confirm_days = 2
    rules.save()
    signup("late@example.com", daily.slug)
    path = link_path(smtp_server.wait_for(1)[0].text(), "/newsletters/confirm/")
    with time_machine.travel(timezone.now() + dt.timedelta(days=2, hours=1)):
        assert client.get(path).status_code == 400
        response = client.post(path)
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert _status("late@example.com", daily) == SubscriptionStatus.PENDING


def test_a_later_request_makes_the_older_link_useless(client, smtp_server, lists, signup):
    daily, weekly = lists
    signup("twice@example.com", daily.slug)
    first = link_path(smtp_server.wait_for(1)[0].text(), "/newsletters/confirm/")
    signup("twice@example.com", daily.slug, weekly.slug)
    second = link_path(smtp_server.wait_for(2)[1].text(), "/newsletters/confirm/")
    assert first != second
    assert client.post(first).status_code == 400
    assert _status("twice@example.com", daily) == SubscriptionStatus.PENDING
    assert client.post(second).status_code == 200
    assert _status("twice@example.com", daily) == SubscriptionStatus.ACTIVE
    assert _status("twice@example.com", weekly) == SubscriptionStatus.ACTIVE


def test_only_lists_not_yet_active_are_confirmed_again(client, smtp_server, lists, signup):
    daily, weekly = lists
    subscriptions.import_confirmed(email="on@example.com", newsletters=[daily])
    signup("on@example.com", daily.slug)
    assert smtp_server.wait_for(1, timeout=0.5) == []
    signup("on@example.com", daily.slug, weekly.slug)
    [mail] = smtp_server.wait_for(1)
    assert "Weekly analysis" in mail.text() and "Daily briefing" not in mail.text()


def test_resubscribing_after_unsubscribing_needs_a_fresh_confirmation(
    client, smtp_server, lists, signup
):
    daily, _ = lists
    signup("back@example.com", daily.slug)
    old = link_path(smtp_server.wait_for(1)[0].text(), "/newsletters/confirm/")
    client.post(old)
    subscriber = Subscriber.objects.get(email="back@example.com")
    assert subscriptions.unsubscribe(subscriber.pk, daily.pk, source="test")
    assert _status("back@example.com", daily) == SubscriptionStatus.UNSUBSCRIBED

    # The old link does not bring the address back, before or after a new request.
    assert client.post(old).status_code == 400
    assert _status("back@example.com", daily) == SubscriptionStatus.UNSUBSCRIBED
    signup("back@example.com", daily.slug)
    fresh = link_path(smtp_server.wait_for(2)[1].text(), "/newsletters/confirm/")
    assert fresh != old
    assert _status("back@example.com", daily) == SubscriptionStatus.PENDING
    assert not subscriptions.active_subscriptions(daily).exists()
    assert client.post(old).status_code == 400
    assert client.post(fresh).status_code == 200
    assert _status("back@example.com", daily) == SubscriptionStatus.ACTIVE


def test_signed_in_reader_subscribes_in_one_click(
    client, smtp_server, lists, signup, django_user_model
):
    daily, weekly = lists
    user = django_user_model.objects.create_user("reader", "Reader@Example.com", "pw-123456789")
    client.force_login(user)
    response = signup("", daily.slug, json=True)
    assert response.status_code == 200
    assert response.json() == {
        "message": "You are subscribed to Daily briefing.",
        "subscribed": True,
    }
    assert _status("reader@example.com", daily) == SubscriptionStatus.ACTIVE
    subscriber = Subscriber.objects.get(email="reader@example.com")
    assert subscriber.user == user
    row = subscriber.subscriptions.get()
    assert row.confirmed_at is not None and row.source == "form"
    assert smtp_server.wait_for(1, timeout=0.5) == []

    # Another address, even from a signed-in reader, is confirmed by mail first.
    response = signup("friend@example.com", weekly.slug, json=True)
    assert response.json()["subscribed"] is False
    assert _status("friend@example.com", weekly) == SubscriptionStatus.PENDING
    assert smtp_server.wait_for(1)[0]["To"] == "friend@example.com"


def test_bounced_or_complaining_address_is_not_mailed(client, smtp_server, lists, signup):
    daily, _ = lists
    Subscriber.objects.create(email="gone@example.com", status="bounced")
    Subscriber.objects.create(email="angry@example.com", status="complained")
    first = signup("gone@example.com", daily.slug)
    second = signup("angry@example.com", daily.slug)
    fresh = signup("new@example.com", daily.slug)
    assert _page(first) == _page(second) == _page(fresh)
    smtp_server.wait_for(1)
    assert [m["To"] for m in smtp_server.messages] == ["new@example.com"]
    assert not subscriptions.active_subscriptions(daily).exists()


def test_json_answers_for_fetch(client, smtp_server, lists, signup):
    daily, _ = lists
    ok = signup("js@example.com", daily.slug, json=True)
    assert ok.status_code == 200 and ok["Content-Type"] == "application/json"
    assert "check your inbox" in ok.json()["message"]
    bad = signup("not an address", "no-such-list", json=True)
    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/problem+json"
    problem = bad.json()
    assert {tuple(e["loc"]) for e in problem["errors"]} == {("email",), ("newsletters",)}


def test_form_errors_are_shown_on_the_page(client, smtp_server, lists, signup):
    daily, _ = lists
    response = signup("nobody", daily.slug, name="Zed")
    assert response.status_code == 400
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "Enter a valid email address" in body
    assert 'value="nobody"' in body and 'value="Zed"' in body
    assert f'value="{daily.slug}" checked' in body
    none = signup("ok@example.com")
    assert "Please choose at least one newsletter." in none.content.decode()
    assert smtp_server.wait_for(1, timeout=0.3) == []
