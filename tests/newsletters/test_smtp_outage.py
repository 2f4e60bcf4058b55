"""An SMTP outage mid-send (server gone, or 421 answers) never loses or repeats an email."""

import time

from .smtp_support import Sink
from .worker_support import environment, fresh_copy, migrated_data, report, seed, start_worker  # noqa: F401

SUBSCRIBERS = 200


def _finish(worker) -> None:
    _, stderr = worker.communicate(timeout=300)
    assert worker.returncode == 0, stderr[-3000:]


def _exactly_once(server: Sink) -> None:
    counts = server.counts()
    assert set(counts) == {f"r0-{n}@mail.example" for n in range(SUBSCRIBERS)}
    assert set(counts.values()) == {1}


def test_server_stopped_mid_send_and_started_again(migrated_data, tmp_path):  # noqa: F811
    server = Sink(delay=0.005).start()
    env = environment(fresh_copy(migrated_data, tmp_path), server.port)
    issue = seed(env, SUBSCRIBERS)["issue"]
    worker = start_worker(env, "--once", "--concurrency", "2")
    try:
        server.wait_for(SUBSCRIBERS // 3, timeout=120)
        server.stop()  # connections refused from now on
        stopped_at = server.total
        time.sleep(2)
        assert report(env, issue)["issue"] == "sending"
        server.start()  # same port
        _finish(worker)
    finally:
        server.stop()
    assert 0 < stopped_at < SUBSCRIBERS
    _exactly_once(server)
    assert report(env, issue) == {"issue": "sent", "sent": SUBSCRIBERS}


def test_server_answering_421_for_a_while(migrated_data, tmp_path):  # noqa: F811
    server = Sink(delay=0.002).start()
    env = environment(fresh_copy(migrated_data, tmp_path), server.port)
    issue = seed(env, SUBSCRIBERS)["issue"]
    worker = start_worker(env, "--once", "--concurrency", "2")
    try:
        server.wait_for(SUBSCRIBERS // 4, timeout=120)
        server.fail_next = 25
        _finish(worker)
    finally:
        server.stop()
    assert server.failed == 25
    _exactly_once(server)
    assert report(env, issue) == {"issue": "sent", "sent": SUBSCRIBERS}
