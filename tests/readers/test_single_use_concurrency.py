"""A link is spent by an INSERT only one request can win, on any app server."""

import threading

import pytest
from django.contrib.auth.models import User
from django.db import OperationalError, connection

from masthead.readers import services, tokens
from masthead.readers.models import UsedToken


@pytest.mark.django_db(transaction=True)
def test_simultaneous_uses_of_one_link_spend_it_once():
    """Eight requests spend one token at once: one wins, none other does.  (SQLite's
    in-memory test database may refuse some writers on its table lock instead of the
    key; either way a second use never succeeds.)"""
    nonce = "n" * 32
    barrier = threading.Barrier(8)
    outcomes = []

    def attempt():
        try:
            barrier.wait()
            tokens.spend(nonce, "sign-in")
            outcomes.append("spent")
        except tokens.BadToken as error:
            outcomes.append(error.reason)
        except OperationalError:
            outcomes.append("database_locked")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("spent") == 1
    assert set(outcomes) <= {"spent", "used", "database_locked"}
    assert UsedToken.objects.filter(nonce=nonce).count() == 1


@pytest.mark.django_db
def test_a_twin_account_made_at_the_same_moment_yields_to_the_older(monkeypatch):
    older = User.objects.create_user("first", email="twin@example.com")
    # As if another server had created `older` while this one was creating its own.
    original = services.accounts_for
    calls = []

    def racing(email):
        calls.append(email)
        rows = original(email)
        return rows.exclude(pk=older.pk) if len(calls) == 1 else rows

    monkeypatch.setattr(services, "accounts_for", racing)
    user = services.get_or_create_reader("twin@example.com")
    assert user.pk == older.pk
    assert User.objects.filter(email="twin@example.com").count() == 1
