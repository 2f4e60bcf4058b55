"""What the worker runs for signup, and the page-cache wiring of the lists."""

from django.core.cache import cache

from masthead.core.pagecache import bump_generation

EXPIRY_EVERY_SECONDS = 300


def expire_unconfirmed() -> int:
    """The worker's job: forget stale signup requests, at most every EXPIRY_EVERY_SECONDS.

    The worker calls every job every few seconds on every worker; cache.add is
    atomic in every cache backend, so one worker in the interval does the work.
    """
    from . import subscriptions

    if not cache.add("newsletters:expire-unconfirmed", 1, timeout=EXPIRY_EVERY_SECONDS):
        return 0
    return subscriptions.expire_unconfirmed()


def lists_changed(**_kwargs) -> None:
    bump_generation()
