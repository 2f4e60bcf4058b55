"""Request ids on every response (cache hits included) and JSON log lines that name them."""

import io
import json
import logging
import re

import pytest
from wagtail.models import Site

from masthead.core.jsonlog import JsonFormatter
from masthead.core.requestid import RequestIdFilter
from masthead.newsroom.models import PublicationSettings
from tests.core.pagecache_helpers import WSGIClient
from tests.newsroom.factories import make_article, make_section

pytestmark = pytest.mark.django_db

GENERATED = re.compile(r"[0-9a-f]{32}\Z")


@pytest.fixture
def wsgi(settings, tmp_path):
    settings.PAGE_CACHE_GENERATION_FILE = tmp_path / "generation"
    return WSGIClient()


@pytest.fixture
def story(db):
    site = Site.objects.get(is_default_site=True)
    pub = PublicationSettings.for_site(site)
    pub.name = "The Tideline"
    pub.save()
    return make_article(section=make_section("News"), title="Harbour bridge reopens")


@pytest.fixture
def json_log():
    """LOG_FORMAT=json as settings.LOGGING configures it, with ACCESS_LOG on, into a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger("masthead.access"), logging.getLogger("masthead.core.ops")]
    saved = [(lg, lg.level, lg.propagate) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.INFO)
        lg.propagate = False
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    for lg, level, propagate in saved:
        lg.removeHandler(handler)
        lg.setLevel(level)
        lg.propagate = propagate


def test_every_response_carries_a_new_request_id(wsgi, story):
    answers = [wsgi.get("/healthz"), wsgi.get(story.url), wsgi.get(story.url)]
    assert [a.header("X-Cache") for a in answers[1:]] == ["MISS", "HIT"]
    ids = [a.header("X-Request-ID") for a in answers]
    assert all(GENERATED.match(i) for i in ids), ids
    assert len(set(ids)) == 3


@pytest.mark.parametrize("given", ["3f1c9e0a-7b2d-4c55-9a10-d2b6e4f1a001", "edge:42.abc_DEF"])
def test_a_valid_incoming_id_is_echoed_by_django_and_by_cache_hits(wsgi, story, given):
    assert wsgi.get("/healthz", x_request_id=given).header("X-Request-ID") == given
    wsgi.get(story.url)
    hit = wsgi.get(story.url, x_request_id=given)
    assert hit.header("X-Cache") == "HIT"
    assert hit.header("X-Request-ID") == given


@pytest.mark.parametrize(
    "given", ["short", "has spaces in it", "x" * 129, "evil\r\nSet-Cookie: a=b", "ünïcode-id-123"]
)
def test_an_invalid_incoming_id_is_replaced(wsgi, story, given):
    answered = wsgi.get("/healthz", x_request_id=given).header("X-Request-ID")
    assert GENERATED.match(answered)
    wsgi.get(story.url)
    hit = wsgi.get(story.url, x_request_id=given)
    assert hit.header("X-Cache") == "HIT"
    assert GENERATED.match(hit.header("X-Request-ID"))


def test_json_log_lines_name_the_request_id_of_the_response(wsgi, story, json_log, settings):
    miss = wsgi.get(story.url)
    hit = wsgi.get(story.url, x_request_id="from-the-proxy-0001")
    # A log line written inside a view (readiness failing) carries the id too.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # discard port: nothing answers Redis there
        }
    }
    not_ready = wsgi.get("/readyz")
    assert not_ready.status == 503

    lines = json_log()
    by_id = {}
    for line in lines:
        assert {"time", "level", "logger", "message", "request_id"} <= set(line)
        by_id.setdefault(line["request_id"], []).append(line)

    [miss_line] = by_id[miss.header("X-Request-ID")]
    assert miss_line["logger"] == "masthead.access"
    assert (miss_line["method"], miss_line["path"], miss_line["status"]) == ("GET", story.url, 200)
    assert miss_line["duration_ms"] >= 0

    assert hit.header("X-Request-ID") == "from-the-proxy-0001"
    [hit_line] = by_id["from-the-proxy-0001"]
    assert (hit_line["status"], hit_line["cache"]) == (200, "HIT")

    not_ready_lines = by_id[not_ready.header("X-Request-ID")]
    assert {line["logger"] for line in not_ready_lines} == {
        "masthead.core.ops.readiness",
        "masthead.access",
    }
    warning = next(line for line in not_ready_lines if line["level"] == "WARNING")
    assert "cache" in warning["message"]
