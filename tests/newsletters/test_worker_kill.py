"""A sending worker killed with SIGKILL part-way loses no email; duplicates stay within concurrency.

Real processes: `masthead send_newsletters` against a file SQLite database,
sending to a slow SMTP server in this test process, so the kill lands
mid-batch.  A second worker started afterwards takes back the dead worker's
rows once their lease expires and finishes the issue.
"""

import signal
import time

import pytest

from .smtp_support import Sink
from .worker_support import environment, fresh_copy, migrated_data, report, seed, start_worker  # noqa: F401

SUBSCRIBERS = 300
CONCURRENCY = 2


def test_sigkill_mid_send_then_restart_delivers_everyone(migrated_data, tmp_path):  # noqa: F811
    server = Sink(delay=0.01).start()
    try:
        env = environment(fresh_copy(migrated_data, tmp_path), server.port)
        issue = seed(env, SUBSCRIBERS)["issue"]

        worker = start_worker(env, "--concurrency", str(CONCURRENCY))
        server.wait_for(SUBSCRIBERS // 3, timeout=120)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        killed_at = server.total
        assert 0 < killed_at < SUBSCRIBERS, "the kill must land part-way"
        assert report(env, issue)["issue"] == "sending"

        again = start_worker(env, "--once", "--concurrency", str(CONCURRENCY))
        _, stderr = again.communicate(timeout=300)
        assert again.returncode == 0, stderr[-3000:]
    finally:
        time.sleep(0.2)
        server.stop()

    counts = server.counts()
    expected = {f"r0-{n}@mail.example" for n in range(SUBSCRIBERS)}
    assert set(counts) == expected  # every subscriber received the issue
    duplicates = sum(counts.values()) - len(counts)
    print(f"\nworker killed after {killed_at} messages; duplicates after restart: {duplicates}")
    assert duplicates <= CONCURRENCY
    final = report(env, issue)
    assert final == {"issue": "sent", "sent": SUBSCRIBERS}


@pytest.mark.parametrize("workers", [2])
def test_concurrent_workers_never_send_a_row_twice(migrated_data, tmp_path, workers):  # noqa: F811
    """Two worker processes with two senders each, all claiming from the same issue."""
    server = Sink(delay=0.002).start()
    try:
        env = environment(fresh_copy(migrated_data, tmp_path), server.port)
        issue = seed(env, SUBSCRIBERS)["issue"]
        processes = [start_worker(env, "--once", "--concurrency", "2") for _ in range(workers)]
        outputs = [process.communicate(timeout=300) for process in processes]
        assert [p.returncode for p in processes] == [0] * workers, outputs
    finally:
        time.sleep(0.2)
        server.stop()
    counts = server.counts()
    assert len(counts) == SUBSCRIBERS and set(counts.values()) == {1}
    # Both processes did part of the work.
    sent_by = [int(out.split()[0]) for out, _ in outputs]
    assert sum(sent_by) == SUBSCRIBERS and all(n > 0 for n in sent_by), sent_by
    assert report(env, issue) == {"issue": "sent", "sent": SUBSCRIBERS}
