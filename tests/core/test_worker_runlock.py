"""runlock.exclusive off PostgreSQL: a cache key that one process at a time holds.

(The PostgreSQL advisory lock is tested against a real server in tests/scale/test_workers.py.)
"""

from types import SimpleNamespace

import pytest
from django.core.cache import cache

from masthead.core import runlock


@pytest.fixture(autouse=True)
def off_postgresql(monkeypatch):
    """The cache path is what runs on SQLite; the suite also runs on PostgreSQL, where
    exclusive() would take the advisory lock instead (tested in tests/scale)."""
    monkeypatch.setattr(runlock, "connection", SimpleNamespace(vendor="sqlite"))


def test_a_second_holder_is_refused_until_the_first_lets_go():
    with runlock.exclusive("test-job") as first:
        with runlock.exclusive("test-job") as second:
            assert (first, second) == (True, False)
        with runlock.exclusive("another-job") as other:
            assert other is True
    with runlock.exclusive("test-job") as again:
        assert again is True


def test_the_job_runs_only_for_the_holder():
    ran = []
    with runlock.exclusive("test-job"):
        assert runlock.run_exclusively("test-job", lambda: ran.append("inner")) is False
    assert runlock.run_exclusively("test-job", lambda: ran.append("outer")) is True
    assert ran == ["outer"]


def test_a_lock_that_expired_and_was_taken_again_is_not_deleted_by_its_old_holder():
    key = "masthead:exclusive:test-job"
    with runlock.exclusive("test-job") as held:
        assert held
        cache.set(key, "someone-else")  # our timeout passed; another process holds it now
    assert cache.get(key) == "someone-else"
    cache.delete(key)
