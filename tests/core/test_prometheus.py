"""/prometheus: off by default, behind its bearer token, and counting what really happened."""

import json

import pytest
from django.core import mail
from prometheus_client.parser import text_string_to_metric_families
from wagtail.models import Site

from masthead.metrics.buffer import ViewEvent
from masthead.metrics.services import view_buffer
from masthead.newsroom.models import PublicationSettings
from tests.core.pagecache_helpers import WSGIClient
from tests.newsroom.factories import make_article, make_section

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-0123456789"
AUTH = {"authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def metrics_on(settings, tmp_path):
    settings.PROMETHEUS_ENABLED = True
    settings.PROMETHEUS_TOKEN = TOKEN
    settings.PAGE_CACHE_GENERATION_FILE = tmp_path / "generation"
    # Built after the settings: the wrapper and the middleware read them once.
    return WSGIClient()


@pytest.fixture
def story(db):
    site = Site.objects.get(is_default_site=True)
    pub = PublicationSettings.for_site(site)
    pub.name = "The Tideline"
    pub.save()
    return make_article(section=make_section("News"), title="Harbour bridge reopens")


def scrape(wsgi: WSGIClient) -> dict:
    """Every sample of a scrape, as {(name, frozenset(labels)): value}."""
    response = wsgi.get("/prometheus", **AUTH)
    assert response.status == 200, response.text
    assert response.header("Content-Type").startswith("text/plain; version=0.0.4")
    assert response.header("Cache-Control") == "no-store"
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def delta(before: dict, after: dict, name: str, **labels) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def test_metrics_are_off_by_default(client, settings):
    assert settings.PROMETHEUS_ENABLED is False
    assert client.get("/prometheus").status_code == 404


def test_the_token_is_required_when_set(client, settings):
    settings.PROMETHEUS_ENABLED = True
    settings.PROMETHEUS_TOKEN = TOKEN
    for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": f"Basic {TOKEN}"}):
        refused = client.get("/prometheus", headers=headers)
        assert refused.status_code == 401
        assert refused["Content-Type"] == "application/problem+json"
        assert refused["WWW-Authenticate"].startswith("Bearer")
        assert json.loads(refused.content)["status"] == 401
        assert TOKEN.encode() not in refused.content
    allowed = client.get("/prometheus", headers={"authorization": f"Bearer {TOKEN}"})
    assert allowed.status_code == 200
    assert b"masthead_http_requests_total" in allowed.content


def test_without_a_token_anyone_may_scrape(client, settings):
    settings.PROMETHEUS_ENABLED = True
    settings.PROMETHEUS_TOKEN = ""
    assert client.get("/prometheus").status_code == 200


def test_requests_latency_and_page_cache_counters_follow_real_requests(metrics_on, story):
    wsgi = metrics_on
    before = scrape(wsgi)  # itself a GET answered 2xx, counted from the next scrape on
    miss = wsgi.get(story.url)
    hit = wsgi.get(story.url)
    assert (miss.header("X-Cache"), hit.header("X-Cache")) == ("MISS", "HIT")
    head_hit = wsgi.get(story.url, method="HEAD")
    assert head_hit.header("X-Cache") == "HIT"
    assert wsgi.get("/no-such-page/").status == 404
    assert wsgi.request("/readyz", method="POST").status == 403  # no CSRF token
    after = scrape(wsgi)

    requests = "masthead_http_requests_total"
    assert delta(before, after, requests, method="GET", status="2xx") == 3
    assert delta(before, after, requests, method="HEAD", status="2xx") == 1
    assert delta(before, after, requests, method="GET", status="4xx") == 1
    assert delta(before, after, requests, method="POST", status="4xx") == 1
    assert delta(before, after, "masthead_http_request_duration_seconds_count") == 6
    assert delta(before, after, "masthead_http_request_duration_seconds_sum") > 0
    # Cumulative buckets: every request is at most +Inf seconds.
    assert value(after, "masthead_http_request_duration_seconds_bucket", le="+Inf") == value(
        after, "masthead_http_request_duration_seconds_count"
    )
    assert delta(before, after, "masthead_page_cache_hits_total") == 2
    # The story's first GET and the 404 were looked up and rendered; the scrape
    # (Authorization) and the POST were never candidates.
    assert delta(before, after, "masthead_page_cache_misses_total") == 2


def test_buffered_views_and_the_database_queue_depth_are_read_at_scrape(
    metrics_on, story, settings
):
    from django_tasks_db.backend import DatabaseBackend

    from masthead.discussion.tasks import notify_subscribers

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    before = scrape(metrics_on)
    view_buffer().add(ViewEvent(visitor="v1", article_id=story.pk, at=0))
    view_buffer().add(ViewEvent(visitor="v2", article_id=story.pk, at=0))
    DatabaseBackend("default", settings.TASKS["default"]).enqueue(
        notify_subscribers, (), {"comment_id": 1}
    )
    after = scrape(metrics_on)
    assert delta(before, after, "masthead_buffered_events", buffer="views") == 2
    assert (("masthead_buffered_events", frozenset({("buffer", "ads")}))) in after
    assert delta(before, after, "masthead_task_queue_depth", queue="default") == 1


def test_sent_emails_are_counted_through_the_shared_cache(metrics_on, settings, smtp_server):
    real = settings.MAILERS["default"]
    settings.MAILERS = {
        "default": {
            "BACKEND": "masthead.core.mail.counting_backend",
            "OPTIONS": {"backend": real["BACKEND"], **real["OPTIONS"]},
        }
    }
    before = scrape(metrics_on)
    message = mail.EmailMessage("Counted", "Hello", "newsroom@example.com", ["reader@example.com"])
    backend = mail.mailers.default
    # Still Django's SMTP backend to code that checks (newsletter sending's fast path).
    assert isinstance(backend, mail.backends.smtp.EmailBackend)
    assert backend.send_messages([message]) == 1
    [received] = smtp_server.wait_for(1)
    assert received["Subject"] == "Counted"
    after = scrape(metrics_on)
    assert delta(before, after, "masthead_emails_sent_total") == 1


def test_a_batch_counts_every_message_the_backend_accepted(metrics_on, settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "masthead.core.mail.counting_backend",
            "OPTIONS": {"backend": "django.core.mail.backends.locmem.EmailBackend"},
        }
    }
    before = scrape(metrics_on)
    messages = [
        mail.EmailMessage(f"Batch {n}", "Hello", "newsroom@example.com", [f"r{n}@example.com"])
        for n in range(3)
    ]
    assert mail.mailers.default.send_messages(messages) == 3
    assert mail.mailers.default.send_messages([]) == 0
    assert [m.subject for m in mail.outbox] == ["Batch 0", "Batch 1", "Batch 2"]
    after = scrape(metrics_on)
    assert delta(before, after, "masthead_emails_sent_total") == 3
