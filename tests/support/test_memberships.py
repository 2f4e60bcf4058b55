"""A signed-in reader's support on /reader/: the section, cancel, export, erase, address change."""

import json

import pytest
from django.test import Client

from masthead.readers.services import get_or_create_reader
from masthead.support import reader_data
from masthead.support.models import Donation, DonationStatus, Membership, MembershipStatus

from .conftest import make_donation, make_membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(support_settings):
    return get_or_create_reader("ada@example.com")


@pytest.fixture
def signed_in(reader):
    client = Client()
    client.force_login(reader)
    return client


def test_section_lists_donations_and_cancels_a_membership(signed_in, reader):
    membership = make_membership(email="ada@example.com", user=reader, amount=1200)
    make_donation(status=DonationStatus.COMPLETED, email="ada@example.com", amount=3300)
    make_donation(status=DonationStatus.COMPLETED, email="bob@example.com", amount=7700)
    page = signed_in.get("/reader/").content.decode()
    assert "Your support" in page
    assert "$12 per month" in page and "$33" in page
    assert "$77" not in page  # someone else's
    assert "/support/membership/" in page

    response = signed_in.post("/reader/section/support/", {"cancel": str(membership.public_id)})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.CANCELED


def test_cannot_cancel_someone_elses_membership(signed_in):
    others = make_membership(email="bob@example.com")
    signed_in.post("/reader/section/support/", {"cancel": str(others.public_id)})
    signed_in.post("/reader/section/support/", {"cancel": "not-a-uuid"})
    others.refresh_from_db()
    assert others.status == MembershipStatus.ACTIVE


def test_export_has_donations_and_memberships_and_no_card_data(signed_in, reader):
    make_membership(email="ada@example.com", amount=500)
    make_donation(status=DonationStatus.COMPLETED, email="ada@example.com", amount=1234,
                  public_name="Ada", message="For the harbour story")  # fmt: skip
    data = json.loads(signed_in.get("/reader/export/").content)["support"]
    assert data["donations"][0]["amount"] == "12.34"
    assert data["donations"][0]["message"] == "For the harbour story"
    assert data["memberships"][0]["amount"] == "5.00"
    assert "card" not in json.dumps(data).lower()


def test_erase_anonymises_and_keeps_amounts(reader):
    donation = make_donation(status=DonationStatus.COMPLETED, email="ada@example.com",
                             user=reader, public_name="Ada", message="Hi",
                             show_publicly=True)  # fmt: skip
    make_membership(email="ada@example.com", public_name="Ada")
    kept = make_donation(email="bob@example.com", public_name="Bob")
    reader_data.erase(reader)
    donation.refresh_from_db()
    assert (donation.email, donation.user, donation.public_name, donation.message) == (
        "",
        None,
        "",
        "",
    )
    assert donation.show_publicly is False and donation.amount == 2500
    assert Membership.objects.get().email == ""
    kept.refresh_from_db()
    assert kept.public_name == "Bob"


def test_email_changed_moves_rows(reader):
    make_donation(email="ada@example.com")
    make_membership(email="ada@example.com")
    make_donation(email="bob@example.com")
    reader_data.email_changed(reader, "ada@example.com", "ada@new.example")
    assert Donation.objects.filter(email="ada@new.example", user=reader).count() == 1
    assert Membership.objects.get().email == "ada@new.example"
    assert Donation.objects.filter(email="bob@example.com").count() == 1
