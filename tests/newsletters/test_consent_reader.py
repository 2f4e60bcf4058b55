"""The newsletters on a reader's page: choices saved at once, export, erase, change of address."""

import pytest
from django.test import Client
from django.utils import timezone

from masthead.newsletters import reader_data, subscriptions
from masthead.newsletters.models import (
    Delivery,
    Issue,
    ListSubscription,
    Subscriber,
    SubscriptionStatus,
)
from masthead.readers import registry
from tests.newsroom.factories import make_section

from . import signup_fixtures

lists = signup_fixtures.lists

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site(db):
    make_section("News")


@pytest.fixture
def reader(django_user_model):
    return django_user_model.objects.create_user("ann", "Ann@Example.com", "pw-123456789")


def _sent(subscriber, newsletter, subject):
    issue = Issue.objects.create(newsletter=newsletter, subject=subject, status="sent")
    return Delivery.objects.create(
        issue=issue,
        subscriber=subscriber,
        email=subscriber.email,
        status="sent",
        sent_at=timezone.now(),
    )


def test_the_provider_is_registered():
    provider = {p.key: p for p in registry.providers()}["newsletters"]
    assert provider.export is reader_data.export and provider.erase is reader_data.erase
    assert provider.email_changed is reader_data.email_changed
    assert provider.section_template == "newsletters/reader_section.html"


def test_section_shows_each_list_with_its_state(rf, reader, lists):
    daily, weekly = lists
    subscriptions.import_confirmed(email="ann@example.com", newsletters=[daily])
    request = rf.get("/reader/")
    request.user = reader
    context = reader_data.section_context(request, reader)
    assert [(c["newsletter"].slug, c["checked"]) for c in context["newsletter_choices"]] == [
        (daily.slug, True),
        (weekly.slug, False),
    ]


def test_saving_choices_subscribes_and_unsubscribes_at_once(reader, lists, smtp_server):
    daily, weekly = lists
    subscriptions.import_confirmed(email="ann@example.com", newsletters=[daily])
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)
    # A form without the CSRF token (another site's) is refused.
    assert (
        client.post("/newsletters/reader/lists/", {"newsletters": [weekly.slug]}).status_code == 403
    )
    # What the reader page's form carries: the token matching the browser's CSRF cookie.
    token_value = "k" * 32
    client.cookies["csrftoken"] = token_value
    response = client.post(
        "/newsletters/reader/lists/",
        {"newsletters": [weekly.slug], "csrfmiddlewaretoken": token_value},
        REMOTE_ADDR="192.0.2.8",
    )
    assert response.status_code == 303
    assert response["Location"].endswith("#section-newsletters")
    subscriber = Subscriber.objects.get(email="ann@example.com")
    assert subscriber.user == reader
    assert subscriber.subscriptions.get(newsletter=daily).status == SubscriptionStatus.UNSUBSCRIBED
    row = subscriber.subscriptions.get(newsletter=weekly)
    assert row.status == SubscriptionStatus.ACTIVE
    assert row.source == "reader" and row.confirmed_at is not None
    assert row.consent_ip == "192.0.2.8"
    assert smtp_server.wait_for(1, timeout=0.3) == []


def test_saving_choices_needs_a_signed_in_reader(client, lists):
    daily, _ = lists
    response = client.post("/newsletters/reader/lists/", {"newsletters": [daily.slug]})
    assert response.status_code == 302
    assert not ListSubscription.objects.exists()


def test_export_has_the_consent_record_and_what_was_sent(reader, lists):
    daily, weekly = lists
    subscriptions.request_subscription(
        email="ann@example.com",
        newsletters=[daily],
        source="form",
        ip="203.0.113.5",
        name="Ann",
        user=reader,
    )
    subscriber = Subscriber.objects.get(email="ann@example.com")
    delivery = _sent(subscriber, daily, "Monday's briefing")
    [exported] = reader_data.export(reader)
    assert exported["email"] == "ann@example.com" and exported["name"] == "Ann"
    [row] = exported["subscriptions"]
    assert row["newsletter"] == "Daily briefing" and row["status"] == "active"
    assert row["source"] == "form" and row["consent_ip"] == "203.0.113.5"
    assert row["requested_at"] and row["confirmed_at"]
    assert exported["deliveries"] == [
        {
            "issue": "Monday's briefing",
            "newsletter_id": daily.pk,
            "status": "sent",
            "sent_at": delivery.sent_at.isoformat(),
        }
    ]


def test_erase_removes_the_subscriber_and_blanks_the_ledger(reader, lists):
    daily, _ = lists
    subscriptions.import_confirmed(email="ann@example.com", newsletters=[daily])
    subscriptions.import_confirmed(email="other@example.com", newsletters=[daily])
    delivery = _sent(Subscriber.objects.get(email="ann@example.com"), daily, "Issue 1")
    reader_data.erase(reader)
    assert not Subscriber.objects.filter(email="ann@example.com").exists()
    assert ListSubscription.objects.count() == 1
    delivery.refresh_from_db()
    assert delivery.subscriber is None and delivery.email == ""
    assert delivery.status == "sent"  # the issue's counts stay right
    assert reader_data.export(reader) == []


def test_email_change_moves_the_subscriber(reader, lists):
    daily, _ = lists
    subscriptions.set_reader_lists(user=reader, newsletters=[daily])
    reader_data.email_changed(reader, "ann@example.com", "Ann@New.example")
    subscriber = Subscriber.objects.get(user=reader)
    assert subscriber.email == "ann@new.example"
    assert subscriber.subscriptions.get().status == SubscriptionStatus.ACTIVE
    assert not Subscriber.objects.filter(email="ann@example.com").exists()


def test_email_change_merges_into_an_existing_subscriber(reader, lists):
    daily, weekly = lists
    subscriptions.set_reader_lists(user=reader, newsletters=[daily])
    old = Subscriber.objects.get(user=reader)
    first = _sent(old, daily, "Issue 1")
    second = _sent(old, weekly, "Issue 2")
    # The new address already had a pending daily request, an active weekly, and issue 2.
    subscriptions.request_subscription(email="ann@new.example", newsletters=[daily], source="form")
    subscriptions.import_confirmed(email="ann@new.example", newsletters=[weekly])
    target = Subscriber.objects.get(email="ann@new.example")
    Delivery.objects.create(issue=second.issue, subscriber=target, email=target.email)

    reader_data.email_changed(reader, "ann@example.com", "ann@new.example")
    assert not Subscriber.objects.filter(pk=old.pk).exists()
    target.refresh_from_db()
    assert target.user == reader
    statuses = {row.newsletter_id: row.status for row in target.subscriptions.all()}
    assert statuses == {daily.pk: SubscriptionStatus.ACTIVE, weekly.pk: SubscriptionStatus.ACTIVE}
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.subscriber == target
    assert second.subscriber is None and second.email == ""
    assert Delivery.objects.filter(issue=second.issue, subscriber=target).count() == 1
