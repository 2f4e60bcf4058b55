"""Sending an issue through a real SMTP server: each subscriber once, with the right headers."""

import datetime as dt
import re
from collections import Counter

import pytest
import time_machine
from django.utils import timezone

from masthead.newsletters import sending, tokens
from masthead.newsletters.models import (
    Delivery,
    DeliveryStatus,
    IssueStatus,
    ListSubscription,
    NewsletterSettings,
    Subscriber,
    SubscriberStatus,
    SubscriptionStatus,
)
from tests.newsroom.factories import default_site, make_article

from .sending_support import make_issue, make_newsletter, subscribe_many
from .smtp_support import sink  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    settings.SITE_URL = "https://news.example"
    settings.NEWSLETTER_RETRY_SECONDS = 0.01
    settings.NEWSLETTER_BATCH_SIZE = 50


def _options(**fields) -> NewsletterSettings:
    options = NewsletterSettings.for_site(default_site())
    for name, value in fields.items():
        setattr(options, name, value)
    options.save()
    return options


def test_an_issue_to_1000_subscribers_delivers_exactly_1000_messages(sink):  # noqa: F811
    newsletter = make_newsletter()
    addresses = subscribe_many(newsletter, 1000)
    issue = make_issue(newsletter, articles=[make_article(title="Harbour plan approved")])

    sending.start_sending(issue)
    issue.refresh_from_db()
    assert issue.status == IssueStatus.SENDING and issue.recipients == 1000
    sent = sending.run(until_done=True, idle_seconds=0.01)

    assert sent == 1000
    assert sink.counts() == Counter({address: 1 for address in addresses})
    issue.refresh_from_db()
    assert issue.status == IssueStatus.SENT and issue.finished_at is not None
    assert Delivery.objects.filter(issue=issue, status=DeliveryStatus.SENT).count() == 1000
    recorded = set(Delivery.objects.filter(issue=issue).values_list("message_id", flat=True))
    assert {m["Message-ID"] for m in sink.messages()} == recorded


def test_each_message_has_unsubscribe_headers_and_visible_links(sink):  # noqa: F811
    newsletter = make_newsletter()
    subscribe_many(newsletter, 3)
    issue = make_issue(newsletter, articles=[make_article(title="Ferry fares to rise")])
    sending.start_sending(issue)
    sending.run(until_done=True, idle_seconds=0.01)

    assert sink.total == 3
    for address, message, raw in sink.received:
        subscriber = Subscriber.objects.get(email=address)
        unsubscribe = tokens.unsubscribe_url(subscriber.pk, newsletter.pk)
        head = raw.split(b"\r\n\r\n", 1)[0].decode()
        # One line, exactly the URL (not folded into encoded words).
        assert f"\r\nList-Unsubscribe: <{unsubscribe}>\r\n" in head + "\r\n"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["List-Id"] == "Daily briefing <daily-briefing.news.example>"
        assert message["From"] == "The Bellbuoy Desk <desk@news.example>"
        assert message["Reply-To"] == "letters@news.example"
        assert message["To"] == address
        assert message["Subject"] == "Tuesday: the harbour plan"
        text = message.get_body(preferencelist=("plain",)).get_content()
        html = message.get_body(preferencelist=("html",)).get_content()
        assert f"Unsubscribe: {unsubscribe}" in text
        assert f'href="{unsubscribe}"' in html and ">Unsubscribe</a>" in html
        assert f'href="{tokens.manage_url(subscriber.pk)}"' in html
        assert "Ferry fares to rise" in text and "Ferry fares to rise" in html


def test_only_active_subscribers_of_the_list_receive_it(sink):  # noqa: F811
    newsletter = make_newsletter()
    other = make_newsletter(name="Weekly analysis", slug="weekly-analysis")
    subscribe_many(newsletter, 3, prefix="yes")
    subscribe_many(other, 2, prefix="other")
    gone = subscribe_many(newsletter, 2, prefix="gone")
    bounced = subscribe_many(newsletter, 1, prefix="bounced")
    ListSubscription.objects.filter(subscriber__email__in=gone).update(
        status=SubscriptionStatus.UNSUBSCRIBED
    )
    Subscriber.objects.filter(email__in=bounced).update(status=SubscriberStatus.BOUNCED)
    issue = make_issue(newsletter)
    sending.start_sending(issue)
    sending.run(until_done=True, idle_seconds=0.01)
    assert sorted(sink.counts()) == [f"yes{n}@mail.example" for n in range(3)]


def test_an_issue_starts_only_once(sink):  # noqa: F811
    newsletter = make_newsletter()
    subscribe_many(newsletter, 2)
    issue = make_issue(newsletter)
    sending.start_sending(issue)
    with pytest.raises(sending.SendingError, match="cannot start again"):
        sending.start_sending(issue)
    sending.run(until_done=True, idle_seconds=0.01)
    with pytest.raises(sending.SendingError):
        sending.start_sending(issue)
    assert sink.total == 2 and Delivery.objects.filter(issue=issue).count() == 2


def test_a_550_refusal_fails_that_delivery_and_the_others_arrive(sink):  # noqa: F811
    newsletter = make_newsletter()
    addresses = subscribe_many(newsletter, 5)
    sink.refuse[addresses[2]] = "550 5.1.1 No such mailbox"
    issue = make_issue(newsletter)
    sending.start_sending(issue)
    sending.run(until_done=True, idle_seconds=0.01)

    assert sorted(sink.counts()) == sorted(set(addresses) - {addresses[2]})
    failed = Delivery.objects.get(issue=issue, email=addresses[2])
    assert failed.status == DeliveryStatus.FAILED and failed.attempts == 1
    assert failed.last_error.startswith("550")
    report = sending.progress(issue)
    assert report["sent"] == 4 and report["failed"] == 1 and report["status"] == IssueStatus.SENT
    assert report["recent_failures"][0]["email"] == addresses[2]


def test_other_permanent_refusals_retry_up_to_max_attempts(sink):  # noqa: F811
    _options(max_attempts=3)
    newsletter = make_newsletter()
    addresses = subscribe_many(newsletter, 3)
    sink.refuse[addresses[0]] = "554 5.7.1 Rejected for policy reasons"
    issue = make_issue(newsletter)
    sending.start_sending(issue)
    sending.run(until_done=True, idle_seconds=0.01)

    failed = Delivery.objects.get(issue=issue, email=addresses[0])
    assert failed.status == DeliveryStatus.FAILED and failed.attempts == 3
    assert sorted(sink.counts()) == sorted(addresses[1:])

    # After the address is fixed on the server, "retry failed" sends it, once.
    sink.refuse.clear()
    assert sending.retry_failed(issue) == 1
    sending.run(until_done=True, idle_seconds=0.01)
    assert sink.counts() == Counter({address: 1 for address in addresses})
    issue.refresh_from_db()
    assert issue.status == IssueStatus.SENT


def test_421_for_a_while_ends_with_exactly_one_message_each(sink):  # noqa: F811
    newsletter = make_newsletter()
    addresses = subscribe_many(newsletter, 60)
    sink.fail_next = 7
    issue = make_issue(newsletter)
    sending.start_sending(issue)
    sending.run(until_done=True, idle_seconds=0.01)

    assert sink.failed == 7
    assert sink.counts() == Counter({address: 1 for address in addresses})
    assert not Delivery.objects.filter(issue=issue).exclude(status=DeliveryStatus.SENT).exists()
    assert Delivery.objects.filter(issue=issue, attempts__gt=1).count() >= 1


def test_rate_limit_is_shared_per_minute(sink, monkeypatch):  # noqa: F811
    _options(emails_per_minute=5)
    newsletter = make_newsletter()
    subscribe_many(newsletter, 12)
    issue = make_issue(newsletter)
    start = dt.datetime(2026, 11, 26, 10, 0, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        # Waiting for the next minute moves the clock instead of sleeping.
        monkeypatch.setattr(sending, "_sleep", lambda seconds: traveller.shift(seconds))
        sending.start_sending(issue)
        sending.run(until_done=True, idle_seconds=0.0)
    minutes = Counter(
        sent_at.replace(second=0, microsecond=0)
        for sent_at in Delivery.objects.filter(issue=issue).values_list("sent_at", flat=True)
    )
    assert sink.total == 12
    assert sorted(minutes.values()) == [2, 5, 5]
    assert sorted(minutes) == [start + dt.timedelta(minutes=n) for n in range(3)]


def test_a_scheduled_issue_starts_when_due(sink):  # noqa: F811
    newsletter = make_newsletter()
    subscribe_many(newsletter, 2)
    issue = make_issue(newsletter)
    sending.schedule(issue, timezone.now() + dt.timedelta(hours=1))
    sending.maintenance()
    issue.refresh_from_db()
    assert issue.status == IssueStatus.SCHEDULED and sink.total == 0

    with time_machine.travel(timezone.now() + dt.timedelta(hours=1, seconds=1), tick=False):
        sending.run(until_done=True, idle_seconds=0.0)
    issue.refresh_from_db()
    assert issue.status == IssueStatus.SENT and sink.total == 2


def test_unschedule_returns_to_draft():
    issue = make_issue(make_newsletter())
    sending.schedule(issue, timezone.now() + dt.timedelta(days=1))
    sending.unschedule(issue)
    assert issue.status == IssueStatus.DRAFT and issue.scheduled_at is None
    with pytest.raises(sending.SendingError):
        sending.unschedule(issue)


def test_expired_leases_are_taken_back_and_fresh_ones_are_not(settings):
    settings.NEWSLETTER_CLAIM_LEASE_SECONDS = 60
    newsletter = make_newsletter()
    subscribe_many(newsletter, 4)
    issue = make_issue(newsletter)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sending, "_kick", lambda issue_id: None)
        sending.start_sending(issue)
    rows = sending.claim_batch(issue_id=issue.pk, owner="dead-worker", size=2)
    assert len(rows) == 2
    assert sending.claim_batch(issue_id=issue.pk, owner="other", size=5) != []
    assert sending.reclaim_expired() == 0
    Delivery.objects.filter(claimed_by="dead-worker").update(
        claimed_at=timezone.now() - dt.timedelta(seconds=61)
    )
    assert sending.reclaim_expired() == 2
    assert Delivery.objects.filter(status=DeliveryStatus.QUEUED).count() == 2


def test_send_test_marks_the_subject_and_reports_smtp_failure(sink):  # noqa: F811
    newsletter = make_newsletter()
    issue = make_issue(newsletter)
    sending.send_test(issue, " Editor@Example.com ")
    [message] = sink.messages()
    assert message["Subject"] == "[Test] Tuesday: the harbour plan"
    assert message["To"] == "editor@example.com"
    assert "/newsletters/unsubscribe/" not in message.get_body(("html",)).get_content()
    issue.refresh_from_db()
    assert issue.status == IssueStatus.DRAFT and not Delivery.objects.exists()

    sink.refuse["editor@example.com"] = "550 No such user"
    with pytest.raises(sending.SendingError, match="550"):
        sending.send_test(issue, "editor@example.com")
    sink.stop()
    with pytest.raises(sending.SendingError, match="could not be sent"):
        sending.send_test(issue, "editor@example.com")
    for bad in ["", "not an address", "a@b.example\r\nBcc: x@y.example", "x" * 250 + "@a.example"]:
        with pytest.raises(sending.SendingError, match="valid email"):
            sending.send_test(issue, bad)


def test_web_version_shows_only_sent_issues_without_personal_links(client, sink):  # noqa: F811
    newsletter = make_newsletter()
    subscribe_many(newsletter, 1)
    draft = make_issue(newsletter, subject="Not sent yet")
    issue = make_issue(newsletter, articles=[make_article(title="Harbour plan approved")])
    sending.start_sending(issue)
    sending.run(until_done=True, idle_seconds=0.01)

    page = client.get(f"/newsletters/archive/daily-briefing/{issue.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Harbour plan approved" in body and "Tuesday: the harbour plan" in body
    assert "MASTHEAD-" not in body and "/newsletters/unsubscribe/" not in body
    assert not re.search(r'\sstyle="', body)
    assert client.get(f"/newsletters/archive/daily-briefing/{draft.pk}/").status_code == 404
    assert client.get(f"/newsletters/archive/weekly/{issue.pk}/").status_code == 404

    archive = client.get("/newsletters/archive/daily-briefing/").content.decode()
    assert f"/newsletters/archive/daily-briefing/{issue.pk}/" in archive
    assert "Not sent yet" not in archive


def test_who_unsubscribes_during_a_send_does_not_get_it(sink, settings):  # noqa: F811
    settings.NEWSLETTER_BATCH_SIZE = 5
    newsletter = make_newsletter()
    addresses = subscribe_many(newsletter, 10)
    issue = make_issue(newsletter)
    sending.start_sending(issue)
    rows = sending.claim_batch(issue_id=issue.pk, owner="first")
    envelope = sending.Envelope(issue)
    options = NewsletterSettings.for_site(default_site())
    assert (
        sending.send_batch(
            issue_id=issue.pk, rows=rows, owner="first", envelope=envelope, options=options
        )
        == 5
    )
    # After the first batch went out, one reader leaves and another's address bounces.
    ListSubscription.objects.filter(subscriber__email=addresses[7]).update(
        status=SubscriptionStatus.UNSUBSCRIBED
    )
    Subscriber.objects.filter(email=addresses[8]).update(status=SubscriberStatus.BOUNCED)
    sending.run(until_done=True, idle_seconds=0.01)

    assert sorted(sink.counts()) == sorted(set(addresses) - {addresses[7], addresses[8]})
    skipped = Delivery.objects.filter(issue=issue, status=DeliveryStatus.FAILED)
    assert sorted(skipped.values_list("email", flat=True)) == [addresses[7], addresses[8]]
    assert sending.retry_failed(issue) == 0


def test_the_worker_runs_the_sending_job():
    """`masthead worker` calls every registered periodic job; sending is one of them."""
    from masthead.core import periodic

    assert ("newsletters.sending", sending.periodic) in periodic.jobs()
