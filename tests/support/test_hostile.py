"""Hostile input at the checkout and the pages: bad amounts, tampered hidden fields,
oversized text, script in names and messages, cross-site posts, webhooks."""

import re

import pytest

from masthead.support.models import Donation, DonationStatus, ProviderEvent

from .conftest import make_donation

pytestmark = pytest.mark.django_db


def _checkout(client, **fields):
    data = {
        "amount": "25",
        "currency": "USD",
        "frequency": "once",
        "provider": "offline",
        "email": "giver@example.com",
    }
    data.update(fields)
    extra = data.pop("headers", {})
    return client.post("/support/checkout/", data, headers=extra)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"custom_amount": "-5"}, "more than zero"),
        ({"custom_amount": "0"}, "more than zero"),
        ({"amount": "0"}, "more than zero"),
        ({"custom_amount": "99999999"}, "larger than"),
        ({"custom_amount": "10001"}, "largest amount"),
        ({"custom_amount": "0.5"}, "smallest amount"),
        ({"custom_amount": "1e9"}, "larger than"),
        ({"custom_amount": "ten"}, "as a number"),
        ({"custom_amount": "NaN"}, "as a number"),
        ({"custom_amount": "Infinity"}, "as a number"),
        ({"custom_amount": "12.345"}, "at most 2 decimal"),
        ({"amount": "", "custom_amount": ""}, "Choose or enter an amount"),
        ({"currency": "GBP"}, "currencies offered"),
        ({"currency": "XYZ"}, "currencies offered"),
        ({"frequency": "weekly"}, "one-time or monthly"),
        ({"provider": "evil"}, "payment methods offered"),
        ({"provider": "stripe"}, "payment methods offered"),  # not configured here
        ({"message": "x" * 501}, "at most 500"),
        ({"public_name": "x" * 81}, "at most 80"),
        ({"email": "nobody"}, "valid email"),
        ({"email": "a@example.com\nBcc: b@example.com"}, "line breaks"),
    ],
)
def test_bad_input_shows_the_form_again(client, support_settings, fields, message):
    response = _checkout(client, **fields)
    assert response.status_code == 400
    page = response.content.decode()
    assert message.lower() in page.lower()
    assert "no-store" in response["Cache-Control"]
    assert 'action="/support/checkout/"' in page  # the form is there to correct
    assert Donation.objects.count() == 0


def test_monthly_when_not_offered(client, support_settings):
    support_settings.monthly_enabled = False
    support_settings.save()
    assert _checkout(client, frequency="monthly").status_code == 400
    assert Donation.objects.count() == 0


def test_a_free_amount_wins_over_the_preset_and_zero_decimal_currencies(client, support_settings):
    support_settings.currencies = "USD,JPY"
    support_settings.save()
    assert _checkout(client, custom_amount="12.50").status_code == 303
    assert Donation.objects.get().amount == 1250
    Donation.objects.all().delete()
    assert _checkout(client, currency="JPY", custom_amount="500").status_code == 303
    assert Donation.objects.get().amount == 500
    assert _checkout(client, currency="JPY", custom_amount="500.5").status_code == 400


def test_cross_site_post_is_refused(client, support_settings):
    response = _checkout(client, headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    response = _checkout(client, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert Donation.objects.count() == 0


def test_script_is_escaped_on_the_page_and_in_the_receipt(
    client, support_settings, smtp_server, django_capture_on_commit_callbacks
):
    from masthead.support.providers.offline import provider

    name = '<script>alert("n")</script>'
    message = "<img src=x onerror=alert(1)><script>alert('m')</script>"
    assert (
        _checkout(client, public_name=name, message=message, show_publicly="on").status_code == 303
    )
    donation = Donation.objects.get()
    assert donation.public_name == name and donation.message == message  # stored as plain text
    with django_capture_on_commit_callbacks(execute=True):
        provider.complete(donation)
    page = client.get("/support/").content.decode()
    assert "&lt;script&gt;alert(&quot;n&quot;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script>alert" not in page and "<img src=x" not in page
    mail = smtp_server.wait_for(1)[0]
    assert "&lt;script&gt;" in mail.html() and "<script>" not in mail.html()
    assert "<img src=x" not in mail.html()
    assert "alert" not in mail["Subject"]


def test_bad_form_echoes_escaped(client, support_settings):
    response = _checkout(client, public_name='"><script>x()</script>', custom_amount="-1")
    page = response.content.decode()
    assert "<script>x()" not in page and "&lt;script&gt;x()" in page


def test_thanks_and_offline_pages_for_unknown_ids(client, support_settings):
    assert client.get("/support/thanks/00000000-0000-4000-8000-000000000000/").status_code == 404
    assert client.get("/support/thanks/not-a-uuid/").status_code == 404
    status = client.get("/support/thanks/00000000-0000-4000-8000-000000000000/status.json")
    assert status.status_code == 404
    assert status["Content-Type"] == "application/problem+json"


def test_offline_page_with_a_forged_token(client, support_settings):
    donation = make_donation()
    for token in ["", "forged", "abc:def:ghi"]:
        response = client.post(
            f"/support/offline/{donation.public_id}/", {"t": token, "action": "complete"}
        )
        assert response.status_code == 403
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING


def test_offline_page_refuses_other_providers_donations(client, support_settings):
    from masthead.support.tokens import offline_token

    donation = make_donation(provider="stripe")
    response = client.post(
        f"/support/offline/{donation.public_id}/",
        {"t": offline_token(donation.public_id), "action": "complete"},
    )
    assert response.status_code == 403
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING


def test_offline_page_unknown_action(client, support_settings):
    from masthead.support.tokens import offline_token

    donation = make_donation()
    response = client.post(
        f"/support/offline/{donation.public_id}/",
        {"t": offline_token(donation.public_id), "action": "refund"},
    )
    assert response.status_code == 400
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING


def test_membership_link_tampered(client, support_settings):
    from masthead.support.tokens import membership_token

    from .conftest import make_membership

    membership = make_membership()
    token = membership_token(membership)
    assert client.get(f"/support/membership/{token}/").status_code == 200
    for bad in [token[:-2] + "xx", "nonsense", "a:b:c"]:
        response = client.post(f"/support/membership/{bad}/", {"action": "cancel"})
        assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.status == "active"


def test_webhooks_of_unconfigured_or_unknown_providers(client, support_settings, settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.PAYPAL_CLIENT_ID = ""
    settings.PAYPAL_CLIENT_SECRET = ""
    settings.PAYPAL_WEBHOOK_ID = ""
    for name in ["stripe", "paypal", "offline", "evil"]:
        response = client.post(f"/support/webhooks/{name}/", b"{}", content_type="application/json")
        assert response.status_code == 404, name
        assert response["Content-Type"] == "application/problem+json"
    assert client.get("/support/webhooks/stripe/").status_code == 405
    assert ProviderEvent.objects.count() == 0


def test_membership_links_never_say_who_gives(client, support_settings, smtp_server):
    from .conftest import make_membership

    make_membership(email="member@example.com")
    known = client.post("/support/membership/", {"email": "member@example.com"})
    unknown = client.post("/support/membership/", {"email": "stranger@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert re.sub("member|stranger", "", known.content.decode().split("<main")[1]) == re.sub(
        "member|stranger", "", unknown.content.decode().split("<main")[1]
    )
    assert [m["To"] for m in smtp_server.wait_for(1)] == ["member@example.com"]
    assert client.post("/support/membership/", {"email": "bad\r\nx"}).status_code == 400
