"""While Redis refuses, a task enqueued (often on commit, after the request's data is
stored) is kept in the database instead of failing the request; the periodic
tasks.requeue_spilled moves it to the RQ queue once Redis answers, exactly once."""

import pytest
import redis
from django.tasks import task_backends

from masthead.core import tasks_fallback
from masthead.discussion.tasks import notify_subscribers
from tests.scale.harness import REDIS_HOST, REDIS_PORT, require_services

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE_DB = 14


@pytest.fixture
def rq_backend(settings):
    def point_at(url):
        settings.RQ_QUEUES = {"default": {"URL": url}}
        settings.TASKS = {
            "default": {
                "BACKEND": "masthead.core.tasks_fallback.FallbackRQBackend",
                "QUEUES": ["default"],
            }
        }
        return task_backends["default"]

    return point_at


def spilled_rows():
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(backend_name="default")


def test_enqueue_while_redis_refuses_is_kept_then_moved_once(rq_backend):
    require_services()
    backend = rq_backend("redis://127.0.0.1:1/0?socket_connect_timeout=1")
    assert isinstance(backend, tasks_fallback.FallbackRQBackend)

    result = notify_subscribers.using(backend="default").enqueue(comment_id=41)
    assert result.status == "READY"
    row = spilled_rows().get()
    assert row.task_path == "masthead.discussion.tasks.notify_subscribers"
    assert row.args_kwargs["kwargs"] == {"comment_id": 41}
    # Still down: the periodic job leaves the row for the next tick.
    with pytest.raises(redis.ConnectionError):
        tasks_fallback.requeue_spilled()
    assert spilled_rows().count() == 1

    url = f"redis://{REDIS_HOST}:{REDIS_PORT}/{QUEUE_DB}"
    connection = redis.Redis.from_url(url)
    connection.flushdb()
    try:
        rq_backend(url)
        assert tasks_fallback.requeue_spilled() == 1
        assert tasks_fallback.requeue_spilled() == 0
        assert not spilled_rows().exists()
        import django_rq

        jobs = django_rq.get_queue("default").jobs
        assert [(job.func_name, job.kwargs) for job in jobs] == [
            ("masthead.discussion.tasks.notify_subscribers", {"comment_id": 41})
        ]
    finally:
        connection.flushdb()


def test_without_the_rq_backend_nothing_is_moved():
    assert tasks_fallback.requeue_spilled() == 0
