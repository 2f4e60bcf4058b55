"""PostgreSQL restarted (immediate: a crash) under a stream of comment posts.

Each post writes two rows in one transaction: the comment and the poster's
subscription to the thread.  While the database is down, requests fail at once
with a clean 5xx (the site's error answer, no traceback); afterwards the same
server process answers again without a restart (CONN_HEALTH_CHECKS drops the
dead connection); and no comment exists without its subscription or with a cut
body, nor a subscription without its comment.
"""

from __future__ import annotations

import json
import threading
import time
import uuid

import httpx
import pytest

from . import harness

POSTS_BEFORE_RESTART = 8
POSTS_AFTER_RECOVERY = 8
REQUEST_TIMEOUT = 20  # a request that hangs longer than this fails the test

PREPARE = """
from masthead.discussion.models import DiscussionSettings
from masthead.newsroom.models import ArticlePage
from wagtail.models import Site
rules = DiscussionSettings.for_site(Site.objects.get(is_default_site=True))
rules.comments_enabled = True
rules.moderation_mode = "approve_all"
rules.min_submit_seconds = 0
rules.rate_limit_per_ip = ""
rules.rate_limit_per_email = ""
rules.close_after_days = 0
rules.save()
article = ArticlePage.objects.live().filter(comments_open=True).order_by("pk").first()
print("article", article.pk)
"""


@pytest.fixture(scope="module")
def cluster(services):
    cluster = harness.PostgresCluster()
    cluster.start()
    yield cluster
    cluster.cleanup()


@pytest.fixture(scope="module")
def crashable(cluster, redis_url):
    """One app server on a PostgreSQL of the test's own, with the demo's articles."""
    deployment = harness.Deployment(
        database_url=harness.create_database(port=cluster.port), redis_url=redis_url
    )
    deployment.migrate()
    deployment.manage("demo", "--articles", "3")
    [article_id] = [
        int(line.split()[1])
        for line in deployment.python(PREPARE).splitlines()
        if line.startswith("article ")
    ]
    app = deployment.start_app("app")
    try:
        yield deployment, app, article_id
    except BaseException:
        print(deployment.logs())
        raise
    finally:
        deployment.cleanup()


class Poster:
    """Posts comments one after another, as discussion.js does, and keeps every answer."""

    def __init__(self, app, article_id: int):
        self.app, self.article_id = app, article_id
        self.tag = uuid.uuid4().hex[:8]
        self.answers: list[tuple[int, httpx.Response | Exception]] = []
        self.stop = threading.Event()
        self.client = httpx.Client(timeout=REQUEST_TIMEOUT)
        self.token = ""
        self.thread = threading.Thread(target=self._run, daemon=True)

    def body(self, n: int) -> str:
        # Long enough that a cut-off write would show.
        return f"Comment {self.tag}-{n}: " + " ".join(["the harbour wall held."] * 60)

    def email(self, n: int) -> str:
        return f"poster.{self.tag}.{n}@example.com"

    def fresh_token(self) -> str:
        response = self.client.get(f"{self.app.url}/discussion/articles/{self.article_id}/token/")
        response.raise_for_status()
        return response.json()["token"]

    def post(self, n: int) -> httpx.Response:
        if not self.token:
            self.token = self.fresh_token()
        return self.client.post(
            f"{self.app.url}/discussion/articles/{self.article_id}/comments/",
            data={
                "name": f"Poster {n}",
                "email": self.email(n),
                "body": self.body(n),
                "notify": "all",
                "form_token": self.token,
            },
            headers={"Accept": "application/json", "Origin": self.app.url},
        )

    def _run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            try:
                answer: httpx.Response | Exception = self.post(n)
            except (httpx.TransportError, httpx.HTTPStatusError, ValueError) as error:
                answer = error  # the token fetch or the post failed: recorded, judged later
                self.token = ""
            self.answers.append((n, answer))
            time.sleep(0.05)

    def successes(self) -> int:
        return sum(1 for _, a in self.answers if isinstance(a, httpx.Response) and a.is_success)


def test_postgres_restart_mid_write_fails_cleanly_recovers_and_writes_whole_rows(
    crashable, cluster
):
    deployment, app, article_id = crashable
    pid = app.popen.pid
    poster = Poster(app, article_id)
    poster.thread.start()
    try:
        harness.wait_until(
            lambda: poster.successes() >= POSTS_BEFORE_RESTART, what="comments before the crash"
        )
        cluster.restart("immediate")
        restarted_at = len(poster.answers)
        harness.wait_until(
            lambda: (
                sum(
                    1
                    for _, a in poster.answers[restarted_at:]
                    if isinstance(a, httpx.Response) and a.status_code == 201
                )
                >= POSTS_AFTER_RECOVERY
            ),
            what="comments to be accepted again after the restart",
            timeout=90,
        )
    finally:
        poster.stop.set()
        poster.thread.join(REQUEST_TIMEOUT + 5)
        poster.client.close()

    assert app.alive() and app.popen.pid == pid, "the server recovered by itself, not restarted"

    # Every answer was a 201 or a clean failure, and none hung past the client's timeout.
    accepted, failed = [], []
    for n, answer in poster.answers:
        assert not isinstance(answer, httpx.TimeoutException), f"post {n} hung: {answer!r}"
        if isinstance(answer, Exception):
            # The token fetch (a GET) failing while the database is down is fine if clean.
            failed.append((n, getattr(answer, "response", None)))
            continue
        if answer.status_code == 201:
            accepted.append(n)
        else:
            failed.append((n, answer))
    for n, response in failed:
        if response is None:
            continue
        assert response.status_code in (500, 502, 503), (n, response.status_code, response.text)
        assert "Traceback" not in response.text and "OperationalError" not in response.text
        kind = response.headers.get("content-type", "")
        assert kind.startswith(("text/html", "application/problem+json", "application/json")), kind
        if "json" in kind:
            assert json.loads(response.text)["status"] == response.status_code
    assert failed, "no request met the restart: the test proved nothing"
    print(f"{len(accepted)} comments accepted, {len(failed)} posts failed cleanly")

    # Nothing half-written: each comment of this run has its whole body and its
    # subscription, each subscription its comment, and every 201 is stored.
    comments = dict(
        harness.sql(
            deployment.database_url,
            "SELECT author_email, body FROM discussion_comment WHERE author_email LIKE %s",
            f"poster.{poster.tag}.%",
        )
    )
    subscribed = {
        email
        for (email,) in harness.sql(
            deployment.database_url,
            "SELECT email FROM discussion_subscription WHERE email LIKE %s AND kind = 'all'",
            f"poster.{poster.tag}.%",
        )
    }
    assert set(comments) == subscribed
    for email, body in comments.items():
        n = int(email.split(".")[2].split("@")[0])
        assert body == poster.body(n)
    assert {poster.email(n) for n in accepted} <= set(comments)
