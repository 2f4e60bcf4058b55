"""The "Support" admin: donations and memberships listings (filters, search), a donation's
detail with its provider events, CSV export, marking a refund through apply_event, the
payment providers page, and who may do what."""

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone

from masthead.support.models import (
    Donation,
    DonationStatus,
    Frequency,
    MembershipStatus,
    ProviderEvent,
)
from tests.support.conftest import make_donation, make_membership

pytestmark = pytest.mark.django_db

DONATIONS = "/admin/support/donations/"
MEMBERSHIPS = "/admin/support/memberships/"
PROVIDERS = "/admin/support/providers/"


def staff_client(django_user_model, username: str, *codenames: str) -> Client:
    """A signed-in admin user whose group has exactly these support permissions."""
    user = django_user_model.objects.create_user(username, f"{username}@example.org", "pw-12345")
    group = Group.objects.create(name=f"group of {username}")
    group.permissions.add(
        Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin")
    )
    for codename in codenames:
        group.permissions.add(
            Permission.objects.get(codename=codename, content_type__app_label="support")
        )
    user.groups.add(group)
    client = Client()
    client.force_login(user)
    return client


def at(day: str, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(
        dt.date.fromisoformat(day), dt.time(hour), tzinfo=timezone.get_current_timezone()
    )


def rows_of(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def denied(response) -> bool:
    # Wagtail answers a signed-in user without the permission with a redirect to the
    # dashboard and a message, or a 403, depending on the view.
    return response.status_code in (302, 403)


@pytest.fixture
def admin_client(client, django_user_model):
    boss = django_user_model.objects.create_superuser("boss", "boss@example.org", "x")
    client.force_login(boss)
    return client


@pytest.fixture
def viewer_client(django_user_model):
    """May see donations and memberships, and change nothing."""
    return staff_client(django_user_model, "viewer", "view_donation", "view_membership")


@pytest.fixture
def refunder_client(django_user_model):
    return staff_client(
        django_user_model, "refunder", "view_donation", "change_donation", "view_membership"
    )


@pytest.fixture
def outsider_client(django_user_model):
    return staff_client(django_user_model, "outsider")


@pytest.fixture
def donations():
    member = make_membership(email="member@example.com", amount=800, currency="EUR")
    return {
        "usd": make_donation(
            amount=2500,
            status=DonationStatus.COMPLETED,
            email="usd@example.com",
            public_name="Ada Reader",
            provider="stripe",
            completed_at=at("2026-02-10"),
            created_at=at("2026-02-10", 11),
        ),
        "jpy": make_donation(
            amount=1500,
            currency="JPY",
            status=DonationStatus.COMPLETED,
            email="yen@example.com",
            provider="paypal",
            provider_payment_id="CAPTURE-YEN-1",
            completed_at=at("2026-03-05"),
            created_at=at("2026-03-05", 11),
        ),
        "eur": make_donation(
            amount=800,
            currency="EUR",
            frequency=Frequency.MONTHLY,
            status=DonationStatus.COMPLETED,
            email="member@example.com",
            membership=member,
            completed_at=at("2026-03-01"),
            created_at=at("2026-03-01", 11),
        ),
        "pending": make_donation(
            amount=5000,
            email="pending@example.com",
            provider_reference="cs_test_pending_42",
            created_at=at("2026-01-20"),
        ),
        "failed": make_donation(
            amount=990,
            status=DonationStatus.FAILED,
            email="failed@example.com",
            created_at=at("2026-01-02"),
        ),
        "member": member,
    }


# --- donations listing ------------------------------------------------------------


def test_listing_shows_formatted_amounts_statuses_and_membership(admin_client, donations):
    page = admin_client.get(DONATIONS).content.decode()
    for email in ("usd@", "yen@", "member@", "pending@", "failed@"):
        assert email in page
    assert "$25" in page
    assert "¥1,500" in page  # zero-decimal: no cents invented
    assert "€8" in page
    assert "Ada Reader" in page
    assert f"{MEMBERSHIPS}{donations['member'].pk}/" in page
    assert f"{DONATIONS}{donations['usd'].pk}/" in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("status=completed", ["usd@", "yen@", "member@"], ["pending@", "failed@"]),
        ("status=failed", ["failed@"], ["usd@", "pending@"]),
        ("provider=paypal", ["yen@"], ["usd@", "member@"]),
        ("frequency=monthly", ["member@"], ["usd@", "yen@"]),
        ("currency=JPY", ["yen@"], ["usd@", "member@", "pending@"]),
        (
            "created_from=2026-01-01&created_to=2026-01-31",
            ["pending@", "failed@"],
            ["usd@", "yen@"],
        ),
        ("completed_from=2026-03-01&completed_to=2026-03-03", ["member@"], ["yen@", "usd@"]),
        # Not "ada": public ids are UUIDs, searched too, and hex can spell it.
        ("q=reader", ["usd@"], ["yen@", "pending@"]),
        ("q=cs_test_pending", ["pending@"], ["usd@"]),
        ("q=CAPTURE-YEN", ["yen@"], ["usd@"]),
    ],
)
def test_listing_filters_and_search(admin_client, donations, query, shown, hidden):
    response = admin_client.get(f"{DONATIONS}?{query}")
    assert response.status_code == 200
    page = response.content.decode()
    for email in shown:
        assert email in page, query
    for email in hidden:
        assert email not in page, query


def test_search_by_public_id(admin_client, donations):
    public_id = str(donations["failed"].public_id)
    page = admin_client.get(DONATIONS, {"q": public_id}).content.decode()
    assert "failed@" in page
    assert "usd@" not in page


# --- detail -------------------------------------------------------------------------


def test_detail_shows_every_field_and_only_its_provider_events(admin_client, donations):
    usd = donations["usd"]
    ProviderEvent.objects.create(
        provider="stripe",
        event_id="evt_mine_1",
        event_type="checkout.session.completed",
        outcome="completed",
        payload={"data": {"client_reference_id": str(usd.public_id)}},
    )
    ProviderEvent.objects.create(
        provider="stripe",
        event_id="evt_someone_else",
        event_type="checkout.session.completed",
        payload={"data": {"client_reference_id": str(donations["pending"].public_id)}},
    )
    page = admin_client.get(f"{DONATIONS}{usd.pk}/").content.decode()
    assert str(usd.public_id) in page
    assert usd.provider_reference in page
    assert "Ada Reader" in page and "usd@example.com" in page
    assert "2500 USD minor units" in page
    assert "evt_mine_1" in page
    assert "checkout.session.completed" in page
    assert "evt_someone_else" not in page
    assert "Mark as refunded" in page


# --- export -------------------------------------------------------------------------


def test_export_has_major_and_minor_amounts_with_currency(admin_client, donations):
    response = admin_client.get(f"{DONATIONS}export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    rows = {row["email"]: row for row in rows_of(response)}
    assert len(rows) == 5
    assert (rows["usd@example.com"]["amount"], rows["usd@example.com"]["amount_minor"]) == (
        "25.00",
        "2500",
    )
    assert rows["usd@example.com"]["currency"] == "USD"
    yen = rows["yen@example.com"]
    assert (yen["amount"], yen["amount_minor"], yen["currency"]) == ("1500", "1500", "JPY")
    assert rows["member@example.com"]["membership"] == str(donations["member"].public_id)
    assert rows["pending@example.com"]["status"] == "pending"


def test_export_holds_only_the_filtered_and_searched_donations(admin_client, donations):
    rows = rows_of(admin_client.get(f"{DONATIONS}export/?status=completed&q=example.com"))
    assert sorted(r["email"] for r in rows) == [
        "member@example.com",
        "usd@example.com",
        "yen@example.com",
    ]
    rows = rows_of(admin_client.get(f"{DONATIONS}export/?currency=JPY"))
    assert [r["email"] for r in rows] == ["yen@example.com"]


def test_export_quotes_formulas_away(admin_client, db):
    make_donation(
        public_name='=HYPERLINK("http://evil.example","x")',
        message="+SUM(A1:A9)",
        source_path="@cmd",
        failure_reason="-2+3",
        email="formula@example.com",
    )
    (row,) = rows_of(admin_client.get(f"{DONATIONS}export/"))
    assert row["public_name"] == '\'=HYPERLINK("http://evil.example","x")'
    assert row["message"] == "'+SUM(A1:A9)"
    assert row["source_path"] == "'@cmd"
    assert row["failure_reason"] == "'-2+3"
    assert row["email"] == "formula@example.com"


# --- marking a refund ---------------------------------------------------------------


def test_refund_get_asks_for_confirmation_and_changes_nothing(refunder_client, donations):
    usd = donations["usd"]
    response = refunder_client.get(f"{DONATIONS}{usd.pk}/refund/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "does not move any money" in page
    assert 'value="25.00"' in page
    usd.refresh_from_db()
    assert usd.status == DonationStatus.COMPLETED
    assert not ProviderEvent.objects.exists()


def test_refund_post_goes_through_apply_event_and_a_second_is_refused(refunder_client, donations):
    usd = donations["usd"]
    url = f"{DONATIONS}{usd.pk}/refund/"
    response = refunder_client.post(url, {"amount": "25.00"}, follow=True)
    assert response.status_code == 200
    assert "is recorded" in response.content.decode()
    usd.refresh_from_db()
    assert usd.status == DonationStatus.REFUNDED
    assert usd.refunded_amount == 2500
    assert usd.refunded_at is not None
    (event,) = ProviderEvent.objects.all()
    assert event.provider == "stripe"
    assert event.event_id.startswith("admin-refund-")
    assert event.event_type == "admin.refund"
    assert event.outcome == "refunded"
    assert event.payload["recorded_by"] == "refunder"
    # The event appears in the donation's history.
    assert event.event_id in refunder_client.get(f"{DONATIONS}{usd.pk}/").content.decode()

    again = refunder_client.post(url, {"amount": "25.00"})
    assert again.status_code == 409
    assert "already marked as refunded" in again.content.decode()
    assert ProviderEvent.objects.count() == 1


def test_partial_refund_records_the_amount(refunder_client, donations):
    jpy = donations["jpy"]
    refunder_client.post(f"{DONATIONS}{jpy.pk}/refund/", {"amount": "500"})
    jpy.refresh_from_db()
    assert (jpy.status, jpy.refunded_amount) == (DonationStatus.REFUNDED, 500)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("abc", "Please give the amount as a number"),
        ("0", "The amount must be more than zero."),
        ("-5", "The amount must be more than zero."),
        ("25.001", "USD amounts have at most 2 decimal places."),
        ("25.01", "At most the donation&#x27;s amount, $25."),
        ("", "This field is required."),
    ],
)
def test_refund_with_a_bad_amount_shows_the_form_again(refunder_client, donations, amount, message):
    usd = donations["usd"]
    response = refunder_client.post(f"{DONATIONS}{usd.pk}/refund/", {"amount": amount})
    assert response.status_code == 400
    assert message in response.content.decode()
    usd.refresh_from_db()
    assert (usd.status, usd.refunded_amount) == (DonationStatus.COMPLETED, 0)
    assert not ProviderEvent.objects.exists()


@pytest.mark.parametrize("which", ["pending", "failed"])
def test_only_completed_donations_can_be_refunded(refunder_client, donations, which):
    donation = donations[which]
    url = f"{DONATIONS}{donation.pk}/refund/"
    assert "only a completed donation" in refunder_client.get(url).content.decode()
    assert refunder_client.post(url, {"amount": "1"}).status_code == 409
    donation.refresh_from_db()
    assert donation.status == which
    assert not ProviderEvent.objects.exists()


def test_viewer_may_look_but_not_refund(viewer_client, donations):
    usd = donations["usd"]
    assert viewer_client.get(DONATIONS).status_code == 200
    detail = viewer_client.get(f"{DONATIONS}{usd.pk}/")
    assert detail.status_code == 200
    assert "Mark as refunded" not in detail.content.decode()
    assert denied(viewer_client.get(f"{DONATIONS}{usd.pk}/refund/"))
    assert denied(viewer_client.post(f"{DONATIONS}{usd.pk}/refund/", {"amount": "25.00"}))
    usd.refresh_from_db()
    assert usd.status == DonationStatus.COMPLETED
    assert not ProviderEvent.objects.exists()


def test_outsider_sees_nothing(outsider_client, donations):
    usd = donations["usd"]
    for url in (
        DONATIONS,
        f"{DONATIONS}export/",
        f"{DONATIONS}{usd.pk}/",
        MEMBERSHIPS,
        f"{MEMBERSHIPS}{donations['member'].pk}/",
        "/admin/support/totals/",
        "/admin/support/totals/export/",
        PROVIDERS,
    ):
        response = outsider_client.get(url)
        assert denied(response), url
        assert b"usd@example.com" not in response.content
    assert denied(outsider_client.post(f"{DONATIONS}{usd.pk}/refund/", {"amount": "25"}))
    usd.refresh_from_db()
    assert usd.status == DonationStatus.COMPLETED
    home = outsider_client.get("/admin/").content.decode()
    assert DONATIONS not in home


def test_menu_shows_support_to_those_who_may_see_it(viewer_client, db):
    home = viewer_client.get("/admin/").content.decode()
    for url in (DONATIONS, MEMBERSHIPS, "/admin/support/totals/", PROVIDERS):
        assert url in home


# --- memberships ---------------------------------------------------------------------


def test_memberships_listing_filters_and_detail_with_payments(viewer_client, donations):
    canceled = make_membership(
        email="gone@example.com",
        status=MembershipStatus.CANCELED,
        canceled_at=at("2026-03-10"),
        amount=500,
    )
    page = viewer_client.get(MEMBERSHIPS).content.decode()
    assert "member@example.com" in page and "gone@example.com" in page
    assert "€8/month" in page and "$5/month" in page
    page = viewer_client.get(f"{MEMBERSHIPS}?status=canceled").content.decode()
    assert "gone@example.com" in page and "member@example.com" not in page
    page = viewer_client.get(f"{MEMBERSHIPS}?q=member@").content.decode()
    assert "member@example.com" in page and "gone@example.com" not in page

    member = donations["member"]
    detail = viewer_client.get(f"{MEMBERSHIPS}{member.pk}/").content.decode()
    assert member.provider_reference in detail
    assert f"{DONATIONS}{donations['eur'].pk}/" in detail
    assert f"{DONATIONS}{donations['usd'].pk}/" not in detail
    assert "No payments yet." in viewer_client.get(f"{MEMBERSHIPS}{canceled.pk}/").content.decode()


# --- providers ----------------------------------------------------------------------

SECRETS = {
    "STRIPE_SECRET_KEY": "sk_test_51SecretStripeKeyValue",
    "STRIPE_WEBHOOK_SECRET": "whsec_SecretWebhookSigningValue",
    "PAYPAL_CLIENT_ID": "PayPalClientIdValue0123",
    "PAYPAL_CLIENT_SECRET": "PayPalClientSecretValue4567",
}


def test_providers_page_says_what_is_configured_and_never_a_secret(viewer_client, settings):
    for name, value in SECRETS.items():
        setattr(settings, name, value)
    settings.PAYPAL_WEBHOOK_ID = ""
    settings.PAYPAL_API_BASE = "https://api-m.sandbox.paypal.com"
    settings.SUPPORT_OFFLINE_PROVIDER = False
    settings.SITE_URL = "https://news.example"
    response = viewer_client.get(PROVIDERS)
    assert response.status_code == 200
    page = response.content.decode()
    for value in SECRETS.values():
        assert value not in page
        assert value[:8] not in page
        assert value[-6:] not in page
    assert "https://news.example/support/webhooks/stripe/" in page
    assert "https://news.example/support/webhooks/paypal/" in page
    assert "sandbox" in page
    stripe_part, rest = page.split('id="provider-paypal"')
    paypal_part, offline_part = rest.split('id="provider-offline"')
    assert "Configured" in stripe_part and "Not configured" not in stripe_part
    assert "Not configured" in paypal_part  # the webhook id is missing
    assert "PAYPAL_WEBHOOK_ID</code></dt><dd><strong>not set" in paypal_part
    assert "Not configured" in offline_part


def test_providers_page_with_everything_set(viewer_client, settings):
    for name, value in SECRETS.items():
        setattr(settings, name, value)
    settings.PAYPAL_WEBHOOK_ID = "WH-7Secret1234Webhook"
    settings.PAYPAL_API_BASE = "https://api-m.paypal.com"
    settings.SUPPORT_OFFLINE_PROVIDER = True
    page = viewer_client.get(PROVIDERS).content.decode()
    assert "Not configured" not in page
    assert page.count("Configured") >= 3
    assert "WH-7Secret1234Webhook" not in page
    assert "live" in page


def test_unknown_donation_is_404(admin_client, db):
    assert admin_client.get(f"{DONATIONS}999999/").status_code == 404
    assert admin_client.post(f"{DONATIONS}999999/refund/", {"amount": "1"}).status_code == 404
    assert not Donation.objects.exists()
