"""What readers see: the widget in the sidebar and after articles (by the settings), the
support page under the strict CSP, receipts for monthly support, and the webhook endpoints."""

import re
import uuid

import pytest
from django.utils import timezone

from masthead.support import mails, providers, services
from masthead.support.models import DonationStatus, Frequency, ProviderEvent
from masthead.support.providers.base import Event, EventKind, WebhookRejected
from tests.newsroom.factories import make_article, make_section

from .conftest import make_donation, make_membership

pytestmark = pytest.mark.django_db


def _html(response) -> str:
    return response.content.decode()


def test_sidebar_widget_on_every_page_and_assets_with_nonce(client, support_settings):
    page = _html(client.get("/"))
    assert 'class="box donate-box"' in page
    assert re.search(r'<script src="[^"]*support/donate[^"]*\.js" defer nonce="[^"]+">', page)
    assert re.search(r'<link rel="stylesheet" href="[^"]*support/support[^"]*\.css">', page)
    assert "Donate a quick $10" in page
    assert 'action="/support/checkout/"' in page
    assert "csrfmiddlewaretoken" not in page.split("donate-box")[1].split("</section>")[0]


def test_widgets_follow_the_settings(client, support_settings, django_capture_on_commit_callbacks):
    article = make_article(section=make_section("News"), title="Ferry timetable changes")
    support_settings.widget_after_articles = True
    support_settings.widget_in_sidebar = False
    support_settings.save()
    page = _html(client.get(article.url))
    assert "donate-box--article" in page
    assert 'class="box donate-box"' not in page
    assert "support/donate" in page  # the sidebar include still links the script
    after = page.split("donate-box--article")[1].split("</section>")[0]
    assert "nonce" not in after  # inside the cached article fragment

    with django_capture_on_commit_callbacks(execute=True):  # saving bumps the page generation
        support_settings.enabled = False
        support_settings.save()
    page = _html(client.get(article.url))
    assert "donate-box" not in page and "support/donate" not in page


def test_no_inline_styles_on_support_pages(client, support_settings):
    support_settings.goal_enabled = True
    support_settings.goal_amount = 100
    support_settings.save()
    make_donation(status=DonationStatus.COMPLETED, amount=3300, show_publicly=True,
                  public_name="Ada")  # fmt: skip
    page = _html(client.get("/support/"))
    assert ' style="' not in page
    assert '<progress class="support-goal__bar" max="100" value="33"' in page
    assert "Ada" in page
    # The sidebar's copy of the form is not repeated on the support page.
    assert page.count("data-donate-form") == 1


def test_support_page_without_monthly_or_quick(client, support_settings):
    support_settings.monthly_enabled = False
    support_settings.quick_amount = 0
    support_settings.save()
    page = _html(client.get("/support/"))
    assert 'value="monthly"' not in page
    assert "Donate a quick" not in page


def test_monthly_receipt_for_a_guest_has_the_management_link(support_settings):
    membership = make_membership(amount=1000)
    donation = make_donation(status=DonationStatus.COMPLETED, frequency=Frequency.MONTHLY,
                             amount=1000, membership=membership,
                             provider_payment_id="offline-pay-x")  # fmt: skip
    message = mails.receipt_message(donation)
    assert "/support/membership/" in message.body
    assert "$10" in message.body and "offline-pay-x" in message.body
    assert "Test payment" in message.body


def test_monthly_receipt_for_a_reader_points_to_the_reader_page(support_settings):
    from masthead.readers.services import get_or_create_reader

    reader = get_or_create_reader("reader@example.com")
    membership = make_membership(amount=1000, user=reader)
    donation = make_donation(status=DonationStatus.COMPLETED, frequency=Frequency.MONTHLY,
                             amount=1000, membership=membership, user=reader)  # fmt: skip
    message = mails.receipt_message(donation)
    assert "/reader/" in message.body and "/support/membership/" not in message.body


def test_receipt_goes_out_once(support_settings, smtp_server):
    donation = make_donation(status=DonationStatus.COMPLETED)
    assert mails.send_receipt(donation_id=donation.pk) is True
    assert mails.send_receipt(donation_id=donation.pk) is False
    pending = make_donation()
    assert mails.send_receipt(donation_id=pending.pk) is False
    assert len(smtp_server.wait_for(1)) == 1


class FakeProvider:
    name = "stripe"
    label = "Card"

    def __init__(self, events=None, reject=False):
        self.events = events or []
        self.reject = reject

    def is_configured(self):
        return True

    def parse_webhook(self, request):
        if self.reject:
            raise WebhookRejected("bad signature")
        return self.events


def test_webhook_applies_verified_events_and_rejects_bad_ones(client, support_settings,
                                                              monkeypatch):  # fmt: skip
    donation = make_donation(provider="stripe")
    completed = Event(provider="stripe", event_id="evt_web_1", kind=EventKind.PAYMENT_COMPLETED,
                      event_type="checkout.session.completed", occurred_at=timezone.now(),
                      donation_public_id=str(donation.public_id))  # fmt: skip
    monkeypatch.setattr(providers, "get", lambda name: FakeProvider(reject=True))
    rejected = client.post("/support/webhooks/stripe/", b"{}", content_type="application/json")
    assert rejected.status_code == 400
    assert rejected["Content-Type"] == "application/problem+json"
    assert ProviderEvent.objects.count() == 0

    monkeypatch.setattr(providers, "get", lambda name: FakeProvider([completed]))
    for _ in range(2):  # a replay answers 200 and changes nothing more
        ok = client.post("/support/webhooks/stripe/", b"{}", content_type="application/json")
        assert ok.status_code == 200
    donation.refresh_from_db()
    assert donation.status == DonationStatus.COMPLETED
    assert ProviderEvent.objects.count() == 1


def test_thank_you_page_shows_each_state(client, support_settings):
    for status, text in [
        (DonationStatus.PENDING, "confirming your payment"),
        (DonationStatus.COMPLETED, "has arrived"),
        (DonationStatus.FAILED, "did not go through"),
        (DonationStatus.REFUNDED, "was refunded"),
    ]:
        donation = make_donation(status=status)
        response = client.get(f"/support/thanks/{donation.public_id}/")
        assert text in _html(response), status
        assert "no-store" in response["Cache-Control"]
        assert ' style="' not in _html(response)


def test_membership_links_are_signed_per_membership(support_settings):
    from masthead.support import tokens

    first, second = make_membership(), make_membership()
    assert tokens.membership_from_token(tokens.membership_token(first)) == first
    assert tokens.membership_from_token(tokens.membership_token(second)) == second
    assert tokens.membership_from_token(str(uuid.uuid4())) is None
    assert services.current_settings().pk == support_settings.pk


def test_a_payment_shows_on_the_support_page_at_once_and_leaves_cached_pages_alone(
    settings, tmp_path, support_settings, django_capture_on_commit_callbacks
):
    from masthead.core.pagecache import current_generation
    from masthead.support.providers.offline import provider as offline
    from tests.core.pagecache_helpers import WSGIClient

    settings.PAGE_CACHE_GENERATION_FILE = tmp_path / "generation"
    wsgi = WSGIClient()
    support_settings.goal_enabled = True
    support_settings.goal_amount = 100
    support_settings.save()
    article = make_article(section=make_section("News"), title="Ferry timetable changes")
    wsgi.get(article.url)
    assert wsgi.get(article.url).header("X-Cache") == "HIT"
    before = current_generation()
    assert "<strong>$0</strong> raised" in wsgi.get("/support/").text

    donation = make_donation(status=DonationStatus.PENDING, amount=2500, provider="offline")
    with django_capture_on_commit_callbacks(execute=True):
        offline.complete(donation)

    # The support page is never cached, so its progress is live; a payment does not
    # empty the cache of every other page.
    assert "<strong>$25</strong> raised" in wsgi.get("/support/").text
    assert current_generation() == before
    assert wsgi.get(article.url).header("X-Cache") == "HIT"
