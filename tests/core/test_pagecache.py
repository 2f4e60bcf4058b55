"""The page cache through the real WSGI wrapper: hits, misses, validators, encodings, bypasses."""

import gzip
import re

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path
from django.utils.http import http_date
from django.views.decorators.cache import cache_control, never_cache
from wagtail.models import Site

from masthead.core.pagecache.entry import Entry
from masthead.core.pagecache.store import MemoryLRU
from masthead.newsroom.models import PublicationSettings
from tests.core.pagecache_helpers import WSGIClient
from tests.newsroom.factories import make_article, make_section

pytestmark = pytest.mark.django_db

# --- views used only here: ones a page cache must never share ------------------
calls = {"count": 0}


def _counted(text):
    calls["count"] += 1
    return HttpResponse(text)


def whoami(request):
    """Per-reader HTML with no cache headers at all: the worst case for a page cache."""
    return _counted(f"<p>hello {request.user.get_username() or 'anonymous'}</p>")


def sets_cookie(request):
    response = _counted("<p>with a cookie</p>")
    response.set_cookie("flavour", "oat")
    return response


@never_cache
def uncacheable(request):
    return _counted("<p>never cache</p>")


@cache_control(private=True)
def private(request):
    return _counted("<p>private</p>")


def varies_on_agent(request):
    response = _counted("<p>depends on the browser</p>")
    response["Vary"] = "User-Agent"
    return response


urlpatterns = [
    path("t/whoami/", whoami),
    path("t/cookie/", sets_cookie),
    path("t/never/", uncacheable),
    path("t/private/", private),
    path("t/vary/", varies_on_agent),
    path("", include("masthead.urls")),
]


@pytest.fixture
def wsgi(settings, tmp_path):
    settings.ROOT_URLCONF = __name__
    settings.PAGE_CACHE_GENERATION_FILE = tmp_path / "generation"
    calls["count"] = 0
    return WSGIClient()


@pytest.fixture
def story(db):
    site = Site.objects.get(is_default_site=True)
    pub = PublicationSettings.for_site(site)
    pub.name = "The Tideline"
    pub.save()
    return make_article(section=make_section("News"), title="Harbour bridge reopens")


def nonce_of(html: str) -> str:
    return re.search(r'nonce="([^"]+)"', html).group(1)


def test_second_anonymous_get_is_a_hit_answered_before_django(
    wsgi, story, django_assert_num_queries
):
    first = wsgi.get(story.url)
    assert first.status == 200
    assert first.header("X-Cache") == "MISS"
    assert "Harbour bridge reopens" in first.text
    assert wsgi.django_requests.count == 1

    with django_assert_num_queries(0):
        second = wsgi.get(story.url)
    assert second.status == 200
    assert second.header("X-Cache") == "HIT"
    assert second.body == first.body
    assert wsgi.django_requests.count == 1, "a hit must not reach Django"
    # Everything but X-Cache and the request's own id is what the miss sent, security
    # headers included.
    per_request = {"x-cache", "x-request-id"}
    assert {k: v for k, v in second.headers.items() if k not in per_request} == {
        k: v for k, v in first.headers.items() if k not in per_request
    }
    assert len({first.header("X-Request-ID"), second.header("X-Request-ID")}) == 2


def test_hit_headers_fit_a_cdn_and_replay_the_rendered_nonce(wsgi, story):
    wsgi.get(story.url)
    hit = wsgi.get(story.url)
    assert hit.header("Cache-Control") == "public, max-age=60, stale-while-revalidate=30"
    assert hit.header("Vary") == "Accept-Encoding"
    assert re.fullmatch(r'"[0-9a-f]{32}"', hit.header("ETag"))
    assert hit.header("Last-Modified").endswith(" GMT")
    assert hit.header("Content-Length") == str(len(hit.body))
    assert hit.header("Content-Type").startswith("text/html")
    assert hit.header("X-Content-Type-Options") == "nosniff"
    assert "set-cookie" not in hit.headers
    # The CSP header and the page's script tags carry the same (replayed) nonce.
    nonce = nonce_of(hit.text)
    assert f"'nonce-{nonce}'" in hit.header("Content-Security-Policy")


def test_query_string_and_host_are_part_of_the_key(wsgi, story):
    wsgi.get(story.url)
    fragment = wsgi.get(story.url, query="fragment=1")
    assert fragment.header("X-Cache") == "MISS"
    assert "<html" not in fragment.text and "Harbour bridge reopens" in fragment.text
    assert wsgi.get(story.url, query="fragment=1").header("X-Cache") == "HIT"
    assert wsgi.get(story.url, host="127.0.0.1").header("X-Cache") == "MISS"
    assert wsgi.get(story.url, host="evil.example").status == 400
    assert wsgi.get(story.url, host="evil.example").header("X-Cache") == "MISS"


@pytest.mark.parametrize("route", ["/", "/news/", "/feed/rss/", "/sitemap.xml", "/robots.txt"])
def test_public_pages_feeds_sitemaps_and_robots_are_cached(wsgi, story, route):
    assert wsgi.get(route).status == 200
    assert wsgi.get(route).header("X-Cache") == "HIT"


@pytest.mark.parametrize("route", ["/admin/login/", "/search/", "/api/v1/articles"])
def test_excluded_paths_always_reach_django(wsgi, story, route):
    wsgi.get(route)
    again = wsgi.get(route)
    assert again.header("X-Cache") == "MISS"
    assert wsgi.django_requests.count == 2


def test_gzip_variant_is_the_identity_body_compressed(wsgi, story):
    miss = wsgi.get(story.url, accept_encoding="gzip, deflate, br")
    hit = wsgi.get(story.url, accept_encoding="gzip, deflate, br")
    plain = wsgi.get(story.url)
    for response in (miss, hit):
        assert response.header("Content-Encoding") == "gzip"
        assert response.header("Content-Length") == str(len(response.body))
        assert gzip.decompress(response.body) == plain.body
    assert [miss.header("X-Cache"), hit.header("X-Cache")] == ["MISS", "HIT"]
    assert hit.body == miss.body
    assert hit.header("ETag") != plain.header("ETag")
    assert "content-encoding" not in plain.headers
    refused = wsgi.get(story.url, accept_encoding="gzip;q=0, identity")
    assert "content-encoding" not in refused.headers and refused.body == plain.body


def test_head_is_answered_from_the_cache_without_a_body(wsgi, story):
    # (On a miss Django answers HEAD with the body; the app server drops it.)
    assert wsgi.request(story.url, method="HEAD").header("X-Cache") == "MISS"
    get = wsgi.get(story.url)
    assert get.header("X-Cache") == "MISS", "a HEAD response is never stored"
    assert b"Harbour bridge reopens" in get.body
    head = wsgi.request(story.url, method="HEAD")
    assert head.header("X-Cache") == "HIT"
    assert head.body == b""
    assert head.header("Content-Length") == str(len(get.body))
    assert head.header("ETag") == get.header("ETag")


def test_if_none_match_answers_304_on_hits_and_misses(wsgi, story):
    first = wsgi.get(story.url)
    etag = first.header("ETag")
    hit = wsgi.get(story.url, if_none_match=etag)
    assert hit.status == 304 and hit.body == b"" and hit.header("X-Cache") == "HIT"
    assert hit.header("ETag") == etag
    assert wsgi.get(story.url, if_none_match=f"W/{etag}").status == 304
    assert wsgi.get(story.url, if_none_match='"other", ' + etag).status == 304
    assert wsgi.get(story.url, if_none_match='"something-else"').status == 200
    gz_etag = wsgi.get(story.url, accept_encoding="gzip").header("ETag")
    assert wsgi.get(story.url, accept_encoding="gzip", if_none_match=gz_etag).status == 304

    # A fresh process with an empty cache renders again (a miss) and still says 304.
    fresh = WSGIClient()
    from django.core.cache import cache

    cache.clear()
    miss = fresh.get(story.url, if_none_match=etag)
    assert miss.header("X-Cache") == "MISS"
    assert miss.status == 304 and miss.body == b""


def test_if_modified_since_answers_304_on_hits_and_misses(wsgi, story):
    first = wsgi.get(story.url)
    last_modified = first.header("Last-Modified")
    assert wsgi.get(story.url, if_modified_since=last_modified).status == 304
    assert wsgi.get(story.url, if_modified_since=http_date(2_000_000_000)).status == 304
    assert wsgi.get(story.url, if_modified_since=http_date(1_000_000_000)).status == 200
    assert wsgi.get(story.url, if_modified_since="not a date").status == 200

    from django.core.cache import cache

    cache.clear()
    miss = WSGIClient().get(story.url, if_modified_since=http_date(2_000_000_000))
    assert (miss.status, miss.header("X-Cache")) == (304, "MISS")


def test_session_cookie_bypasses_the_cache_and_is_never_stored(wsgi, story, client):
    user = User.objects.create_user("reader", password="x")
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"

    signed_in = wsgi.get(story.url, cookie=cookie)
    assert signed_in.header("X-Cache") == "MISS"
    assert signed_in.header("Cache-Control") == "private, no-cache"
    assert wsgi.get(story.url).header("X-Cache") == "MISS", "the signed-in response was stored"
    assert wsgi.get(story.url).header("X-Cache") == "HIT"
    assert wsgi.get(story.url, cookie=f"theme=dark; {cookie}").header("X-Cache") == "MISS"
    # Unrelated cookies (e.g. csrftoken) do not bypass it.
    assert wsgi.get(story.url, cookie="csrftoken=abc; xsessionid2=1").header("X-Cache") == "HIT"
    assert wsgi.django_requests.count == 3


def test_uncached_path_answers_304_through_conditional_get(wsgi, story, client):
    user = User.objects.create_user("reader", password="x")
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    first = wsgi.get(story.url, cookie=cookie)
    again = wsgi.get(story.url, cookie=cookie, if_none_match=first.header("ETag"))
    assert again.status == 304 and again.body == b""
    assert wsgi.django_requests.count == 2, "both requests were rendered by Django"


def test_signed_in_readers_never_receive_another_readers_page(wsgi, story):
    """Two signed-in readers and an anonymous one, interleaved, on a per-reader page."""
    cookies = {}
    for name in ("alice", "bob"):
        client = Client()
        client.force_login(User.objects.create_user(name, password="x"))
        cookies[name] = f"sessionid={client.cookies['sessionid'].value}"

    sequence = ["anonymous", "alice", "anonymous", "bob", "alice", "anonymous", "bob"]
    for who in sequence:
        headers = {} if who == "anonymous" else {"cookie": cookies[who]}
        page = wsgi.get("/t/whoami/", **headers)
        assert page.text == f"<p>hello {who}</p>"
        article = wsgi.get(story.url, **headers)
        assert article.status == 200 and "Harbour bridge reopens" in article.text
        if who != "anonymous":
            assert page.header("X-Cache") == article.header("X-Cache") == "MISS"
            assert "private" in page.header("Cache-Control")
    # Anonymous readers share one rendering; each signed-in request rendered its own.
    assert calls["count"] == 1 + 4


@pytest.mark.parametrize("route", ["/t/cookie/", "/t/never/", "/t/private/", "/t/vary/"])
def test_responses_with_cookies_private_or_odd_vary_are_never_stored(wsgi, route):
    for _ in range(3):
        response = wsgi.get(route)
        assert response.status == 200
        assert response.header("X-Cache") == "MISS"
    assert calls["count"] == 3
    assert len(wsgi.application.store.memory) == 0


def test_not_found_pages_are_not_stored(wsgi, story):
    assert wsgi.get("/news/no-such-story/").status == 404
    assert wsgi.get("/news/no-such-story/").header("X-Cache") == "MISS"


def test_cache_disabled_passes_everything_to_django_with_cdn_headers(wsgi, story, settings):
    settings.PAGE_CACHE_ENABLED = False
    disabled = WSGIClient()
    for _ in range(2):
        response = disabled.get(story.url)
        assert "x-cache" not in response.headers
        assert response.header("Cache-Control").startswith("public, max-age=60")
    assert disabled.django_requests.count == 2
    etag = response.header("ETag")
    assert disabled.get(story.url, if_none_match=etag).status == 304


def test_memory_lru_stays_within_its_byte_bound():
    def entry(size):
        return Entry(
            generation=1,
            expires=2e9,
            last_modified_ts=0,
            headers=(),
            identity=b"x" * size,
            gzip_body=None,
        )

    lru = MemoryLRU(max_bytes=50_000)
    one_size = entry(4_000).size
    for n in range(100):
        lru.put(f"page-{n}", entry(4_000))
        if n == 5:
            lru.get("page-0")  # recently used: survives the next evictions
        assert lru.bytes <= 50_000
    assert lru.bytes == len(lru) * one_size
    assert len(lru) == 50_000 // one_size
    assert lru.get("page-99") is not None and lru.get("page-1") is None
    lru.put("huge", entry(60_000))
    assert lru.get("huge") is None and lru.bytes <= 50_000


def test_in_process_memory_is_capped_through_the_wrapper(wsgi, story, settings):
    settings.PAGE_CACHE_MEMORY_BYTES = 120_000
    capped = WSGIClient()
    section = make_section("News")
    routes = [story.url, "/", section.url, "/feed/rss/", "/feed/atom/", "/sitemap.xml"]
    routes += [make_article(section=section, title=f"Filler {n}").url for n in range(6)]
    for route in routes:
        assert capped.get(route).status == 200
        assert capped.application.store.memory.bytes <= 120_000
    assert 0 < len(capped.application.store.memory) < len(routes)
