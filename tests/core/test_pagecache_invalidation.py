"""Invalidation: after any change a reader could see, the next anonymous GET shows it.

Bumps run on transaction commit; the tests run inside a transaction, so each
change is made under django_capture_on_commit_callbacks(execute=True), which
runs the commit hooks as a real commit would.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.signals import request_started
from wagtail.models import Site

from masthead.core.pagecache import bump_generation, current_generation
from masthead.core.pagecache.generation import COMPACT_AT_BYTES, FileGeneration
from masthead.newsroom.models import ArticlePage, PublicationSettings
from tests.core.pagecache_helpers import WSGIClient
from tests.newsroom.factories import AuthorFactory, make_article, make_image, make_section

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def wsgi(settings, tmp_path):
    settings.PAGE_CACHE_GENERATION_FILE = tmp_path / "generation"
    return WSGIClient()


@pytest.fixture
def news(db):
    return make_section("News")


@pytest.fixture
def story(news):
    return make_article(
        section=news,
        title="Ferry timetable changes",
        authors=[AuthorFactory(name="Mara Quill", slug="mara-quill")],
    )


def cached(wsgi, url):
    """GET twice; the second must be a hit, so the page is in the cache."""
    wsgi.get(url)
    response = wsgi.get(url)
    assert response.header("X-Cache") == "HIT"
    return response


def test_publishing_an_article_shows_it_on_the_home_page(
    wsgi, news, story, django_capture_on_commit_callbacks
):
    assert "Lighthouse restored" not in cached(wsgi, "/").text
    with django_capture_on_commit_callbacks(execute=True):
        make_article(section=news, title="Lighthouse restored")
    after = wsgi.get("/")
    assert after.header("X-Cache") == "MISS"
    assert "Lighthouse restored" in after.text


def test_publishing_an_edit_shows_it_and_a_draft_does_not(
    wsgi, story, django_capture_on_commit_callbacks
):
    cached(wsgi, story.url)
    page = ArticlePage.objects.get(pk=story.pk)
    page.title = "Ferry timetable changes again"
    with django_capture_on_commit_callbacks(execute=True):
        revision = page.save_revision()  # a draft: readers see nothing new
    draft = wsgi.get(story.url)
    assert draft.header("X-Cache") == "HIT"
    assert "Ferry timetable changes again" not in draft.text

    with django_capture_on_commit_callbacks(execute=True):
        revision.publish()
    after = wsgi.get(story.url)
    assert after.header("X-Cache") == "MISS"
    assert "Ferry timetable changes again" in after.text


def test_unpublishing_removes_the_article(wsgi, story, django_capture_on_commit_callbacks):
    cached(wsgi, story.url)
    with django_capture_on_commit_callbacks(execute=True):
        ArticlePage.objects.get(pk=story.pk).unpublish()
    assert wsgi.get(story.url).status == 404
    assert wsgi.get(story.url).status == 404


def test_deleting_removes_the_article(wsgi, story, django_capture_on_commit_callbacks):
    cached(wsgi, story.url)
    with django_capture_on_commit_callbacks(execute=True):
        ArticlePage.objects.get(pk=story.pk).delete()
    assert wsgi.get(story.url).status == 404


def test_author_edit_shows_on_the_article(wsgi, story, django_capture_on_commit_callbacks):
    assert "Mara Quill" in cached(wsgi, story.url).text
    author = story.author_list[0]
    author.name = "Mara Quill-Okoye"
    with django_capture_on_commit_callbacks(execute=True):
        author.save()
    assert "Mara Quill-Okoye" in wsgi.get(story.url).text


def test_publication_settings_edit_shows_everywhere(
    wsgi, story, django_capture_on_commit_callbacks
):
    cached(wsgi, story.url)
    cached(wsgi, "/")
    pub = PublicationSettings.for_site(Site.objects.get(is_default_site=True))
    pub.name = "The Estuary Herald"
    with django_capture_on_commit_callbacks(execute=True):
        pub.save()
    assert "The Estuary Herald" in wsgi.get(story.url).text
    assert "The Estuary Herald" in wsgi.get("/").text


def test_image_edit_shows_on_the_article(wsgi, news, django_capture_on_commit_callbacks):
    image = make_image(title="Quay at dusk")
    story = make_article(section=news, title="Night ferries", featured_image=image)
    assert 'alt="Quay at dusk"' in cached(wsgi, story.url).text
    image.title = "Quay at dawn"
    with django_capture_on_commit_callbacks(execute=True):
        image.save()
    assert 'alt="Quay at dawn"' in wsgi.get(story.url).text


def test_bump_generation_is_a_service_other_apps_call(
    wsgi, story, django_capture_on_commit_callbacks
):
    cached(wsgi, story.url)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        bump_generation()
        assert wsgi.get(story.url).header("X-Cache") == "HIT", "bumped before the commit"
    assert len(callbacks) == 1
    assert wsgi.get(story.url).header("X-Cache") == "MISS"


def test_a_page_rendered_across_a_bump_is_not_served_under_the_new_generation(
    wsgi, story, settings
):
    """A publish that commits while a page renders: that rendering may be stale.

    The entry keeps the generation read before rendering, so the next request
    renders again instead of serving it.
    """
    generation = FileGeneration(settings.PAGE_CACHE_GENERATION_FILE)

    def publish_meanwhile(**_kwargs):
        generation.bump()

    request_started.connect(publish_meanwhile)
    try:
        assert wsgi.get(story.url).header("X-Cache") == "MISS"
    finally:
        request_started.disconnect(publish_meanwhile)
    assert wsgi.get(story.url).header("X-Cache") == "MISS"
    assert wsgi.get(story.url).header("X-Cache") == "HIT"


def test_file_generation_changes_on_every_bump_and_survives_compaction(tmp_path):
    generation = FileGeneration(tmp_path / "generation")
    seen = {generation.current()}
    for _ in range(5):
        generation.bump()
        seen.add(generation.current())
    assert len(seen) == 6
    # Grow the file to the compaction size: the next bump starts a fresh file
    # whose value was never seen before.
    with open(tmp_path / "generation", "ab") as f:
        f.write(b"." * COMPACT_AT_BYTES)
    seen.add(generation.current())
    generation.bump()
    assert generation.current() not in seen
    assert os.path.getsize(tmp_path / "generation") == 1


def _child(code: str, data_dir: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MASTHEAD_"))}
    env.update(DJANGO_SETTINGS_MODULE="tests.settings", MASTHEAD_DATA_DIR=str(data_dir))
    env.pop("CACHE_URL", None)
    # The generation lives in the data dir, not the database; the child must not
    # reach for a PostgreSQL database that only the test runner created.
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip()


def test_two_processes_share_the_generation_through_the_data_dir(settings, tmp_path, story):
    """Bump in another OS process; this one stops serving its cached page, and vice versa."""
    settings.PAGE_CACHE_GENERATION_FILE = tmp_path / "page-cache.generation"
    wsgi = WSGIClient()
    cached(wsgi, story.url)
    read = "from masthead.core.pagecache import current_generation; print(current_generation())"
    assert _child(read, tmp_path) == str(current_generation())

    _child("from masthead.core.pagecache import bump_generation; bump_generation()", tmp_path)
    assert wsgi.get(story.url).header("X-Cache") == "MISS"
    assert wsgi.get(story.url).header("X-Cache") == "HIT"

    before = _child(read, tmp_path)
    FileGeneration(settings.PAGE_CACHE_GENERATION_FILE).bump()
    after = _child(read, tmp_path)
    assert before != after == str(current_generation())


# --- at scale: the generation in Redis, two app servers sharing it ----------
@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_generation_in_redis_is_shared_by_two_app_servers(
    settings, redis_url, story, django_capture_on_commit_callbacks
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "pagecache-test",
        }
    }
    first, second = WSGIClient(), WSGIClient()
    assert first.application.config.generation_store == "cache"
    cached(first, story.url)
    from_shared = second.get(story.url)
    assert from_shared.header("X-Cache") == "HIT", "second server reuses the first's rendering"
    assert second.django_requests.count == 0

    with django_capture_on_commit_callbacks(execute=True):
        bump_generation()
    assert first.get(story.url).header("X-Cache") == "MISS"
    assert second.get(story.url).header("X-Cache") == "HIT", "re-rendered by the first server"
    second.application.store.generation.bump()
    assert first.get(story.url).header("X-Cache") == "MISS"
