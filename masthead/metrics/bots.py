"""Which requests are not readers: crawlers, link previews, prefetches and empty user agents."""

import functools
import re

from django.http import HttpRequest


@functools.cache
def _crawler_pattern() -> re.Pattern:
    # The crawler-user-agents list (maintained upstream, ~1,500 patterns), compiled into
    # one regex at first use rather than at import, so processes that never count pay nothing.
    from crawleruseragents import CRAWLER_USER_AGENTS_DATA

    return re.compile("|".join(f"(?:{entry['pattern']})" for entry in CRAWLER_USER_AGENTS_DATA))


def compile_patterns() -> None:
    """Compile the crawler regex now, e.g. in a server's parent before its workers fork."""
    _crawler_pattern()


# Readers arrive with a handful of distinct browser strings; remembering the verdict
# keeps the big regex off the beacon's hot path.
@functools.lru_cache(maxsize=2048)
def is_bot_user_agent(user_agent: str) -> bool:
    if not user_agent.strip():
        return True
    return _crawler_pattern().search(user_agent) is not None


def is_prefetch(request: HttpRequest) -> bool:
    meta = request.META  # not request.headers: building that mapping costs more than this
    purpose = meta.get("HTTP_SEC_PURPOSE", "") or meta.get("HTTP_PURPOSE", "")
    return "prefetch" in purpose.lower()


def is_not_a_reader(request: HttpRequest) -> bool:
    if request.method == "HEAD" or is_prefetch(request):
        return True
    return is_bot_user_agent(request.META.get("HTTP_USER_AGENT", "")[:512])
