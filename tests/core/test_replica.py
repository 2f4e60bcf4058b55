"""Which requests read from the replica (masthead.core.replica), without a second database.

The rules only look at the request, the settings and the content generation, so a
"replica" entry in DATABASES is enough for them; tests/scale/test_replica.py proves
the same rules against two real PostgreSQL databases.
"""

import uuid

import pytest
from django.db import connections, transaction
from django.test import RequestFactory
from django.urls import reverse

from masthead.core import replica
from masthead.core.pagecache.generation import _bump_now

# The "replica" alias is only ever named here, never connected to.
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")


@pytest.fixture
def with_replica(settings, tmp_path):
    settings.DATABASES = {**settings.DATABASES, "replica": dict(settings.DATABASES["default"])}
    settings.PAGE_CACHE_GENERATION_STORE = "file"
    settings.PAGE_CACHE_GENERATION_FILE = tmp_path / "generation"
    # A clock that has already seen the current generation, as a running process has.
    clock = replica._GenerationClock()
    clock.changed_within(0)
    original, replica._generation_clock = replica._generation_clock, clock
    yield settings
    replica._generation_clock = original


@pytest.fixture
def rf():
    return RequestFactory()


def test_anonymous_get_of_a_public_page_reads_the_replica(with_replica, rf):
    assert replica.reads_from_replica(rf.get("/news/some-article/"))
    assert replica.reads_from_replica(rf.head("/"))
    assert replica.reads_from_replica(rf.get("/feed/rss/"))


def test_without_a_replica_everything_reads_the_primary(settings, rf):
    assert "replica" not in settings.DATABASES
    assert not replica.reads_from_replica(rf.get("/"))


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_other_methods_read_the_primary(with_replica, rf, method):
    assert not replica.reads_from_replica(getattr(rf, method)("/"))


def test_signed_in_browsers_and_recent_writers_read_the_primary(with_replica, rf):
    signed_in = rf.get("/")
    signed_in.COOKIES[with_replica.SESSION_COOKIE_NAME] = "abc"
    assert not replica.reads_from_replica(signed_in)

    writer = rf.get("/")
    writer.COOKIES[replica.STICKY_COOKIE] = "1"
    assert not replica.reads_from_replica(writer)

    csrf_only = rf.get("/")
    csrf_only.COOKIES[with_replica.CSRF_COOKIE_NAME] = "x" * 32
    assert replica.reads_from_replica(csrf_only)


def test_api_clients_with_credentials_read_the_primary(with_replica, rf):
    assert not replica.reads_from_replica(rf.get("/", HTTP_AUTHORIZATION="Bearer abc"))


# Every kind of GET that reads what was just written or goes on to write, by its URL
# name, so that moving one of them out from under a primary prefix fails here.
READ_THEN_WRITE_GETS = [
    ("newsletters:confirm", ["token"]),  # double opt-in confirmation link
    ("newsletters:unsubscribe", ["token"]),
    ("newsletters:manage", ["token"]),
    ("newsletters:subscribe", []),
    ("discussion:confirm", ["token"]),  # a guest's reply-notification confirmation
    ("discussion:unsubscribe", ["token"]),
    ("discussion:comments", [1]),  # the thread a commenter has just posted to
    ("discussion:token", [1]),
    ("readers:sign_in_link", ["token"]),  # magic link: single use, starts a session
    ("readers:email_confirm", ["token"]),
    ("readers:email_verify", ["token"]),
    ("ads:click", ["token"]),  # click redirect: counts the click
    ("ads:impression", []),
    ("metrics:pixel", ["1"]),  # noscript view pixel: counts the view
    ("metrics:counts", []),
    ("support:thanks", [uuid.uuid4()]),  # donation return page: reads the webhook's write
    ("support:status", [uuid.uuid4()]),
    ("support:offline", [uuid.uuid4()]),
    ("support:membership", ["token"]),
    ("core:reader_state", []),
    ("wagtailcore_authenticate_with_password", [1, 1]),  # private page password form
]


@pytest.mark.parametrize(("name", "args"), READ_THEN_WRITE_GETS, ids=lambda v: str(v))
def test_gets_that_read_then_write_read_the_primary(with_replica, rf, name, args):
    path = reverse(name, args=args)
    assert not replica.reads_from_replica(rf.get(path)), path


@pytest.mark.parametrize("path", ["/admin/", "/api/v1/articles/", "/search/?q=x", "/readyz"])
def test_admin_api_search_and_probes_read_the_primary(with_replica, rf, path):
    assert not replica.reads_from_replica(rf.get(path))


def test_a_new_content_generation_keeps_renders_on_the_primary_for_the_lag(with_replica, rf):
    assert replica.reads_from_replica(rf.get("/"))
    _bump_now()  # a publish somewhere, seen by this process on its next request
    assert not replica.reads_from_replica(rf.get("/"))
    with_replica.DATABASE_REPLICA_LAG_SECONDS = 0  # the lag has passed
    assert replica.reads_from_replica(rf.get("/"))


def test_the_generation_a_process_starts_with_counts_as_old(settings, tmp_path):
    settings.PAGE_CACHE_GENERATION_STORE = "file"
    settings.PAGE_CACHE_GENERATION_FILE = tmp_path / "generation"
    clock = replica._GenerationClock()
    assert not clock.changed_within(3600)
    _bump_now()
    assert clock.changed_within(3600)


def test_router_writes_and_migrates_only_the_primary():
    router = replica.ReplicaRouter()
    token = replica._use_replica.set(True)
    try:
        assert router.db_for_write(None) == "default"
        assert router.db_for_read(None) == "replica"
    finally:
        replica._use_replica.reset(token)
    assert router.db_for_read(None) == "default"
    assert router.allow_migrate("default", "newsroom")
    assert not router.allow_migrate("replica", "newsroom")
    assert not router.allow_migrate("replica", "contenttypes", model_name="contenttype")


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_on_the_primary_stay_on_the_primary():
    router = replica.ReplicaRouter()
    token = replica._use_replica.set(True)
    try:
        with transaction.atomic():
            assert connections["default"].in_atomic_block
            assert router.db_for_read(None) == "default"
        assert router.db_for_read(None) == "replica"
    finally:
        replica._use_replica.reset(token)


@pytest.mark.django_db
def test_only_a_request_that_wrote_sets_the_sticky_cookie(with_replica, rf):
    """A view or ad beacon is a POST into a buffer on every article view: were it to
    set the cookie, every reader would be kept off the replica (and out of a front
    cache) for good.  A POST that stored something sets it."""
    from django.http import HttpResponse

    from masthead.newsletters.models import Newsletter

    def beacon(request):
        return HttpResponse(status=204)

    def signup(request):
        Newsletter.objects.create(name="Sticky", slug=f"sticky-{uuid.uuid4().hex[:6]}")
        return HttpResponse(status=200)

    response = replica.ReplicaReadsMiddleware(beacon)(rf.post("/metrics/v/"))
    assert replica.STICKY_COOKIE not in response.cookies
    response = replica.ReplicaReadsMiddleware(signup)(rf.post("/newsletters/subscribe/"))
    assert replica.STICKY_COOKIE in response.cookies
