"""Two app processes count and flush at once against one PostgreSQL: each view once.

Marked `scale`: it needs PostgreSQL on 127.0.0.1:5432 (user postgres) and, for the
shared-buffer case, Redis.  It skips when they are unreachable, and fails under CI=true.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.scale

ROOT = Path(__file__).resolve().parents[2]
PG = os.environ.get("MASTHEAD_TEST_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("MASTHEAD_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ARTICLES = 4
SHARED_READERS = 40
OWN_READERS = 25


def _unavailable(what: str, error: Exception):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is unreachable under CI: {error}")
    pytest.skip(f"{what} is unreachable: {error}")


@pytest.fixture(scope="module")
def scratch_database(tmp_path_factory):
    """A fresh PostgreSQL database with every migration applied, dropped afterwards."""
    import psycopg

    name = f"masthead_metrics_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        _unavailable("PostgreSQL", error)
    admin.execute(f'CREATE DATABASE "{name}"')
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)},
        "DATABASE_URL": f"{PG}/{name}",
        "MASTHEAD_DATA_DIR": str(tmp_path_factory.mktemp("pg-data")),
        "CACHE_URL": "locmem://",
        "MASTHEAD_VIEW_FLUSH_SECONDS": "0",
        "MASTHEAD_TESTING": "1",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("MASTHEAD_VIEW_BUFFER", None)
    try:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "masthead.cli",
                "migrate",
                "--no-input",
                "--skip-checks",
                "-v",
                "0",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=600,
        )
        yield env
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _child(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.metrics.pg_counter", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


def _result(process: subprocess.Popen):
    out, _ = process.communicate(timeout=600)
    assert process.returncode == 0, out
    return json.loads(out.strip().splitlines()[-1])


def _count_in_two_processes(env: dict, tmp_path: Path) -> tuple[list[int], list[int]]:
    ids = _result(_child(env, "articles", str(ARTICLES)))
    start = tmp_path / f"start-{uuid.uuid4().hex}"
    children = [
        _child(
            env, "count", str(start), str(SHARED_READERS), str(OWN_READERS), tag, json.dumps(ids)
        )
        for tag in ("1", "2")
    ]
    start.touch()  # both begin together
    return ids, [_result(child) for child in children]


def test_two_processes_with_their_own_buffers(scratch_database, tmp_path):
    ids, counted = _count_in_two_processes(scratch_database, tmp_path)
    expected = (SHARED_READERS + 2 * OWN_READERS) * ARTICLES
    assert sum(counted) == expected
    assert _result(_child(scratch_database, "report", json.dumps(ids))) == {
        "hourly": expected,
        "totals": expected,
    }


def test_two_processes_flushing_one_redis_buffer(scratch_database, tmp_path):
    import redis

    try:
        redis.Redis.from_url(REDIS).ping()
    except redis.RedisError as error:
        _unavailable("Redis", error)
    env = {
        **scratch_database,
        "MASTHEAD_VIEW_BUFFER": REDIS,
        "MASTHEAD_VIEW_REDIS_PREFIX": f"masthead-test:{uuid.uuid4().hex}",
    }
    ids, counted = _count_in_two_processes(env, tmp_path)
    expected = (SHARED_READERS + 2 * OWN_READERS) * ARTICLES
    assert sum(counted) == expected
    assert _result(_child(env, "report", json.dumps(ids))) == {
        "hourly": expected,
        "totals": expected,
    }
