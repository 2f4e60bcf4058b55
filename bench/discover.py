"""What the bench measures depends on what the tree has: find the switches and paths."""

import http.client
import os
import re

from bench.load import THREAD_IDS
from bench.server import ROOT

SETTINGS = ROOT / "masthead" / "settings.py"


def default_server() -> tuple[str, int, int]:
    """What a bare `masthead serve` runs: (server, workers, threads)."""
    from masthead.core import services

    server = getattr(services, "DEFAULT_SERVER", "granian")
    return server, services.default_worker_count(), int(os.environ.get("THREADS", "4"))


def page_cache_switch() -> dict | None:
    """The environment that turns the page cache off, if settings.py reads such a variable."""
    match = re.search(r'env\.bool\(\s*"([A-Z0-9_]*PAGE_CACHE[A-Z0-9_]*)"', SETTINGS.read_text())
    return {match[1]: "false"} if match else None


CACHE_HEADERS = ("age", "x-cache", "x-page-cache", "etag", "last-modified", "cache-control")


def cache_headers(port: int, path: str) -> dict[str, str]:
    """The cache-related headers of a repeated anonymous GET of `path`."""
    headers: dict[str, str] = {}
    for _ in range(2):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        headers = {k.lower(): v for k, v in response.getheaders() if k.lower() in CACHE_HEADERS}
    return headers


# Each wrk thread cycles its own block of user agents fastest and the articles
# slowest, so every (user agent, article) pair is new within a bench run: a fresh
# visitor hash each time, i.e. a real count, never a dedupe.  A few hundred
# distinct browser strings per thread is what a real audience sends.  The timed
# run starts at the articles after those the warm-up used, with the same user
# agents, so the bot filter has already judged each string once (as it would
# have long since in production) and no visitor of the warm-up recurs.
BEACON_LUA = (
    """
local ids = {{{ids}}}
local run = "{run}"
local per_thread = {per_thread}
local offset = {offset}
"""
    + THREAD_IDS
    + """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
function request()
  local ua = tid * per_thread + n % per_thread
  local article = ids[(math.floor(n / per_thread) + offset) % #ids + 1]
  n = n + 1
  wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) "
    .. "Gecko/20100101 Firefox/140.0 " .. run .. "." .. ua
  return wrk.format(nil, nil, nil, "a=" .. article)
end
"""
)

BEACON_SUM = (
    "from django.db.models import Sum\n"
    "from masthead.metrics.models import ArticleHourlyViews\n"
    "print(ArticleHourlyViews.objects.aggregate(n=Sum('views'))['n'] or 0)"
)


class Beacon:
    """Row 6: POST a=<article id> to the beacon, every request a countable view."""

    def __init__(self, data_dir, path: str, article_ids: list[int], per_thread: int = 500):
        self.data_dir, self.path, self.article_ids = data_dir, path, article_ids
        self.per_thread = per_thread
        self.tag = os.urandom(4).hex()  # new visitors on every bench run, even within 30 min
        self.description = (
            f"POST `a=<id>` to `{path}` over {len(article_ids)} live articles, each wrk "
            f"thread cycling {per_thread} browser user agents (tagged per bench run) and "
            "the timed run using articles the warm-up did not, so every request is a new "
            "visitor for its article and is counted, not deduped."
        )
        self.before = self.stored_views()

    def script(self, warmup=None) -> str:
        """Lua for one wrk run; after `warmup` (its Load), start past the articles it used."""
        offset = 0
        if warmup is not None:
            # wrk's threads split the requests about evenly; one round spare.
            offset = warmup.requests // self.per_thread + 2
        return BEACON_LUA.format(
            ids=", ".join(map(str, self.article_ids)),
            run=self.tag,
            per_thread=self.per_thread,
            offset=offset,
        )

    def stored_views(self) -> int:
        from bench.server import shell

        return int(shell(self.data_dir, BEACON_SUM).strip().splitlines()[-1])

    def verify(self, sent: int, slack: int) -> str:
        """After the server stopped (and flushed): how many of the sent beacons were stored."""
        stored = self.stored_views() - self.before
        return (
            f"{stored:,} views stored for {sent:,} beacons answered 204 to wrk, warm-up "
            f"included (up to {slack} more may have been in flight when wrk stopped; "
            "counted after the server's graceful stop)."
        )


def beacon(data_dir) -> "Beacon | None":
    """The beacon, if the tree routes one (masthead/metrics/urls.py, name "beacon")."""
    if not (ROOT / "masthead" / "metrics" / "urls.py").exists():
        return None
    from bench.server import shell

    out = shell(
        data_dir,
        "from django.urls import NoReverseMatch, reverse\n"
        "from masthead.newsroom.models import ArticlePage\n"
        "try:\n    print(reverse('metrics:beacon'))\n"
        "except NoReverseMatch:\n    print('-')\n"
        "print(*ArticlePage.objects.live().values_list('id', flat=True))",
    ).splitlines()
    path, ids = out[-2].strip(), [int(i) for i in out[-1].split()]
    if not path.startswith("/") or not ids:
        return None
    return Beacon(data_dir, path, ids)
