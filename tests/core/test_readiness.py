"""/readyz: 200 when the database, the cache and the task queue answer; 503 naming what does not."""

import json
import socket

import pytest

from masthead.core.ops import readiness
from tests.scale.harness import RedisServer, free_port

pytestmark = pytest.mark.django_db(transaction=True)

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
RQ_QUEUE = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
SECRET = "s3cret-pass"


def closed_port_url() -> str:
    """A Redis URL with a password, on a loopback port nothing listens on."""
    return f"redis://:{SECRET}@127.0.0.1:{free_port()}/0"


def redis_cache(url: str) -> dict:
    return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
def silent_socket():
    """A port that accepts connections and never answers: a hung Redis."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield listener.getsockname()[1]
    listener.close()


def problem(response) -> dict:
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Cache-Control"] == "no-store"
    body = json.loads(response.content)
    assert body["status"] == 503
    return body


def test_ready_when_database_cache_and_database_queue_answer(client, settings):
    settings.TASKS = DB_QUEUE
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert json.loads(response.content) == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "queue": "ok"},
    }
    assert client.head("/readyz").status_code == 200
    assert client.post("/readyz").status_code == 405


def test_ready_with_redis_cache_and_rq_queue(client, settings, redis_server):
    settings.CACHES = redis_cache(redis_server.url)
    settings.TASKS = RQ_QUEUE
    settings.RQ_QUEUES = {"default": {"URL": redis_server.url}}
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert json.loads(response.content)["checks"] == {
        "database": "ok",
        "cache": "ok",
        "queue": "ok",
    }


def test_not_ready_when_the_cache_is_unreachable(client, settings):
    settings.TASKS = DB_QUEUE
    settings.CACHES = redis_cache(closed_port_url())
    body = problem(client.get("/readyz"))
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["queue"] == "ok"
    assert body["checks"]["cache"].startswith("ConnectionError")
    assert "cache" in body["detail"]
    assert SECRET not in json.dumps(body)


def test_not_ready_when_the_queue_is_unreachable(client, settings):
    settings.TASKS = RQ_QUEUE
    settings.RQ_QUEUES = {"default": {"URL": closed_port_url()}}
    body = problem(client.get("/readyz"))
    assert body["checks"]["cache"] == "ok"
    assert body["checks"]["queue"].startswith("ConnectionError")
    assert "queue" in body["detail"]
    assert SECRET not in json.dumps(body)


def test_a_hung_redis_answers_503_within_the_check_bound(
    client, settings, silent_socket, monkeypatch
):
    monkeypatch.setattr(readiness, "CHECK_SECONDS", 0.5)
    settings.TASKS = RQ_QUEUE
    settings.RQ_QUEUES = {"default": {"URL": f"redis://127.0.0.1:{silent_socket}/0"}}
    body = problem(client.get("/readyz"))
    assert body["checks"]["database"] == "ok"
    # The pool's deadline or the socket timeout the check sets, whichever fires first.
    queue = body["checks"]["queue"]
    assert queue == "no answer within 0.5 s" or queue.startswith("TimeoutError"), queue


def test_failure_reasons_never_repeat_credentials():
    exc = RuntimeError("cannot reach redis://user:hunter2@10.0.0.5:6379/0 (password=hunter2)")
    described = readiness.describe(exc)
    assert "hunter2" not in described
    assert "redis://***@10.0.0.5:6379/0" in described
