"""A read replica on real processes: where each kind of request reads from.

The "replica" is a second PostgreSQL database made as a copy of the seeded primary
(CREATE DATABASE ... TEMPLATE, what a base backup is), then made read-only like a hot
standby, so any write the app sent there would fail the request.  Nothing replicates
between the two: one article's title is changed in the replica alone, and which title
a page shows says which database served it.
"""

import html
import re
import uuid

import httpx
import psycopg
import pytest

from . import harness

REPLICA_TITLE = "Title only the replica has"
PASSWORD = "correct horse battery staple 42"


@pytest.fixture(scope="module")
def redis_url(services):
    """A redis-server of this module's own: test runs that share the machine's Redis
    share its numbered databases, and with them page and fragment caches."""
    server = harness.RedisServer()
    server.start()
    yield server.url
    server.cleanup()


def _copy_database(source_url: str) -> str:
    """A new database with the source's schema and rows (nobody may be connected to it)."""
    name = f"masthead_replica_{uuid.uuid4().hex[:10]}"
    source = source_url.rsplit("/", 1)[1]
    with psycopg.connect(
        f"postgresql://postgres@{harness.PG_HOST}:{harness.PG_PORT}/postgres", autocommit=True
    ) as c:
        c.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    return source_url.rsplit("/", 1)[0] + "/" + name


def _read_only(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    harness.sql(url, f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')


def _title(markup: str) -> str:
    match = re.search(r"<title>(.*?)</title>", markup, re.S)
    assert match, markup[:500]
    return html.unescape(match.group(1).split(" – ")[0].strip())


@pytest.fixture(scope="module")
def setup(deployment):
    deployment.manage("demo")
    # Settings rows are made on first use, and making one bumps the content generation;
    # made now, they are in both databases and the first page view changes nothing.
    found = deployment.python(
        "from wagtail.contrib.settings.models import BaseGenericSetting, BaseSiteSetting\n"
        "from wagtail.contrib.settings.registry import registry\n"
        "from wagtail.models import Site\n"
        "for model in registry:\n"
        "    if issubclass(model, BaseSiteSetting):\n"
        "        [model.for_site(site) for site in Site.objects.all()]\n"
        "    elif issubclass(model, BaseGenericSetting):\n"
        "        model.load()\n"
        "from masthead.newsroom.models import ArticlePage, SectionPage\n"
        "a = ArticlePage.objects.live().order_by('pk').first()\n"
        "s = SectionPage.objects.live().order_by('pk').first()\n"
        "print(a.pk, a.url, s.pk, s.title, sep='|')"
    )
    article_id, url, section_id, section_title = found.strip().splitlines()[-1].split("|")
    primary_title = harness.sql(
        deployment.database_url, "SELECT title FROM wagtailcore_page WHERE id = %s", article_id
    )[0][0]
    replica_url = _copy_database(deployment.database_url)
    harness.sql(
        replica_url,
        "UPDATE wagtailcore_page SET title = %s WHERE id = %s",
        REPLICA_TITLE,
        article_id,
    )
    _read_only(replica_url)
    # Made after the copy: signing in works only if the login reads the primary.
    deployment.manage(
        "createsuperuser",
        "--noinput",
        "--username",
        "replica-test-admin",
        "--email",
        "replica-test-admin@example.com",
        DJANGO_SUPERUSER_PASSWORD=PASSWORD,
    )
    app = deployment.start_app("app", DATABASE_REPLICA_URL=replica_url)
    yield {
        "app": app,
        "article_id": int(article_id),
        "path": httpx.URL(url).path,
        "primary_title": primary_title,
        "section_id": int(section_id),
        "section_title": section_title,
        "replica_url": replica_url,
        "deployment": deployment,
    }
    deployment.stop_all()
    harness.drop_database(replica_url)


def _get(client: httpx.Client, setup, path: str | None = None) -> httpx.Response:
    response = client.get(setup["app"].url + (path or setup["path"]), timeout=30)
    assert response.status_code == 200, response.text[:500]
    return response


def test_an_anonymous_get_reads_the_replica(setup):
    assert setup["primary_title"] != REPLICA_TITLE
    with httpx.Client() as client:
        first = _get(client, setup)
        assert _title(first.text) == REPLICA_TITLE
        # A second anonymous GET comes from the page cache, rendered from the replica too.
        assert _title(_get(client, setup).text) == REPLICA_TITLE
        assert "masthead_primary" not in client.cookies


def test_signed_in_staff_read_the_primary(setup):
    base = setup["app"].url
    with httpx.Client(base_url=base, timeout=30) as client:
        client.get("/admin/login/")
        response = client.post(
            "/admin/login/",
            data={
                "username": "replica-test-admin",  # on the primary only
                "password": PASSWORD,
                "csrfmiddlewaretoken": client.cookies["csrftoken"],
            },
            headers={"Referer": base + "/admin/login/"},
        )
        assert response.status_code == 302, response.text[:1000]
        assert _title(_get(client, setup).text) == setup["primary_title"]
        edit = client.get(f"/admin/pages/{setup['article_id']}/edit/")
        assert edit.status_code == 200
        assert html.escape(setup["primary_title"]) in edit.text
        assert REPLICA_TITLE not in edit.text


def _uncached(setup) -> str:
    """The article at a URL the page cache has no entry for.  A cached page is right
    for every browser (the generation says what it shows); a writer's browser gets a
    primary render whenever the page cache misses."""
    return f"{setup['path']}?v={uuid.uuid4().hex[:8]}"


def test_the_sticky_cookie_reads_the_primary(setup):
    path = _uncached(setup)
    with httpx.Client(cookies={"masthead_primary": "1"}) as client:
        assert _title(_get(client, setup, path).text) == setup["primary_title"]
    with httpx.Client() as client:  # the same URL without the cookie
        assert _title(_get(client, setup, _uncached(setup)).text) == REPLICA_TITLE


def test_a_post_writes_the_primary_and_that_browser_then_reads_the_primary(setup):
    email = f"reader-{uuid.uuid4().hex[:8]}@example.com"
    with httpx.Client(base_url=setup["app"].url, timeout=30) as client:
        assert _title(_get(client, setup).text) == REPLICA_TITLE
        signup = client.get("/newsletters/")
        slug = re.search(r'name="newsletters" value="([^"]+)"', signup.text).group(1)
        response = client.post(
            "/newsletters/subscribe/", data={"email": email, "newsletters": slug}
        )
        assert response.status_code == 200, response.text[:1000]
        assert "masthead_primary" in response.cookies
        assert _title(_get(client, setup, _uncached(setup)).text) == setup["primary_title"]
    rows = harness.sql(
        setup["deployment"].database_url,
        "SELECT count(*) FROM newsletters_subscriber WHERE email = %s",
        email,
    )
    assert rows == [(1,)]
    assert harness.sql(
        setup["replica_url"], "SELECT count(*) FROM newsletters_subscriber WHERE email = %s", email
    ) == [(0,)]

    # The confirmation link, opened in another browser (no cookie), reads the request
    # that exists only on the primary: on the replica it would be a bad link.
    link = (
        setup["deployment"]
        .python(
            "from masthead.newsletters import tokens\n"
            "from masthead.newsletters.models import ListSubscription\n"
            f"row = ListSubscription.objects.get(subscriber__email={email!r})\n"
            "print(tokens.confirm_url(row.pk, row.confirm_nonce))"
        )
        .strip()
        .splitlines()[-1]
    )
    path = httpx.URL(link).path
    with httpx.Client(base_url=setup["app"].url, timeout=30) as other:
        page = other.get(path)
        assert page.status_code == 200, page.text[:1000]
        confirmed = other.post(path)
        assert confirmed.status_code == 200, confirmed.text[:1000]
    assert harness.sql(
        setup["deployment"].database_url,
        "SELECT ls.status FROM newsletters_listsubscription ls "
        "JOIN newsletters_subscriber s ON s.id = ls.subscriber_id WHERE s.email = %s",
        email,
    ) == [("active",)]


def test_migrations_never_touch_the_replica(setup):
    deployment = setup["deployment"]
    empty = harness.create_database()
    try:
        deployment.manage("migrate", "--database", "replica", DATABASE_REPLICA_URL=empty)
        tables = harness.sql(
            empty,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
        )
        # Django records the migrations as applied there, and creates nothing else.
        assert {name for (name,) in tables} <= {"django_migrations"}
    finally:
        harness.drop_database(empty)
    # With the (read-only) replica configured, migrating the deployment works: nothing
    # is sent to it.
    deployment.manage("migrate", "--no-input", DATABASE_REPLICA_URL=setup["replica_url"])


def test_a_publish_invalidates_pages_and_memos_rendered_from_the_replica(setup):
    """Run last: the publish starts a window in which every render reads the primary."""
    with httpx.Client() as client:
        assert _title(_get(client, setup).text) == REPLICA_TITLE  # cached from the replica
    new_title = f"Corrected headline {uuid.uuid4().hex[:6]}"
    new_section = f"Section {uuid.uuid4().hex[:6]}"
    setup["deployment"].python(
        "from masthead.newsroom.models import ArticlePage, SectionPage\n"
        f"a = ArticlePage.objects.get(pk={setup['article_id']})\n"
        f"a.title = {new_title!r}\n"
        "a.save_revision().publish()\n"
        f"s = SectionPage.objects.get(pk={setup['section_id']})\n"
        f"s.title = {new_section!r}\n"
        "s.save_revision().publish()\n"
    )
    # The replica has not (and here never will have) the change: the next anonymous
    # render must come from the primary, or the replica's stale page would be cached
    # under the new generation.
    with httpx.Client() as client:
        page = _get(client, setup)
        assert _title(page.text) == new_title
        # The section menu is memoised per generation: it shows the new name too.
        assert new_section in page.text
        assert setup["section_title"] not in page.text
