"""The newsletter admin: the menu, lists, composing an issue with articles, preview, test
send to a real SMTP server, send now, schedule, progress, retry, and who may do what."""

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from masthead.newsletters.models import (
    Delivery,
    DeliveryStatus,
    Issue,
    IssueKind,
    IssueStatus,
    SubscriberStatus,
    SubscriptionStatus,
)
from tests.newsletters.admin_support import (
    form_data,
    make_issue,
    make_list,
    staff_client,
    subscribe,
    text_of,
    with_articles,
)
from tests.newsroom.factories import make_article

pytestmark = pytest.mark.django_db

ISSUES = "/admin/newsletters/issues/"
LISTS = "/admin/newsletters/lists/"


@pytest.fixture
def admin_client(client, django_user_model):
    boss = django_user_model.objects.create_superuser("boss", "boss@example.org", "x")
    client.force_login(boss)
    return client


@pytest.fixture
def editor_client(django_user_model):
    """Composes and sends issues; may only look at lists."""
    return staff_client(
        django_user_model, "editor", "add_issue", "change_issue", "view_issue", "view_newsletter"
    )


@pytest.fixture
def viewer_client(django_user_model):
    """May see issues, previews and progress, and change nothing."""
    return staff_client(django_user_model, "viewer", "view_issue")


@pytest.fixture
def outsider_client(django_user_model):
    return staff_client(django_user_model, "outsider")


@pytest.fixture
def daily():
    newsletter = make_list()
    subscribe(newsletter, "ann@mail.example", name="Ann")
    subscribe(newsletter, "bob@mail.example")
    subscribe(newsletter, "pending@mail.example", status=SubscriptionStatus.PENDING)
    subscribe(newsletter, "gone@mail.example", status=SubscriptionStatus.UNSUBSCRIBED)
    bounced = subscribe(newsletter, "bounced@mail.example").subscriber
    bounced.status = SubscriberStatus.BOUNCED
    bounced.save()
    return newsletter


def denied(response) -> bool:
    """Wagtail answers a signed-in editor's forbidden request by sending them to the
    dashboard with a message (or with 403 outside its own views)."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"] == "/admin/"
    )


def _progress_numbers(response) -> dict:
    soup = BeautifulSoup(response.content, "html.parser")
    table = soup.select_one("table.newsletters-counts")
    return {
        row.th.get_text(strip=True): int(row.td.get_text(strip=True).replace(",", ""))
        for row in table.select("tbody tr")
    }


# --- menu and lists -----------------------------------------------------------


def test_menu_lists_issues_lists_and_subscribers_for_those_allowed(
    admin_client, editor_client, outsider_client
):
    page = admin_client.get("/admin/").content.decode()
    for url in (ISSUES, LISTS, "/admin/newsletters/subscribers/"):
        assert url in page
    editor_page = editor_client.get("/admin/").content.decode()
    assert ISSUES in editor_page
    assert "/admin/newsletters/subscribers/" not in editor_page
    outsider_page = outsider_client.get("/admin/").content.decode()
    assert ISSUES not in outsider_page
    assert denied(outsider_client.get(ISSUES))


def test_list_index_counts_active_and_pending_subscribers(admin_client, daily):
    make_list(name="Weekly analysis", slug="weekly")
    response = admin_client.get(LISTS)
    assert response.status_code == 200
    rows = [
        [td.get_text(" ", strip=True) for td in row.select("td")]
        for row in BeautifulSoup(response.content, "html.parser").select("tbody tr")
    ]
    daily_row = next(cells for cells in rows if any("Daily briefing" in c for c in cells))
    weekly_row = next(cells for cells in rows if any("Weekly analysis" in c for c in cells))
    # Ann and Bob; the bounced address and the unsubscribed one do not count.
    assert daily_row[-2:] == ["2", "1"]
    assert weekly_row[-2:] == ["0", "0"]


def test_create_a_list(admin_client):
    page = admin_client.get(LISTS + "new/")
    data = form_data(page.content.decode())
    data.update(
        name="Weekend reads",
        slug="weekend",
        description="Long pieces.",
        sender_name="Weekend desk",
        sender_email="weekend@news.example",
        reply_to="letters@news.example",
        frequency="weekly",
        is_active="on",
    )
    response = admin_client.post(LISTS + "new/", data)
    assert response.status_code == 302
    from masthead.newsletters.models import Newsletter

    created = Newsletter.objects.get(slug="weekend")
    assert (created.sender_email, created.reply_to) == (
        "weekend@news.example",
        "letters@news.example",
    )


def test_a_list_with_issues_is_not_deleted(admin_client, daily):
    make_issue(daily)
    response = admin_client.post(f"{LISTS}delete/{daily.pk}/")
    assert response.status_code == 302
    assert type(daily).objects.filter(pk=daily.pk).exists()


# --- composing ----------------------------------------------------------------


def test_compose_an_issue_with_chosen_articles(editor_client, daily):
    first = make_article(title="Harbour plan approved")
    second = make_article(title="Ferry strike ends")
    page = editor_client.get(ISSUES + "new/")
    assert page.status_code == 200
    data = form_data(page.content.decode())
    data.update(
        newsletter=str(daily.pk),
        subject="Tuesday briefing",
        preheader="Two stories",
        intro="Good morning.",
        kind=IssueKind.MANUAL,
        digest_days="7",
        digest_size="8",
    )
    response = editor_client.post(ISSUES + "new/", with_articles(data, [second, first]))
    assert response.status_code == 302, text_of(response)[:2000]
    issue = Issue.objects.get(subject="Tuesday briefing")
    assert response["Location"] == f"{ISSUES}edit/{issue.pk}/"
    assert [row.article_id for row in issue.chosen_articles.order_by("sort_order")] == [
        second.pk,
        first.pk,
    ]
    assert issue.status == IssueStatus.DRAFT
    assert issue.created_by.username == "editor"


def test_an_empty_hand_picked_issue_is_refused(editor_client, daily):
    data = form_data(editor_client.get(ISSUES + "new/").content.decode())
    data.update(newsletter=str(daily.pk), subject="Nothing", intro="", kind=IssueKind.MANUAL)
    response = editor_client.post(ISSUES + "new/", with_articles(data, []))
    assert response.status_code == 200
    assert "Choose at least one article" in text_of(response)
    assert not Issue.objects.filter(subject="Nothing").exists()


def test_the_article_chooser_offers_articles_only(editor_client, daily):
    page = editor_client.get(ISSUES + "new/").content.decode()
    assert "newsroom.articlepage" in page.lower()


def test_a_sent_issue_is_read_only(editor_client, daily):
    issue = make_issue(daily, status=IssueStatus.SENT)
    response = editor_client.get(f"{ISSUES}edit/{issue.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"{ISSUES}{issue.pk}/progress/"
    response = editor_client.post(f"{ISSUES}edit/{issue.pk}/", {"subject": "Changed"})
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.subject == "Tuesday: the harbour plan"
    # Nor deleted: its deliveries are the record of what was sent.
    assert editor_client.post(f"{ISSUES}delete/{issue.pk}/").status_code in (302, 403)
    assert Issue.objects.filter(pk=issue.pk).exists()


# --- preview and test send ------------------------------------------------------


def test_preview_shows_html_in_a_sandbox_and_the_text(viewer_client, daily):
    article = make_article(title="Harbour plan approved", standfirst="The council said yes.")
    issue = make_issue(daily, articles=[article], subject="Tuesday <b>briefing</b>")
    response = viewer_client.get(f"{ISSUES}{issue.pk}/preview/")
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    frame = soup.select_one("iframe.newsletters-preview-frame")
    assert frame.has_attr("sandbox") and not frame["sandbox"]  # no allowances at all
    assert "Harbour plan approved" in soup.select_one("pre.newsletters-preview-text").text
    # The viewer may not send, so there is no test form.
    assert soup.select_one("input[name=address]") is None

    html = viewer_client.get(frame["src"])
    assert html.status_code == 200
    assert html["Content-Type"].startswith("text/html")
    policy = html["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy and "script-src" not in policy
    assert {"private", "no-store"} <= set(html["Cache-Control"].replace(" ", "").split(","))
    body = html.content.decode()
    assert "Harbour plan approved" in body
    assert "Tuesday <b>briefing</b>" not in body  # the subject is escaped


def test_test_send_reaches_the_smtp_server(editor_client, daily, smtp_server):
    issue = make_issue(daily, articles=[make_article(title="Harbour plan approved")])
    page = editor_client.get(f"{ISSUES}{issue.pk}/preview/")
    assert 'value="editor@example.org"' in page.content.decode()  # the editor's own address
    response = editor_client.post(f"{ISSUES}{issue.pk}/preview/", {"address": "Desk@Mail.Example"})
    assert response.status_code == 302
    [message] = smtp_server.wait_for(1)
    assert message.envelope_to == ["desk@mail.example"]
    assert message["Subject"].startswith("[Test]")
    assert "Harbour plan approved" in message.text()
    assert "sent to desk@mail.example" in text_of(editor_client.get(response["Location"]))
    assert not Delivery.objects.exists()
    issue.refresh_from_db()
    assert issue.status == IssueStatus.DRAFT


def test_test_send_shows_the_smtp_error(editor_client, daily, settings):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    issue = make_issue(daily)
    response = editor_client.post(f"{ISSUES}{issue.pk}/preview/", {"address": "desk@mail.example"})
    assert response.status_code == 502
    error = BeautifulSoup(response.content, "html.parser").select_one(".newsletters-error")
    assert error is not None and "could not be sent" in error.text


@pytest.mark.parametrize(
    "address", ["not-an-address", "desk@mail.example\r\nBcc: all@mail.example", "a" * 250 + "@x.io"]
)
def test_test_send_refuses_bad_addresses(editor_client, daily, smtp_server, address):
    issue = make_issue(daily)
    response = editor_client.post(f"{ISSUES}{issue.pk}/preview/", {"address": address})
    assert response.status_code == 400
    assert smtp_server.messages == []


# --- sending --------------------------------------------------------------------


def test_send_page_states_the_recipients_and_send_now_delivers(
    editor_client, daily, smtp_server, django_capture_on_commit_callbacks
):
    issue = make_issue(daily, articles=[make_article(title="Harbour plan approved")])
    page = editor_client.get(f"{ISSUES}{issue.pk}/send/")
    assert page.status_code == 200
    assert "will go to 2 subscribers of Daily briefing" in text_of(page)
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(f"{ISSUES}{issue.pk}/send/", {"action": "send"})
    assert response.status_code == 302
    assert response["Location"] == f"{ISSUES}{issue.pk}/progress/"
    smtp_server.wait_for(2)
    assert sorted(m.envelope_to[0] for m in smtp_server.messages) == [
        "ann@mail.example",
        "bob@mail.example",
    ]
    assert sorted(Delivery.objects.values_list("email", "status")) == [
        ("ann@mail.example", DeliveryStatus.SENT),
        ("bob@mail.example", DeliveryStatus.SENT),
    ]
    progress = editor_client.get(response["Location"])
    assert _progress_numbers(progress) == {
        "Queued": 0,
        "Sending": 0,
        "Sent": 2,
        "Failed": 0,
        "Total": 2,
    }
    # Once sent, the send page sends nothing again.
    again = editor_client.post(f"{ISSUES}{issue.pk}/send/", {"action": "send"})
    assert again.status_code == 302
    assert len(smtp_server.messages) == 2


def test_schedule_in_the_past_is_refused(editor_client, daily):
    issue = make_issue(daily)
    past = timezone.localtime() - dt.timedelta(hours=1)
    response = editor_client.post(
        f"{ISSUES}{issue.pk}/send/",
        {"action": "schedule", "when": past.strftime("%Y-%m-%d %H:%M")},
    )
    assert response.status_code == 400
    assert "Choose a time in the future." in text_of(response)
    issue.refresh_from_db()
    assert (issue.status, issue.scheduled_at) == (IssueStatus.DRAFT, None)


def test_schedule_and_cancel(editor_client, daily):
    issue = make_issue(daily)
    when = (timezone.localtime() + dt.timedelta(days=1)).replace(second=0, microsecond=0)
    response = editor_client.post(
        f"{ISSUES}{issue.pk}/send/",
        {"action": "schedule", "when": when.strftime("%Y-%m-%d %H:%M")},
    )
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.status == IssueStatus.SCHEDULED
    assert issue.scheduled_at == when
    progress = editor_client.get(f"{ISSUES}{issue.pk}/progress/")
    assert "Cancel schedule" in text_of(progress)
    assert editor_client.get(f"{ISSUES}edit/{issue.pk}/").status_code == 302  # not editable

    response = editor_client.post(f"{ISSUES}{issue.pk}/unschedule/")
    assert response.status_code == 302
    issue.refresh_from_db()
    assert (issue.status, issue.scheduled_at) == (IssueStatus.DRAFT, None)
    assert editor_client.get(f"{ISSUES}edit/{issue.pk}/").status_code == 200


def _sent_issue_with_failures(newsletter):
    issue = make_issue(newsletter, status=IssueStatus.SENT, recipients=4)
    issue.started_at = timezone.now() - dt.timedelta(minutes=5)
    issue.finished_at = timezone.now()
    issue.save()
    subscribers = {s.subscriber.email: s.subscriber for s in newsletter.subscriptions.all()}
    Delivery.objects.create(
        issue=issue,
        subscriber=subscribers["ann@mail.example"],
        email="ann@mail.example",
        status=DeliveryStatus.SENT,
        attempts=1,
    )
    Delivery.objects.create(
        issue=issue,
        subscriber=subscribers["pending@mail.example"],
        email="pending@mail.example",
        status=DeliveryStatus.SENT,
        attempts=2,
    )
    Delivery.objects.create(
        issue=issue,
        subscriber=subscribers["bob@mail.example"],
        email="bob@mail.example",
        status=DeliveryStatus.FAILED,
        attempts=5,
        last_error="550 5.1.1 <bob@mail.example>: mailbox unavailable",
    )
    return issue


def test_progress_page_numbers_and_failures(viewer_client, daily):
    issue = _sent_issue_with_failures(daily)
    response = viewer_client.get(f"{ISSUES}{issue.pk}/progress/")
    assert response.status_code == 200
    assert {"private", "no-store"} <= set(response["Cache-Control"].replace(" ", "").split(","))
    assert _progress_numbers(response) == {
        "Queued": 0,
        "Sending": 0,
        "Sent": 2,
        "Failed": 1,
        "Total": 3,
    }
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one("progress")["value"] == "100"
    failures = soup.select_one("table.newsletters-failures").get_text(" ")
    assert "550 5.1.1" in failures and "bob@mail.example" in failures
    facts = soup.select_one(".newsletters-progress dl").get_text(" ", strip=True)
    assert "Attempts 8" in facts
    # A finished issue's page does not keep refreshing; a viewer gets no retry button.
    assert soup.select_one("#newsletters-progress").has_attr("data-live") is False
    assert "Retry" not in text_of(response)


def test_progress_of_a_sending_issue_refreshes_itself(viewer_client, daily):
    issue = make_issue(daily, status=IssueStatus.SENDING, recipients=1)
    Delivery.objects.create(issue=issue, email="ann@mail.example", status=DeliveryStatus.QUEUED)
    page = viewer_client.get(f"{ISSUES}{issue.pk}/progress/")
    soup = BeautifulSoup(page.content, "html.parser")
    box = soup.select_one("#newsletters-progress")
    assert box.has_attr("data-live")
    assert any("progress.js" in s.get("src", "") for s in soup.select("script[src]"))
    fragment = viewer_client.get(box["data-fragment-url"])
    assert fragment.status_code == 200
    assert b"<html" not in fragment.content
    assert _progress_numbers(fragment)["Queued"] == 1


def test_retry_failed_sends_the_failed_deliveries_again(
    editor_client, daily, smtp_server, django_capture_on_commit_callbacks
):
    issue = _sent_issue_with_failures(daily)
    page = editor_client.get(f"{ISSUES}{issue.pk}/progress/")
    assert "Retry 1 failed" in text_of(page)
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(f"{ISSUES}{issue.pk}/retry/")
    assert response.status_code == 302
    [message] = smtp_server.wait_for(1)
    assert message.envelope_to == ["bob@mail.example"]
    failed = Delivery.objects.get(email="bob@mail.example")
    assert failed.status == DeliveryStatus.SENT
    assert _progress_numbers(editor_client.get(f"{ISSUES}{issue.pk}/progress/"))["Failed"] == 0


def test_retry_counts_only_addresses_still_subscribed(editor_client, daily):
    from masthead.newsletters.subscriptions import unsubscribe

    issue = _sent_issue_with_failures(daily)
    bob = Delivery.objects.get(email="bob@mail.example").subscriber
    assert unsubscribe(bob.pk, daily.pk, source="test")
    page = text_of(editor_client.get(f"{ISSUES}{issue.pk}/progress/"))
    assert "Retry" not in page  # the one failed address has left the list
    assert "1 failed; addresses that have since unsubscribed or bounced are not retried" in page
    response = editor_client.post(f"{ISSUES}{issue.pk}/retry/")
    assert response.status_code == 302
    assert Delivery.objects.get(email="bob@mail.example").status == DeliveryStatus.FAILED


# --- permissions -----------------------------------------------------------------


def test_a_viewer_cannot_send_schedule_retry_or_test(viewer_client, daily, smtp_server):
    issue = make_issue(daily)
    sent = _sent_issue_with_failures(daily)
    assert denied(viewer_client.get(f"{ISSUES}{issue.pk}/send/"))
    assert denied(viewer_client.post(f"{ISSUES}{issue.pk}/send/", {"action": "send"}))
    assert denied(viewer_client.post(f"{ISSUES}{issue.pk}/preview/", {"address": "x@mail.example"}))
    assert denied(viewer_client.post(f"{ISSUES}{sent.pk}/retry/"))
    assert denied(viewer_client.get(f"{ISSUES}edit/{issue.pk}/"))
    issue.refresh_from_db()
    assert issue.status == IssueStatus.DRAFT
    assert smtp_server.messages == []
    assert Delivery.objects.filter(issue=sent, status=DeliveryStatus.FAILED).count() == 1


def test_an_outsider_sees_nothing(outsider_client, daily):
    issue = make_issue(daily)
    for url in (
        f"{ISSUES}{issue.pk}/preview/",
        f"{ISSUES}{issue.pk}/preview/email.html",
        f"{ISSUES}{issue.pk}/progress/",
        f"{ISSUES}{issue.pk + 1000}/progress/",  # no probing which ids exist
    ):
        assert denied(outsider_client.get(url)), url


def test_issue_listing_shows_status_recipients_and_sent(admin_client, daily):
    _sent_issue_with_failures(daily)
    make_issue(daily, subject="Next week's draft")
    response = admin_client.get(ISSUES)
    assert response.status_code == 200
    rows = [
        [td.get_text(" ", strip=True) for td in row.select("td")]
        for row in BeautifulSoup(response.content, "html.parser").select("tbody tr")
    ]
    sent_row = next(r for r in rows if "harbour plan" in r[0])
    assert sent_row[1:6] == ["Daily briefing", "Sent", "4", "2", "1"]
    assert any("Next week's draft" in r[0] and r[2] == "Draft" for r in rows)
    filtered = admin_client.get(ISSUES, {"status": "draft"})
    assert "harbour plan" not in text_of(filtered)


def test_dashboard_panel_shows_lists_and_the_latest_issue(editor_client, outsider_client, daily):
    _sent_issue_with_failures(daily)
    page = editor_client.get("/admin/")
    panel = BeautifulSoup(page.content, "html.parser").select_one(".newsletters-dashboard")
    assert panel is not None
    text = " ".join(panel.get_text(" ").split())
    assert "Daily briefing 2 1" in text  # two subscribed, one awaiting confirmation
    assert "Tuesday: the harbour plan (Daily briefing) — sent, 2 of 3 sent, 1 failed" in text
    outsider = outsider_client.get("/admin/")
    assert (
        BeautifulSoup(outsider.content, "html.parser").select_one(".newsletters-dashboard") is None
    )


def test_a_viewer_is_led_to_the_preview_of_a_draft(viewer_client, daily):
    issue = make_issue(daily)
    listing = BeautifulSoup(viewer_client.get(ISSUES).content, "html.parser")
    assert listing.select_one(f"a[href='{ISSUES}{issue.pk}/preview/']") is not None
    assert listing.select_one(f"a[href='{ISSUES}edit/{issue.pk}/']") is None
