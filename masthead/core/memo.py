"""In-process memos of read-mostly content, valid for one content generation.

Sections, the site, its settings and view restrictions change only through
edits that bump the page cache's generation (masthead.core.signals), so a
value computed under generation G stays right until G changes.  Each process
keeps its own small table and drops it whole when it sees a new generation:
correctness across processes rests on the shared generation, not on this
memory.  The generation is read on every call (a stat() on one machine, one
Redis GET at scale) so a memo is never older than the page that uses it.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from masthead.core.pagecache import current_generation

MAX_ENTRIES = 2048

_lock = threading.Lock()
_generation: object = None
_values: OrderedDict[Hashable, object] = OrderedDict()


def per_generation[T](key: Hashable, compute: Callable[[], T]) -> T:
    """The value of compute() for `key`, computed once per content generation."""
    global _generation
    generation = current_generation()
    with _lock:
        if generation != _generation:
            _values.clear()
            _generation = generation
        elif key in _values:
            _values.move_to_end(key)
            return _values[key]
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
        _generation = None
