"""The offline provider's whole flow through HTTP: checkout, the confirmation page, the
thank-you page, the receipt at a real SMTP server, and the campaign goal's progress."""

import re
from urllib.parse import urlsplit

import pytest

from masthead.support import services
from masthead.support.models import Donation, DonationStatus, Membership, MembershipStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _run_on_commit(django_capture_on_commit_callbacks):
    """Receipts go out after the payment's transaction commits; run those callbacks."""
    global _on_commit
    _on_commit = django_capture_on_commit_callbacks
    yield
    _on_commit = None


_on_commit = None


def _checkout(client, **fields):
    data = {
        "amount": "25",
        "custom_amount": "",
        "currency": "USD",
        "frequency": "once",
        "provider": "offline",
        "email": "giver@example.com",
    }
    data.update(fields)
    return client.post("/support/checkout/", data)


def _complete(client, response, action="complete", **extra):
    location = response["Location"]
    page = client.get(location)
    assert page.status_code == 200
    token = re.search(r'name="t" value="([^"]+)"', page.content.decode())[1]
    path = urlsplit(location).path
    with _on_commit(execute=True):
        return client.post(path, {"t": token, "action": action, **extra})


def test_checkout_completes_through_the_offline_page(client, support_settings, smtp_server):
    support_settings.goal_enabled = True
    support_settings.goal_amount = 100
    support_settings.goal_currency = "USD"
    support_settings.save()
    before = services.campaign_progress(support_settings)
    assert before.raised == 0

    response = _checkout(client, public_name="Ada", message="Keep going", show_publicly="on")
    assert response.status_code == 303
    donation = Donation.objects.get()
    assert donation.status == DonationStatus.PENDING
    assert donation.amount == 2500 and donation.currency == "USD"
    assert response["Location"].startswith(f"/support/offline/{donation.public_id}/")

    # The return URL alone completes nothing.
    thanks = client.get(f"/support/thanks/{donation.public_id}/")
    assert "confirming your payment" in thanks.content.decode()
    assert "no-store" in thanks["Cache-Control"]
    assert client.get(f"/support/thanks/{donation.public_id}/status.json").json()["status"] == (
        "pending"
    )

    done = _complete(client, response)
    assert done.status_code == 303
    assert done["Location"] == f"/support/thanks/{donation.public_id}/"
    donation.refresh_from_db()
    assert donation.status == DonationStatus.COMPLETED
    page = client.get(done["Location"]).content.decode()
    assert "Thank you" in page and "confirming" not in page

    mail = smtp_server.wait_for(1)[0]
    assert mail["To"] == "giver@example.com"
    assert "$25" in mail.text() and "USD" in mail.text()
    assert donation.provider_payment_id in mail.text()
    donation.refresh_from_db()
    assert donation.receipt_sent_at is not None

    after = services.campaign_progress(support_settings)
    assert after.raised == 2500 and after.percent == 25
    support_page = client.get("/support/").content.decode()
    assert 'value="25"' in support_page and "$25" in support_page
    assert "Keep going" in support_page


def test_fail_then_the_thank_you_page_says_so(client, support_settings, smtp_server):
    response = _checkout(client)
    assert _complete(client, response, action="fail").status_code == 303
    donation = Donation.objects.get()
    assert donation.status == DonationStatus.FAILED
    page = client.get(f"/support/thanks/{donation.public_id}/").content.decode()
    assert "did not go through" in page
    assert smtp_server.messages == []


def test_quick_donation_asks_for_the_email_on_the_offline_page(
    client, support_settings, smtp_server
):
    response = client.post(
        "/support/checkout/",
        {"amount": "10", "currency": "USD", "frequency": "once", "provider": "offline"},
    )
    assert response.status_code == 303
    donation = Donation.objects.get()
    assert donation.email == "" and donation.amount == 1000
    _complete(client, response, email="Quick@Example.com")
    donation.refresh_from_db()
    assert donation.status == DonationStatus.COMPLETED and donation.email == "quick@example.com"
    assert smtp_server.wait_for(1)[0]["To"] == "quick@example.com"


def test_monthly_starts_a_membership_managed_by_the_mailed_link(
    client, support_settings, smtp_server
):
    from masthead.support.providers.offline import provider

    response = _checkout(client, frequency="monthly", amount="10")
    _complete(client, response)
    membership = Membership.objects.get()
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.provider_reference.startswith("offline-sub-")
    assert membership.amount == 1000
    mail = smtp_server.wait_for(1)[0]
    link = re.search(r"https?://\S+/support/membership/\S+/", mail.text())[0]
    path = urlsplit(link).path

    page = client.get(path)
    assert page.status_code == 200 and "$10 per month" in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert Membership.objects.get().status == MembershipStatus.ACTIVE  # GET changes nothing

    changed = client.post(path, {"action": "change", "amount": "15"})
    assert changed.status_code == 200
    assert Membership.objects.get().amount == 1500

    assert client.post(path, {"action": "change", "amount": "-3"}).status_code == 400
    assert client.post(path, {"action": "change", "amount": "999999"}).status_code == 400
    assert Membership.objects.get().amount == 1500

    with _on_commit(execute=True):
        provider.renew(membership)
    assert membership.payments.filter(status=DonationStatus.COMPLETED).count() == 2
    assert client.post(path, {"action": "cancel"}).status_code == 200
    assert Membership.objects.get().status == MembershipStatus.CANCELED
    assert "Change amount" not in client.get(path).content.decode()


def test_someone_elses_token_is_refused(client, support_settings):
    first = _checkout(client)
    second = _checkout(client, email="other@example.com")
    one, other = Donation.objects.order_by("created_at")
    token_of_first = re.search(r"t=(.+)$", first["Location"])[1]
    refused = client.post(
        f"/support/offline/{other.public_id}/", {"t": token_of_first, "action": "complete"}
    )
    assert refused.status_code == 403
    assert client.get(f"/support/offline/{other.public_id}/").status_code == 403
    assert client.get(second["Location"]).status_code == 200
    other.refresh_from_db()
    assert other.status == DonationStatus.PENDING


def test_offline_provider_refused_in_production(client, support_settings, settings):
    response = _checkout(client)
    settings.SUPPORT_OFFLINE_PROVIDER = False
    assert client.get(response["Location"]).status_code == 403
    token = re.search(r"t=(.+)$", response["Location"])[1]
    path = urlsplit(response["Location"]).path
    assert client.post(path, {"t": token, "action": "complete"}).status_code == 403
    assert Donation.objects.get().status == DonationStatus.PENDING
    # With no provider configured, the checkout refuses and nothing is stored.
    refused = _checkout(client)
    assert refused.status_code == 403
    assert Donation.objects.count() == 1
    assert "Test payment" not in client.get("/support/").content.decode()
