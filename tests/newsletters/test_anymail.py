"""Sending through an email service provider with django-anymail, and its webhooks: hard
bounces and complaints mark the address (and stop every later send to it), unsubscribes
take it off the list, soft bounces and forged requests change nothing.

The webhooks are anymail's own views at /newsletters/esp/, posted real payloads in the
providers' formats (Mailgun signed with its key, Postmark behind basic auth)."""

import base64
import hashlib
import hmac
import json
import time

import pytest
from django.core import mail

from masthead.newsletters.models import (
    Delivery,
    DeliveryStatus,
    IssueStatus,
    ListSubscription,
    Subscriber,
    SubscriberStatus,
    SubscriptionStatus,
)
from masthead.newsletters.subscriptions import active_subscriptions
from tests.newsletters.admin_support import make_issue, make_list, subscribe
from tests.newsroom.factories import make_article

pytestmark = pytest.mark.django_db

MAILGUN_KEY = "key-for-tests-0123456789"
WEBHOOK_SECRET = "esp-user:esp-secret-password"
MAILGUN_URL = "/newsletters/esp/mailgun/tracking/"
POSTMARK_URL = "/newsletters/esp/postmark/tracking/"


@pytest.fixture
def esp(settings):
    """Mail goes to anymail's test backend; the webhooks are set up as in production."""
    settings.MAILERS = {"default": {"BACKEND": "anymail.backends.test.EmailBackend"}}
    settings.ANYMAIL = {
        "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY,
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    mail.outbox = []
    return settings


@pytest.fixture
def lists():
    daily, weekly = make_list(), make_list(name="Weekly analysis", slug="weekly")
    subscribe(daily, "ann@mail.example")
    subscribe(weekly, "ann@mail.example")
    subscribe(daily, "bob@mail.example")
    return {"daily": daily, "weekly": weekly}


@pytest.fixture
def sent_issue(client, django_user_model, esp, lists, django_capture_on_commit_callbacks):
    """An issue of Daily sent from the admin through the ESP backend."""
    client.force_login(django_user_model.objects.create_superuser("boss", "boss@example.org", "x"))
    issue = make_issue(lists["daily"], articles=[make_article(title="Harbour plan approved")])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/newsletters/issues/{issue.pk}/send/", {"action": "send"})
    assert response.status_code == 302
    issue.refresh_from_db()
    return issue


def mailgun_post(client, event_data: dict, *, key: str = MAILGUN_KEY):
    timestamp, token = str(int(time.time())), "a" * 50
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    body = {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature},
        "event-data": {"timestamp": time.time(), "id": "evt-1", **event_data},
    }
    # Mailgun signs its posts; the URL pasted in its dashboard also carries the basic-auth
    # WEBHOOK_SECRET, which anymail checks for every provider.
    return client.post(
        MAILGUN_URL, json.dumps(body), content_type="application/json", **basic_auth(WEBHOOK_SECRET)
    )


def basic_auth(auth: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(auth.encode()).decode()}


def postmark_post(client, payload: dict, *, auth: str = WEBHOOK_SECRET):
    return client.post(
        POSTMARK_URL, json.dumps(payload), content_type="application/json", **basic_auth(auth)
    )


def postmark_bounce(email: str, kind: str = "HardBounce", **fields) -> dict:
    return {
        "RecordType": "Bounce",
        "ID": 4323372036854775807,
        "Type": kind,
        "TypeCode": 1 if kind == "HardBounce" else 4096,
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Description": "The server was unable to deliver your message (ex: unknown user).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": email,
        "BouncedAt": "2026-11-26T16:09:19Z",
        "Inactive": True,
        "Metadata": {},
        **fields,
    }


def delivery_to(issue, email) -> Delivery:
    return Delivery.objects.get(issue=issue, email=email)


# --- sending through the ESP backend -------------------------------------------------


def test_an_issue_goes_out_through_the_esp_backend(sent_issue):
    assert sent_issue.status == IssueStatus.SENT
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@mail.example", "bob@mail.example"]
    for message in mail.outbox:
        # Anymail accepted each one and gave it the ESP's id.
        assert message.anymail_status.status == {"sent"}
        assert message.anymail_status.message_id is not None
        row = delivery_to(sent_issue, message.to[0])
        assert row.status == DeliveryStatus.SENT
        assert row.message_id and row.message_id == message.extra_headers["Message-ID"]
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        # The ESP echoes these in its webhooks, which find the delivery by them.
        assert message.metadata == {
            "issue": str(sent_issue.pk),
            "subscriber": str(row.subscriber_id),
        }


# --- Mailgun: matched by the Message-ID header -----------------------------------------


def test_mailgun_hard_bounce_marks_the_address_and_its_delivery(client, sent_issue):
    row = delivery_to(sent_issue, "ann@mail.example")
    response = mailgun_post(
        client,
        {
            "event": "failed",
            "severity": "permanent",
            "reason": "bounce",
            "recipient": "ann@mail.example",
            "message": {"headers": {"message-id": row.message_id.strip("<>")}},
            "delivery-status": {
                "code": 550,
                "message": "5.1.1 The email account that you tried to reach does not exist",
                "description": "",
            },
        },
    )
    assert response.status_code == 200
    ann = Subscriber.objects.get(email="ann@mail.example")
    assert ann.status == SubscriberStatus.BOUNCED
    assert "Mailgun" in ann.status_reason and "does not exist" in ann.status_reason
    row.refresh_from_db()
    assert row.last_error.startswith("Bounced")
    # No later issue of any list goes to a bounced address.
    assert not active_subscriptions(sent_issue.newsletter).filter(subscriber=ann).exists()
    bob = Subscriber.objects.get(email="bob@mail.example")
    assert bob.status == SubscriberStatus.ACTIVE


def test_mailgun_temporary_failure_changes_nothing(client, sent_issue):
    row = delivery_to(sent_issue, "ann@mail.example")
    response = mailgun_post(
        client,
        {
            "event": "failed",
            "severity": "temporary",
            "recipient": "ann@mail.example",
            "message": {"headers": {"message-id": row.message_id.strip("<>")}},
            "delivery-status": {"code": 452, "message": "4.2.2 Mailbox full"},
        },
    )
    assert response.status_code == 200
    assert Subscriber.objects.get(email="ann@mail.example").status == SubscriberStatus.ACTIVE


def test_mailgun_unsubscribe_leaves_only_that_issues_list(client, sent_issue, lists):
    row = delivery_to(sent_issue, "ann@mail.example")
    response = mailgun_post(
        client,
        {
            "event": "unsubscribed",
            "recipient": "ann@mail.example",
            "message": {"headers": {"message-id": row.message_id.strip("<>")}},
        },
    )
    assert response.status_code == 200
    states = dict(
        ListSubscription.objects.filter(subscriber__email="ann@mail.example").values_list(
            "newsletter__slug", "status"
        )
    )
    assert states == {"daily": SubscriptionStatus.UNSUBSCRIBED, "weekly": SubscriptionStatus.ACTIVE}
    assert Subscriber.objects.get(email="ann@mail.example").status == SubscriberStatus.ACTIVE


def test_mailgun_complaint_marks_the_address(client, sent_issue):
    row = delivery_to(sent_issue, "bob@mail.example")
    response = mailgun_post(
        client,
        {
            "event": "complained",
            "recipient": "bob@mail.example",
            "message": {"headers": {"message-id": row.message_id.strip("<>")}},
        },
    )
    assert response.status_code == 200
    bob = Subscriber.objects.get(email="bob@mail.example")
    assert bob.status == SubscriberStatus.COMPLAINED
    assert "Spam complaint" in bob.status_reason


def test_mailgun_forged_signature_is_refused(client, sent_issue):
    response = mailgun_post(
        client,
        {"event": "complained", "recipient": "bob@mail.example"},
        key="not-the-key",
    )
    assert response.status_code == 400
    assert Subscriber.objects.get(email="bob@mail.example").status == SubscriberStatus.ACTIVE


# --- Postmark: matched by the recipient, or by metadata ----------------------------------


def test_postmark_hard_bounce_by_recipient(client, esp, lists):
    response = postmark_post(client, postmark_bounce("Ann@Mail.Example"))
    assert response.status_code == 200
    ann = Subscriber.objects.get(email="ann@mail.example")
    assert ann.status == SubscriberStatus.BOUNCED
    assert "Postmark" in ann.status_reason and "unknown user" in ann.status_reason


def test_postmark_soft_bounce_changes_nothing(client, esp, lists):
    response = postmark_post(client, postmark_bounce("ann@mail.example", kind="SoftBounce"))
    assert response.status_code == 200
    assert Subscriber.objects.get(email="ann@mail.example").status == SubscriberStatus.ACTIVE


def test_postmark_without_the_secret_is_refused(client, esp, lists):
    response = postmark_post(client, postmark_bounce("ann@mail.example"), auth="esp-user:guess")
    assert response.status_code == 400
    assert Subscriber.objects.get(email="ann@mail.example").status == SubscriberStatus.ACTIVE


def test_postmark_complaint_outranks_a_bounce_and_is_not_undone(client, esp, lists):
    complaint = postmark_bounce("bob@mail.example", kind="SpamComplaint")
    complaint["RecordType"] = "SpamComplaint"
    assert postmark_post(client, postmark_bounce("bob@mail.example")).status_code == 200
    assert postmark_post(client, complaint).status_code == 200
    assert Subscriber.objects.get(email="bob@mail.example").status == SubscriberStatus.COMPLAINED
    assert postmark_post(client, postmark_bounce("bob@mail.example")).status_code == 200
    assert Subscriber.objects.get(email="bob@mail.example").status == SubscriberStatus.COMPLAINED


def test_postmark_suppression_with_metadata_unsubscribes_from_that_list(client, esp, lists):
    issue = make_issue(lists["weekly"], status=IssueStatus.SENT)
    ann = Subscriber.objects.get(email="ann@mail.example")
    Delivery.objects.create(
        issue=issue, subscriber=ann, email=ann.email, status=DeliveryStatus.SENT
    )
    response = postmark_post(
        client,
        {
            "RecordType": "SubscriptionChange",
            "MessageID": "a4909a96-73d6-4c49-b148-a54522d3f70a",
            "ChangedAt": "2026-11-26T16:09:19Z",
            "Recipient": "ann@mail.example",
            "SuppressSending": True,
            "SuppressionReason": "ManualSuppression",
            "Metadata": {"issue": str(issue.pk), "subscriber": str(ann.pk)},
        },
    )
    assert response.status_code == 200
    states = dict(
        ListSubscription.objects.filter(subscriber=ann).values_list("newsletter__slug", "status")
    )
    assert states == {"daily": SubscriptionStatus.ACTIVE, "weekly": SubscriptionStatus.UNSUBSCRIBED}


def test_an_event_for_an_unknown_address_is_accepted_and_ignored(client, esp, lists):
    before = list(Subscriber.objects.values_list("email", "status"))
    response = postmark_post(client, postmark_bounce("stranger@mail.example"))
    assert response.status_code == 200
    assert list(Subscriber.objects.values_list("email", "status")) == before
