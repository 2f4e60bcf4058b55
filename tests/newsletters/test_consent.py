"""Leaving and choosing lists by the links in mails, forgetting unconfirmed requests,
imports with attested consent, and the record of consent each row keeps."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from masthead.core import periodic
from masthead.newsletters import jobs, subscriptions, tokens
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
    make_section("News")


def _subscribed(email, *newsletters) -> Subscriber:
    subscriptions.import_confirmed(email=email, newsletters=newsletters, source="test")
    return Subscriber.objects.get(email=email)


def _status(subscriber, newsletter):
    return subscriber.subscriptions.get(newsletter=newsletter).status


def test_one_click_unsubscribe_by_rfc_8058_post(client, lists):
    daily, weekly = lists
    ann = _subscribed("ann@example.com", daily, weekly)
    url = tokens.unsubscribe_url(ann.pk, daily.pk)
    path = "/" + url.split("/", 3)[3]
    # A mail client POSTs the RFC 8058 body, with no cookie and no CSRF token.
    response = client.post(
        path,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert _status(ann, daily) == SubscriptionStatus.UNSUBSCRIBED
    assert _status(ann, weekly) == SubscriptionStatus.ACTIVE
    row = ann.subscriptions.get(newsletter=daily)
    assert row.unsubscribed_at is not None
    assert not subscriptions.active_subscriptions(daily).exists()
    # Again: harmless.
    assert (
        client.post(
            path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        ).status_code
        == 200
    )


def test_unsubscribe_by_link_shows_a_button_first(client, lists):
    daily, _ = lists
    ann = _subscribed("ann@example.com", daily)
    path = "/" + tokens.unsubscribe_url(ann.pk, daily.pk).split("/", 3)[3]
    page = client.get(path)
    assert page.status_code == 200
    assert "private" in page["Cache-Control"] and "no-store" in page["Cache-Control"]
    body = page.content.decode()
    assert ">Unsubscribe</button>" in body and "Daily briefing" in body
    assert _status(ann, daily) == SubscriptionStatus.ACTIVE
    done = client.post(path)
    assert "You are unsubscribed" in done.content.decode()
    assert _status(ann, daily) == SubscriptionStatus.UNSUBSCRIBED


def test_tampered_unsubscribe_link_is_refused(client, lists):
    daily, _ = lists
    ann = _subscribed("ann@example.com", daily)
    bob = _subscribed("bob@example.com", daily)
    token = tokens.unsubscribe_token(ann.pk, daily.pk)
    forged = token.replace(f"{ann.pk}.", f"{bob.pk}.", 1)
    response = client.post(f"/newsletters/unsubscribe/{forged}/")
    assert response.status_code == 400
    assert _status(bob, daily) == SubscriptionStatus.ACTIVE


def test_manage_link_chooses_lists_and_counts_as_confirmation(client, lists):
    daily, weekly = lists
    ann = _subscribed("ann@example.com", daily)
    path = "/" + tokens.manage_url(ann.pk).split("/", 3)[3]
    page = client.get(path)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    body = page.content.decode()
    assert f'value="{daily.slug}" checked' in body
    assert f'value="{weekly.slug}">' in body

    saved = client.post(path, {"newsletters": [weekly.slug]}, REMOTE_ADDR="198.51.100.7")
    assert saved.status_code == 303
    assert _status(ann, daily) == SubscriptionStatus.UNSUBSCRIBED
    row = ann.subscriptions.get(newsletter=weekly)
    assert row.status == SubscriptionStatus.ACTIVE
    assert row.confirmed_at is not None and row.source == "manage"
    assert row.consent_ip == "198.51.100.7"
    after = client.get(saved["Location"]).content.decode()
    assert "Saved." in after and f'value="{weekly.slug}" checked' in after

    bad = client.post(path, {"newsletters": ["no-such-list"]})
    assert bad.status_code == 400
    assert ann.subscriptions.get(newsletter=weekly).status == SubscriptionStatus.ACTIVE
    assert client.get("/newsletters/manage/nonsense/").status_code == 400


def test_expiry_forgets_unconfirmed_requests(client, smtp_server, lists, signup):
    daily, weekly = lists
    rules = NewsletterSettings.for_site(default_site())
    rules.confirm_days = 3
    rules.save()
    signup("stale@example.com", daily.slug)
    # An address that had left weekly and asked again: the record that it left is kept.
    old = _subscribed("left@example.com", weekly)
    subscriptions.unsubscribe(old.pk, weekly.pk, source="test")
    signup("left@example.com", weekly.slug)
    assert _status(old, weekly) == SubscriptionStatus.PENDING
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        signup("recent@example.com", daily.slug, ip="203.0.113.9")
    assert subscriptions.expire_unconfirmed() == 0

    with time_machine.travel(timezone.now() + dt.timedelta(days=3, hours=1)):
        assert subscriptions.expire_unconfirmed() == 2
    assert not Subscriber.objects.filter(email="stale@example.com").exists()
    assert _status(old, weekly) == SubscriptionStatus.UNSUBSCRIBED
    assert Subscriber.objects.get(email="recent@example.com").subscriptions.get().status == (
        SubscriptionStatus.PENDING
    )


def test_expiry_is_a_periodic_job_of_the_worker(lists):
    daily, _ = lists
    subscriptions.request_subscription(email="x@example.com", newsletters=[daily], source="test")
    assert dict(periodic.jobs())["newsletters.expire_unconfirmed"] is jobs.expire_unconfirmed
    cache.clear()
    with time_machine.travel(timezone.now() + dt.timedelta(days=30)):
        assert jobs.expire_unconfirmed() == 1
        subscriptions.request_subscription(
            email="y@example.com", newsletters=[daily], source="test"
        )
        ListSubscription.objects.filter(subscriber__email="y@example.com").update(
            requested_at=timezone.now() - dt.timedelta(days=30)
        )
        # Run at most once per interval, whichever worker gets there first.
        assert jobs.expire_unconfirmed() == 0
        cache.clear()
        assert jobs.expire_unconfirmed() == 1


def test_consent_record_of_a_confirmed_signup(client, smtp_server, lists, signup):
    daily, _ = lists
    signup("rec@example.com", daily.slug, ip="192.0.2.44")
    path = link_path(smtp_server.wait_for(1)[0].text(), "/newsletters/confirm/")
    client.post(path)
    row = ListSubscription.objects.get(subscriber__email="rec@example.com")
    assert row.source == "form"
    assert row.consent_ip == "192.0.2.44"
    assert row.requested_at <= row.confirmed_at
    assert row.unsubscribed_at is None


def test_import_confirmed_respects_an_unsubscribe(lists):
    daily, weekly = lists
    assert subscriptions.import_confirmed(email=" Imp@Example.com", newsletters=[daily]) == 1
    imp = Subscriber.objects.get(email="imp@example.com")
    row = imp.subscriptions.get()
    assert row.status == SubscriptionStatus.ACTIVE and row.source == "import"
    assert row.confirmed_at is not None
    subscriptions.unsubscribe(imp.pk, daily.pk, source="test")
    assert subscriptions.import_confirmed(email="imp@example.com", newsletters=[daily, weekly]) == 1
    assert _status(imp, daily) == SubscriptionStatus.UNSUBSCRIBED
    assert _status(imp, weekly) == SubscriptionStatus.ACTIVE


def test_active_subscriptions_leave_out_bounced_addresses(lists):
    daily, _ = lists
    ok = _subscribed("ok@example.com", daily)
    gone = _subscribed("gone@example.com", daily)
    gone.status = "bounced"
    gone.save()
    assert list(subscriptions.active_subscriptions(daily).values_list("subscriber", flat=True)) == [
        ok.pk
    ]
