"""In-process memos of read-mostly content, valid for one content generation.

Sections, the site, its settings and view restrictions change only through
edits that bump the page cache's generation (masthead.core.signals), so a
value computed under generation G stays right until G changes.  Each process
keeps its own small table and drops it whole when it sees a new generation:
correctness across processes rests on the shared generation, not on this
memory.  The generation is read on every call (a stat() on one machine, one
Redis GET at scale) so a memo is never older than the page that uses it.  While
the generation is unknown (Redis is down) nothing is memoised: every call computes.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from masthead.core.pagecache import current_generation
from masthead.core.pagecache.generation import is_known

MAX_ENTRIES = 2048

_lock = threading.Lock()
_generation: object = None
_values: OrderedDict[Hashable, object] = OrderedDict()
# One lock per key: after a bump, the threads that all want the same value wait for the
# first one's computation instead of each running the same queries at once.
_computing: dict[Hashable, threading.RLock] = {}


def _cached(key: Hashable, generation: object) -> tuple[bool, object]:
    global _generation
    with _lock:
        if generation != _generation:
            _values.clear()
            _generation = generation
        elif key in _values:
            _values.move_to_end(key)
            return True, _values[key]
        return False, None


def per_generation[T](key: Hashable, compute: Callable[[], T]) -> T:
    """The value of compute() for `key`, computed once per content generation."""
    generation = current_generation()
    if not is_known(generation):
        # No edit made meanwhile can reach us: compute each time, and without the
        # per-key lock, which would make the threads compute one after another.
        # What was memoised before is dropped, whatever the generation is afterwards.
        if _generation is not None or _values:
            clear()
        return compute()
    found, value = _cached(key, generation)
    if found:
        return value
    with _lock:
        if len(_computing) > MAX_ENTRIES:  # per-page keys: bounded like the values
            _computing.clear()
        key_lock = _computing.setdefault(key, threading.RLock())
    with key_lock:
        found, value = _cached(key, generation)
        if found:
            return value
        value = compute()
        with _lock:
            if generation == _generation:
                _values[key] = value
                if len(_values) > MAX_ENTRIES:
                    _values.popitem(last=False)
    return value


def clear() -> None:
    global _generation
    with _lock:
        _values.clear()
        _computing.clear()
        _generation = None


class SettingPerGeneration:
    """For a Wagtail site setting: for_request() reads it once per content generation
    (saving a setting bumps the generation), not with a query on every request."""

    @classmethod
    def for_request(cls, request):
        from masthead.core.sites import current_site

        attr = cls.get_cache_attr_name()
        if not hasattr(request, attr):
            site = current_site(request)
            key = (cls._meta.label, site.pk if site else None)
            setattr(request, attr, per_generation(key, lambda: cls.for_site(site)))
        return getattr(request, attr)
