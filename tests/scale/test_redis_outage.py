"""Redis stopped mid-run under two app servers and a worker, then started again.

While Redis is down: pages are still served, rendered afresh (the page cache and the
per-generation memos are bypassed, so an edit made meanwhile shows at once); view
beacons are answered 204 and kept in each server's memory, then written to
PostgreSQL by that server's flusher; the rate-limited sign-in fails closed with its
usual 429, not a 500; /readyz names the cache.  When Redis is back: every visitor
answered 204 is counted exactly once, the edit is still visible on both servers
(nothing cached before the outage is served), the page cache serves hits again and
/readyz is ready.
"""

from __future__ import annotations

import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from . import harness

TIMEOUT = 30
VISITORS = 30
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(scope="module")
def outage_site(services):
    """Two app servers and an RQ worker on PostgreSQL and a Redis of this module's own."""
    redis_server = harness.RedisServer()
    redis_server.start()
    database_url = harness.create_database()
    deployment = harness.Deployment(
        database_url=database_url,
        redis_url=redis_server.url,
        extra_env={"MASTHEAD_VIEW_CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR"},
    )
    try:
        deployment.migrate()
        deployment.manage("demo", "--articles", "3")
        app1 = deployment.start_app("app1")
        app2 = deployment.start_app("app2")
        deployment.start_worker("worker")
        yield deployment, redis_server, app1, app2
    except BaseException:
        print(deployment.logs())
        raise
    finally:
        deployment.cleanup()
        harness.drop_database(database_url)
        redis_server.cleanup()


def article_facts(deployment) -> tuple[int, str, str]:
    out = deployment.python(
        "from masthead.newsroom.models import ArticlePage\n"
        "a = ArticlePage.objects.live().order_by('pk').first()\n"
        "print('article', a.pk, a.url, a.title, sep='|')\n"
    )
    [line] = [line for line in out.splitlines() if line.startswith("article|")]
    _, pk, url, title = line.split("|", 3)
    return int(pk), url, title


def get(server, path: str) -> httpx.Response:
    return httpx.get(server.url + path, timeout=TIMEOUT)


def readiness(server) -> tuple[int, dict]:
    response = get(server, "/readyz")
    return response.status_code, response.json()


def ask_for_sign_in_link(server, email: str, ip: str) -> httpx.Response:
    with httpx.Client(timeout=TIMEOUT) as browser:
        form = browser.get(server.url + "/reader/sign-in/")
        assert form.status_code == 200, form.text[:500]
        match = CSRF_FIELD.search(form.text)
        token = match[1] if match else browser.cookies["csrftoken"]
        return browser.post(
            server.url + "/reader/sign-in/",
            data={"email": email, "csrfmiddlewaretoken": token},
            headers={"X-Forwarded-For": ip, "Referer": server.url + "/reader/sign-in/"},
        )


def test_redis_stopped_mid_run_then_started_again(outage_site):
    deployment, redis_server, app1, app2 = outage_site
    servers = (app1, app2)
    article_id, url, title = article_facts(deployment)

    # Both servers hold the article in their page caches (and Redis holds it too).
    for server in servers:
        harness.wait_until(
            lambda server=server: get(server, url).headers.get("X-Cache") == "HIT",
            what=f"{server.name} to serve {url} from its page cache",
            timeout=30,
        )
        assert title in get(server, url).text
        status, body = readiness(server)
        assert status == 200, body
    before = harness.stored_views(deployment, article_id)

    redis_server.stop()

    # Pages are served, rendered afresh rather than from the page cache.
    for server in servers:
        for path in (url, "/"):
            response = get(server, path)
            assert response.status_code == 200, f"{server.name} {path}: {response.text[:500]}"
            assert response.headers.get("X-Cache") != "HIT"
        assert title in get(server, url).text
        status, body = readiness(server)
        assert status == 503
        assert body["checks"]["cache"] != "ok", body
        assert body["checks"]["database"] == "ok", body

    # An edit made during the outage (its generation bump, if any, is lost with Redis).
    edited = f"{title} (updated {uuid.uuid4().hex[:6]})"
    deployment.python(
        "from masthead.newsroom.models import ArticlePage\n"
        f"ArticlePage.objects.filter(pk={article_id}).update(title={edited!r}, "
        f"draft_title={edited!r})\n"
    )
    for server in servers:
        assert edited in get(server, url).text, f"{server.name} serves a page from before"

    # Beacons: every distinct visitor once on "their" server, every third again on the other.
    tag = uuid.uuid4().hex[:8]
    sends = [(servers[v % 2], v) for v in range(1, VISITORS + 1)]
    sends += [(servers[(v + 1) % 2], v) for v in range(1, VISITORS + 1, 3)]

    def send(job):
        server, visitor = job
        return visitor, harness.send_beacon(server, article_id, visitor, tag)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, sends))
    for _, response in answers:
        assert response.status_code in (204, 503), response.text[:500]
        if response.status_code == 503:
            assert response.headers.get("Retry-After"), "a refused beacon says when to retry"
    counted = {visitor for visitor, response in answers if response.status_code == 204}
    assert counted, "no beacon was accepted while Redis was down"

    # The rate-limited sign-in fails closed while its counter is out of reach: no 500.
    refused = ask_for_sign_in_link(app1, f"outage-{tag}@example.com", "198.51.100.77")
    assert refused.status_code == 429, refused.text[:500]

    redis_server.start()

    harness.wait_until(
        lambda: harness.stored_views(deployment, article_id) - before >= len(counted),
        what="the servers to flush the beacons they kept in memory",
        timeout=60,
    )
    time.sleep(3)  # a few more flush intervals, so a view counted twice would show too
    assert harness.stored_views(deployment, article_id) - before == len(counted)

    for server in servers:
        harness.wait_until(
            lambda server=server: readiness(server)[0] == 200,
            what=f"{server.name} to be ready again",
            timeout=30,
        )
        # The edit stays visible, and the page cache works again (with the edit).
        harness.wait_until(
            lambda server=server: get(server, url).headers.get("X-Cache") == "HIT",
            what=f"{server.name} to cache {url} again",
            timeout=30,
        )
        page = get(server, url)
        assert page.status_code == 200
        assert edited in page.text, f"{server.name} serves a page from before the outage"
