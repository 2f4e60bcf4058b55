"""The per-generation memo computes a value once even when threads ask for it together:
after a bump, the beacons arriving at once must not each run the same queries (on one
shared SQLite connection their rows would interleave and the memo come out partial)."""

import threading

from masthead.core import memo


def test_threads_asking_together_share_one_computation():
    memo.clear()
    started, release = threading.Event(), threading.Event()
    calls, results = [], []

    def compute():
        calls.append(1)
        started.set()
        release.wait(5)
        return {"computed": len(calls)}

    def ask():
        results.append(memo.per_generation("test:single-flight", compute))

    first = threading.Thread(target=ask)
    first.start()
    assert started.wait(5)
    others = [threading.Thread(target=ask) for _ in range(3)]
    for thread in others:
        thread.start()
    # The others are now waiting on the first computation (or will find its value).
    release.wait(0.2)
    release.set()
    for thread in [first, *others]:
        thread.join(5)
    assert len(calls) == 1
    assert results == [{"computed": 1}] * 4


def test_a_bump_between_asks_computes_again():
    memo.clear()
    values = iter([1, 2])
    assert memo.per_generation("test:bumped", lambda: next(values)) == 1
    assert memo.per_generation("test:bumped", lambda: next(values)) == 1
    memo.clear()
    assert memo.per_generation("test:bumped", lambda: next(values)) == 2
