"""Duplicates arriving at the same moment: one stored event, one change.

Each thread has its own database connection (closed when it finishes).  SQLite's
test database may refuse a writer on its lock instead of the unique key; either
way no second change ever happens.
"""

import threading
import uuid

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from masthead.support import services
from masthead.support.models import Donation, DonationStatus, Membership, ProviderEvent
from masthead.support.providers.base import Event, EventKind

from .conftest import make_donation, make_membership

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 6


def _race(make_event) -> list[str]:
    barrier = threading.Barrier(THREADS)
    outcomes = []

    def attempt(n):
        try:
            barrier.wait()
            outcomes.append(services.apply_event(make_event(n)))
        except OperationalError:
            outcomes.append("database_locked")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == THREADS
    return outcomes


def test_the_same_event_at_once_is_applied_once(support_settings):
    donation = make_donation()
    same = Event(
        provider="offline",
        event_id="evt-same",
        kind=EventKind.PAYMENT_COMPLETED,
        event_type="test",
        occurred_at=timezone.now(),
        donation_public_id=str(donation.public_id),
        amount=2500,
        currency="USD",
    )
    outcomes = _race(lambda n: same)
    assert outcomes.count("completed") == 1
    assert set(outcomes) <= {"completed", "duplicate", "database_locked"}
    assert ProviderEvent.objects.filter(event_id="evt-same").count() == 1
    assert Donation.objects.get().status == DonationStatus.COMPLETED


def test_different_events_completing_one_donation_complete_it_once(support_settings):
    donation = make_donation()

    def make_event(n):
        return Event(
            provider="offline",
            event_id=f"evt-{n}-{uuid.uuid4()}",
            kind=EventKind.PAYMENT_COMPLETED,
            event_type="test",
            occurred_at=timezone.now(),
            donation_public_id=str(donation.public_id),
        )

    outcomes = _race(make_event)
    assert outcomes.count("completed") == 1
    assert set(outcomes) <= {"completed", "already completed", "database_locked"}


def test_the_same_renewal_at_once_records_one_payment(support_settings):
    membership = make_membership(provider_reference="sub-race")
    same = Event(
        provider="offline",
        event_id="evt-renewal",
        kind=EventKind.RENEWED,
        event_type="test",
        occurred_at=timezone.now(),
        subscription_reference="sub-race",
        amount=1000,
        currency="USD",
    )
    outcomes = _race(lambda n: same)
    assert outcomes.count("renewal recorded") == 1
    assert Donation.objects.filter(membership=membership).count() == 1
    assert Membership.objects.count() == 1
