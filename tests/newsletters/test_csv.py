"""Subscribers in the admin: search and filters, an address's consent record, CSV export
(streamed, spreadsheet-safe) and CSV import under either confirmation policy, including
hostile files."""

import csv
import io

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.models import ModelLogEntry

from masthead.newsletters import csv_io
from masthead.newsletters.models import (
    ListSubscription,
    Subscriber,
    SubscriberStatus,
    SubscriptionStatus,
)
from tests.newsletters.admin_support import make_list, staff_client, subscribe, text_of

pytestmark = pytest.mark.django_db

SUBSCRIBERS = "/admin/newsletters/subscribers/"
EXPORT = SUBSCRIBERS + "export/"
IMPORT = SUBSCRIBERS + "import/"


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("boss", "boss@example.org", "x"))
    return client


@pytest.fixture
def lists():
    daily, weekly = make_list(), make_list(name="Weekly analysis", slug="weekly")
    subscribe(daily, "ann@mail.example", name="Ann Archer", consent_ip="203.0.113.7")
    subscribe(weekly, "ann@mail.example")
    subscribe(daily, "bob@mail.example", name="Bob Baker")
    subscribe(weekly, "pending@mail.example", status=SubscriptionStatus.PENDING)
    subscribe(daily, "left@mail.example", status=SubscriptionStatus.UNSUBSCRIBED)
    bounced = subscribe(daily, "bounced@mail.example").subscriber
    bounced.status, bounced.status_reason = SubscriberStatus.BOUNCED, "550 no such user"
    bounced.save()
    complained = subscribe(weekly, "angry@mail.example").subscriber
    complained.status = SubscriberStatus.COMPLAINED
    complained.save()
    return {"daily": daily, "weekly": weekly}


def listed(response) -> list[str]:
    soup = BeautifulSoup(response.content, "html.parser")
    return sorted(cell.get_text(strip=True) for cell in soup.select("tbody tr td:nth-of-type(1) a"))


def exported(response) -> list[dict]:
    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def upload(content, name="people.csv") -> SimpleUploadedFile:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="text/csv")


def post_import(client, content, *, lists, policy="confirm", evidence="", name="people.csv"):
    """Post the import form; a valid file leads to the import's report page (its parts run
    at once here: the tests' task backend is immediate)."""
    response = client.post(
        IMPORT,
        {
            "file": upload(content, name),
            "newsletters": [n.pk for n in lists],
            "policy": policy,
            "consent_evidence": evidence,
        },
    )
    if response.status_code == 302:
        assert response["Location"].startswith(IMPORT)
        return client.get(response["Location"])
    return response


# --- listing ----------------------------------------------------------------------


def test_search_by_email_or_name(admin_client, lists):
    assert listed(admin_client.get(SUBSCRIBERS, {"q": "baker"})) == ["bob@mail.example"]
    assert listed(admin_client.get(SUBSCRIBERS, {"q": "ANN@"})) == ["ann@mail.example"]


def test_filter_by_list_and_subscription_status_together(admin_client, lists):
    weekly = lists["weekly"].pk
    assert listed(admin_client.get(SUBSCRIBERS, {"newsletter": weekly})) == [
        "angry@mail.example",
        "ann@mail.example",
        "pending@mail.example",
    ]
    assert listed(
        admin_client.get(SUBSCRIBERS, {"newsletter": weekly, "subscription_status": "pending"})
    ) == ["pending@mail.example"]
    # Pending on weekly, not pending somewhere and on daily somewhere else.
    daily = lists["daily"].pk
    assert (
        listed(
            admin_client.get(SUBSCRIBERS, {"newsletter": daily, "subscription_status": "pending"})
        )
        == []
    )
    assert listed(admin_client.get(SUBSCRIBERS, {"subscription_status": "unsubscribed"})) == [
        "left@mail.example"
    ]


def test_filter_by_address_status(admin_client, lists):
    assert listed(admin_client.get(SUBSCRIBERS, {"status": "bounced"})) == ["bounced@mail.example"]
    assert listed(admin_client.get(SUBSCRIBERS, {"status": "complained"})) == ["angry@mail.example"]


def test_listing_shows_each_address_lists(admin_client, lists):
    response = admin_client.get(SUBSCRIBERS, {"q": "pending@"})
    assert "Weekly analysis (awaiting confirmation)" in text_of(response)


def test_subscriber_page_shows_consent_and_unsubscribes(admin_client, lists):
    ann = Subscriber.objects.get(email="ann@mail.example")
    page = admin_client.get(f"{SUBSCRIBERS}edit/{ann.pk}/")
    assert page.status_code == 200
    consent = BeautifulSoup(page.content, "html.parser").select_one(".newsletters-consent")
    text = consent.get_text(" ", strip=True)
    assert "Daily briefing" in text and "203.0.113.7" in text and "form" in text
    row = ListSubscription.objects.get(subscriber=ann, newsletter=lists["daily"])
    response = admin_client.post(f"{SUBSCRIBERS}{ann.pk}/unsubscribe/", {"subscription": row.pk})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == SubscriptionStatus.UNSUBSCRIBED
    assert row.unsubscribed_at is not None


def test_subscribers_need_permission(django_user_model, lists):
    issue_editor = staff_client(django_user_model, "issues", "change_issue", "view_issue")
    for url in (SUBSCRIBERS, EXPORT, IMPORT):
        response = issue_editor.get(url)
        assert response.status_code == 403 or response["Location"] == "/admin/", url
    viewer = staff_client(django_user_model, "viewer", "view_subscriber")
    assert viewer.get(SUBSCRIBERS).status_code == 200
    assert viewer.get(EXPORT).status_code == 200
    denied = viewer.get(IMPORT)
    assert denied.status_code == 403 or denied["Location"] == "/admin/"
    assert "Import CSV" not in text_of(viewer.get(SUBSCRIBERS))


# --- export -----------------------------------------------------------------------


def test_export_holds_the_filtered_rows(admin_client, lists):
    response = admin_client.get(EXPORT, {"newsletter": lists["daily"].pk})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = exported(response)
    assert list(rows[0]) == csv_io.EXPORT_HEADER
    assert sorted((r["email"], r["newsletter"], r["subscription_status"]) for r in rows) == [
        ("ann@mail.example", "daily", "active"),
        ("bob@mail.example", "daily", "active"),
        ("bounced@mail.example", "daily", "active"),
        ("left@mail.example", "daily", "unsubscribed"),
    ]
    ann = next(r for r in rows if r["email"] == "ann@mail.example")
    assert ann["name"] == "Ann Archer" and ann["source"] == "form" and ann["confirmed_at"]
    everything = exported(admin_client.get(EXPORT))
    assert len(everything) == 7  # one row per (address, list)
    bounced = exported(admin_client.get(EXPORT, {"status": "bounced"}))
    assert [(r["email"], r["status"]) for r in bounced] == [("bounced@mail.example", "bounced")]
    searched = exported(admin_client.get(EXPORT, {"q": "baker"}))
    assert [r["email"] for r in searched] == ["bob@mail.example"]


def test_export_cannot_carry_a_formula(admin_client, lists):
    daily = lists["daily"]
    subscribe(daily, "formula@mail.example", name='=HYPERLINK("http://evil.example","x")')
    subscribe(daily, "plus@mail.example", name="+1 555 0100")
    subscribe(daily, "at@mail.example", name="@SUM(A1:A2)")
    subscribe(daily, "minus@mail.example", name="-2+3")
    rows = {r["email"]: r["name"] for r in exported(admin_client.get(EXPORT))}
    assert rows["formula@mail.example"] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows["plus@mail.example"] == "'+1 555 0100"
    assert rows["at@mail.example"] == "'@SUM(A1:A2)"
    assert rows["minus@mail.example"] == "'-2+3"
    assert rows["ann@mail.example"] == "Ann Archer"


# --- import -----------------------------------------------------------------------


def test_import_form_states_the_policy(admin_client, lists):
    page = admin_client.get(IMPORT)
    assert page.status_code == 200
    text = text_of(page)
    assert "Send each address a confirmation email (double opt-in; recommended)" in text
    assert "These people already consented; I can show that consent" in text
    assert "never subscribed again by an import" in text
    response = admin_client.post(
        IMPORT, {"file": upload("email\nx@mail.example\n"), "newsletters": [lists["daily"].pk]}
    )
    assert response.status_code == 400
    assert "Choose how these addresses confirm" in text_of(response)
    assert not Subscriber.objects.filter(email="x@mail.example").exists()


def test_import_with_confirmation_sends_mail_and_leaves_them_pending(
    admin_client, lists, smtp_server, django_capture_on_commit_callbacks
):
    content = (
        "Name,Email\r\n"
        "Cara Cole,Cara@Mail.Example\r\n"
        "Dan Dale,dan@mail.example\r\n"
        "Ann again,ann@mail.example\r\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post_import(admin_client, content, lists=[lists["daily"]])
    assert response.status_code == 200
    report = text_of(response)
    assert "3 rows read" in report
    assert "2 confirmation emails sent" in report
    assert "1 already subscribed" in report
    smtp_server.wait_for(2)
    assert sorted(m.envelope_to[0] for m in smtp_server.messages) == [
        "cara@mail.example",
        "dan@mail.example",
    ]
    cara = ListSubscription.objects.get(subscriber__email="cara@mail.example")
    assert (cara.status, cara.source, cara.confirmed_at) == (
        SubscriptionStatus.PENDING,
        "import",
        None,
    )
    assert cara.subscriber.name == "Cara Cole"


def test_import_of_attested_consent_subscribes_now_and_records_it(
    admin_client, lists, smtp_server, django_capture_on_commit_callbacks
):
    content = "email;name\ncara@mail.example;Cara Cole\ndan@mail.example;\n"
    refused = post_import(admin_client, content, lists=[lists["weekly"]], policy="consented")
    assert refused.status_code == 400
    assert "Say how these people consented" in text_of(refused)
    assert not Subscriber.objects.filter(email="cara@mail.example").exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = post_import(
            admin_client,
            content,
            lists=[lists["weekly"]],
            policy="consented",
            evidence="Signup sheet, book fair 2026",
        )
    assert response.status_code == 200
    assert "2 addresses subscribed now" in text_of(response)
    rows = ListSubscription.objects.filter(newsletter=lists["weekly"], source="import")
    assert sorted(rows.values_list("subscriber__email", "status")) == [
        ("cara@mail.example", SubscriptionStatus.ACTIVE),
        ("dan@mail.example", SubscriptionStatus.ACTIVE),
    ]
    assert all(row.confirmed_at is not None for row in rows)
    assert smtp_server.messages == []
    entry = ModelLogEntry.objects.get(action="newsletters.import")
    assert entry.user.username == "boss"
    assert entry.data["consent"] == "Signup sheet, book fair 2026"
    assert entry.data["rows"] == 2
    history = admin_client.get(f"/admin/newsletters/lists/history/{lists['weekly'].pk}/")
    assert "Imported 2 rows from “people.csv” (subscribed at once)" in text_of(history)


@pytest.mark.parametrize("policy", ["confirm", "consented"])
def test_import_never_resubscribes_those_who_left_bounced_or_complained(
    admin_client, lists, smtp_server, django_capture_on_commit_callbacks, policy
):
    content = (
        "email\nleft@mail.example\nbounced@mail.example\nangry@mail.example\nnew@mail.example\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post_import(
            admin_client,
            content,
            lists=[lists["daily"], lists["weekly"]],
            policy=policy,
            evidence="Paper forms",
        )
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    refused = [
        [td.get_text(strip=True) for td in row.select("td")]
        for row in soup.select("table.newsletters-refused tbody tr")
    ]
    assert ["3", "bounced@mail.example", "bounced"] in refused
    assert ["4", "angry@mail.example", "complained"] in refused
    assert ["2", "left@mail.example", "unsubscribed from Daily briefing"] in refused
    left = ListSubscription.objects.get(
        subscriber__email="left@mail.example", newsletter__slug="daily"
    )
    assert left.status == SubscriptionStatus.UNSUBSCRIBED
    for email in ("bounced@mail.example", "angry@mail.example"):
        subscriber = Subscriber.objects.get(email=email)
        assert subscriber.status != SubscriberStatus.ACTIVE
        assert subscriber.subscriptions.count() == 1  # only the list they were on before
        assert smtp_server.to(email) == []
    # Leaving Daily says nothing about Weekly, which they never were on.
    on_weekly = ListSubscription.objects.get(
        subscriber__email="left@mail.example", newsletter__slug="weekly"
    )
    if policy == "consented":
        assert on_weekly.status == SubscriptionStatus.ACTIVE
        assert smtp_server.messages == []
    else:
        assert on_weekly.status == SubscriptionStatus.PENDING
        assert len(smtp_server.to("left@mail.example")) == 1
    new = ListSubscription.objects.filter(subscriber__email="new@mail.example")
    assert new.count() == 2


def test_hostile_rows_are_reported_by_line_and_nothing_else_changes(
    admin_client, lists, smtp_server, django_capture_on_commit_callbacks
):
    content = (
        "email,name\n"
        "good@mail.example,Good Person\n"  # line 2
        "not-an-address,Someone\n"  # line 3
        '"evil@mail.example","Line\r\nBcc: all@mail.example"\n'  # lines 4-5
        '"inject@mail.example\r\nBcc: x@mail.example",Name\n'  # lines 6-7
        + "long"
        + "x" * 260
        + "@mail.example,Long\n"  # line 8
        '=HYPERLINK("http://evil.example"),Formula\n'  # line 9
        'formula@mail.example,"=1+2"\n'  # line 10
        "good@mail.example,Twice\n"  # line 11
        ",No address\n"  # line 12
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post_import(
            admin_client, content, lists=[lists["daily"]], policy="consented", evidence="Forms"
        )
    assert response.status_code == 200
    report = text_of(response)
    assert "9 rows read" in report
    assert "2 addresses subscribed now" in report
    assert "6 invalid rows skipped" in report
    assert "1 repeated address skipped (lines 11)" in report
    soup = BeautifulSoup(response.content, "html.parser")
    invalid_lines = [
        row.select_one("td").get_text(strip=True)
        for row in soup.select("table.newsletters-invalid tbody tr")
    ]
    assert invalid_lines == ["3", "4", "6", "8", "9", "12"]
    assert sorted(
        Subscriber.objects.filter(subscriptions__source="import").values_list("email", "name")
    ) == [("formula@mail.example", "=1+2"), ("good@mail.example", "Good Person")]
    assert not Subscriber.objects.filter(email__contains="evil").exists()
    assert not Subscriber.objects.filter(email__contains="bcc").exists()
    # The formula name is kept as typed, and neutralised on the way out.
    rows = {r["email"]: r["name"] for r in exported(admin_client.get(EXPORT))}
    assert rows["formula@mail.example"] == "'=1+2"


@pytest.mark.parametrize(
    "content, message",
    [
        ("email,name\nzoë@mail.example,Zoë\n".encode("latin-1"), "not UTF-8 text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not"),
        ("name,address\nAnn,ann@mail.example\n", "one of them must be “email”"),
        ("", "empty"),
        ("email\n", "no addresses"),
        ('email\n"unclosed@mail.example\n', "cannot be read as CSV"),
    ],
    ids=["latin-1", "binary", "no-email-column", "empty", "header-only", "broken-quote"],
)
def test_bad_files_are_form_errors_and_change_nothing(admin_client, lists, content, message):
    before = Subscriber.objects.count()
    response = post_import(admin_client, content, lists=[lists["daily"]], policy="confirm")
    assert response.status_code == 400
    soup = BeautifulSoup(response.content, "html.parser")
    errors = " ".join(e.get_text(" ", strip=True) for e in soup.select(".error-message"))
    assert message in errors, errors
    assert Subscriber.objects.count() == before


def test_a_file_too_large_or_too_long_is_refused(admin_client, lists, monkeypatch):
    monkeypatch.setattr(csv_io, "MAX_ROWS", 3)
    content = "email\n" + "".join(f"r{n}@mail.example\n" for n in range(4))
    response = post_import(admin_client, content, lists=[lists["daily"]], policy="confirm")
    assert response.status_code == 400
    assert "more than 3 rows" in text_of(response)
    monkeypatch.setattr(csv_io, "MAX_BYTES", 50)
    response = post_import(admin_client, content, lists=[lists["daily"]], policy="confirm")
    assert response.status_code == 400
    assert "larger than" in text_of(response)
    assert not Subscriber.objects.filter(email__startswith="r0@").exists()


def test_reading_rows_keeps_line_numbers_across_quoted_line_breaks():
    content = 'email,name\na@mail.example,"two\nlines"\n\nb@mail.example,B\n'
    rows = list(csv_io.read_rows(upload(content)))
    assert [(r.line, r.email) for r in rows] == [(2, "a@mail.example"), (5, "b@mail.example")]


def test_deleting_a_subscriber_keeps_delivery_counts_but_not_the_address(admin_client, lists):
    from masthead.newsletters.models import Delivery, DeliveryStatus, Issue

    bob = Subscriber.objects.get(email="bob@mail.example")
    issue = Issue.objects.create(newsletter=lists["daily"], subject="Sent", status="sent")
    Delivery.objects.create(issue=issue, subscriber=bob, email=bob.email, status="sent")
    response = admin_client.post(f"{SUBSCRIBERS}delete/{bob.pk}/")
    assert response.status_code == 302
    assert not Subscriber.objects.filter(email="bob@mail.example").exists()
    assert not ListSubscription.objects.filter(subscriber_id=bob.pk).exists()
    [row] = Delivery.objects.filter(issue=issue)
    assert (row.subscriber_id, row.email, row.status) == (None, "", DeliveryStatus.SENT)


def test_an_import_in_several_parts_adds_them_up(
    admin_client, lists, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(csv_io, "CHUNK_ROWS", 2)
    content = "email\n" + "".join(f"n{n}@mail.example\n" for n in range(5)) + "ann@mail.example\n"
    response = post_import(
        admin_client, content, lists=[lists["daily"]], policy="consented", evidence="Forms"
    )
    report = text_of(response)
    assert "Import done" in report
    assert "6 rows read" in report and "5 addresses subscribed now" in report
    assert "1 already subscribed" in report
    assert ListSubscription.objects.filter(source="import").count() == 5


def test_an_unfinished_import_page_refreshes_itself(admin_client, django_user_model, lists):
    from django.core.cache import cache

    from masthead.newsletters import import_jobs

    job = "0123456789abcdef0123456789abcdef"
    report = csv_io.ImportReport(rows=4)
    meta = {"parts": 2, "report": report.to_dict(), "consented": False}
    cache.set(import_jobs._key(job), {**meta, "newsletters": ["Daily briefing"], "file": "a.csv"})
    cache.set(import_jobs._key(job, 0), csv_io.ImportReport(added=2).to_dict())
    page = admin_client.get(f"{IMPORT}{job}/")
    assert page.status_code == 200
    soup = BeautifulSoup(page.content, "html.parser")
    assert soup.select_one("#newsletters-progress").has_attr("data-live")
    assert "1 of 2 parts done" in text_of(page)
    cache.set(import_jobs._key(job, 1), csv_io.ImportReport(added=1, already=1).to_dict())
    fragment = admin_client.get(f"{IMPORT}{job}/", {"fragment": "1"})
    assert "Import done" in text_of(fragment) and "3 confirmation emails sent" in text_of(fragment)
    assert not BeautifulSoup(fragment.content, "html.parser").select_one("[data-live]")
    assert admin_client.get(f"{IMPORT}{'f' * 32}/").status_code == 404
    assert admin_client.get(f"{IMPORT}not-a-job/").status_code == 404
    viewer = staff_client(django_user_model, "viewer", "view_subscriber")
    denied = viewer.get(f"{IMPORT}{job}/")
    assert denied.status_code == 403 or denied["Location"] == "/admin/"
