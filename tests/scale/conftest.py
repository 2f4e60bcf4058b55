"""Fixtures for the scale-out tests: a fresh PostgreSQL database and a Redis database per
module, and a Deployment to start app servers and workers on them.

These tests start real processes and talk to them over HTTP; they never use the test
process's own Django database, so they run once, in the SQLite pass of `make test`.
"""

import itertools
import os

import pytest

from . import harness

# A Redis database number per module that asks, so modules never see each other's keys
# (RQ's keys carry no prefix); each is emptied when its module ends, so numbers recycle.
_REDIS_DBS = itertools.cycle(range(8, 16))


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/scale/" in str(item.fspath):
            item.add_marker(pytest.mark.scale)


@pytest.fixture(scope="module")
def services():
    harness.require_services()


@pytest.fixture(scope="module")
def redis_url(services):
    url = f"redis://{harness.REDIS_HOST}:{harness.REDIS_PORT}/{next(_REDIS_DBS)}"
    harness.flush_redis(url)
    yield url
    harness.flush_redis(url)


@pytest.fixture(scope="module")
def database_url(services):
    url = harness.create_database()
    yield url
    harness.drop_database(url)


@pytest.fixture(scope="module")
def deployment(database_url, redis_url):
    """A migrated publication on PostgreSQL + Redis with no processes running yet."""
    deployment = harness.Deployment(database_url=database_url, redis_url=redis_url)
    deployment.migrate()
    yield deployment
    if os.environ.get("MASTHEAD_KEEP_SCALE_LOGS"):
        print(deployment.logs())
    deployment.cleanup()
