"""Two app servers and one worker on one PostgreSQL and one Redis: what one server
promises, both promise together.

Publishing through one server shows on the other's next anonymous GET (the page
cache generation lives in Redis); beacons split across both are counted once per
visitor; a rate limit counts requests to either server against one total; a
sign-in link raced at both servers signs in exactly once.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from . import harness

LINK = re.compile(r"https?://[^\s\"<>]+(/reader/sign-in/[^\s\"<>/]+/)")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
EDITOR, EDITOR_PASSWORD = "scale-editor", "scale-" + uuid.uuid4().hex
TIMEOUT = 30


@pytest.fixture(scope="module")
def mailbox(_smtp_controller):
    """The session's aiosmtpd server (tests/smtp_fixtures.py), which the worker mails to."""
    _smtp_controller.clear()
    return _smtp_controller


@pytest.fixture(scope="module")
def site(deployment, mailbox):
    """The demo publication served by app1 and app2, with one worker sending its mail."""
    deployment.extra_env.update(
        MASTHEAD_VIEW_CLIENT_IP_HEADER="HTTP_X_FORWARDED_FOR",
        EMAIL_URL=f"smtp://{mailbox.host}:{mailbox.port}",
    )
    deployment.manage("demo", "--articles", "12")
    deployment.python(
        "from django.contrib.auth import get_user_model\n"
        f"get_user_model().objects.create_superuser({EDITOR!r}, 'scale-editor@example.org', "
        f"{EDITOR_PASSWORD!r})"
    )
    app1 = deployment.start_app("app1")
    app2 = deployment.start_app("app2")
    deployment.start_worker("worker")
    try:
        yield deployment, app1, app2
    except BaseException:
        print(deployment.logs())
        raise


def csrf_token(response: httpx.Response, client: httpx.Client) -> str:
    """The form's token, else the cookie's secret (which Django accepts unmasked)."""
    match = CSRF_FIELD.search(response.text)
    return match[1] if match else client.cookies["csrftoken"]


def sign_in_page(client: httpx.Client, server, path: str = "/reader/sign-in/") -> str:
    response = client.get(server.url + path)
    assert response.status_code == 200, response.text[:500]
    return csrf_token(response, client)


def ask_for_link(client: httpx.Client, server, email: str, ip: str) -> httpx.Response:
    token = sign_in_page(client, server)
    return client.post(
        server.url + "/reader/sign-in/",
        data={"email": email, "csrfmiddlewaretoken": token},
        headers={"X-Forwarded-For": ip, "Referer": server.url + "/reader/sign-in/"},
    )


def demo_facts(deployment) -> dict:
    out = deployment.python(
        "from masthead.newsroom.models import ArticlePage, Author, SectionPage\n"
        "section = SectionPage.objects.live().first()\n"
        "print('section', section.pk, section.url)\n"
        "print('author', Author.objects.order_by('pk').first().pk)\n"
        "article = ArticlePage.objects.live().order_by('pk').first()\n"
        "print('article', article.pk, article.url)\n"
    )
    facts = {}
    for line in out.splitlines():
        words = line.split()
        if words and words[0] in ("section", "author", "article"):
            facts[words[0]] = words[1:]
    return facts


# --- (a) publish through one, visible through the other ---------------------------------


def test_publish_through_one_server_is_visible_through_the_other(site):
    deployment, app1, app2 = site
    facts = demo_facts(deployment)
    section_id, section_url = facts["section"]
    author_id = facts["author"][0]
    title = f"Harbour ferry returns {uuid.uuid4().hex[:6]}"
    slug = title.lower().replace(" ", "-")

    # Both servers hold the home and section pages in their page caches.
    for server in (app1, app2):
        for path in ("/", section_url):
            for _ in range(2):
                response = httpx.get(server.url + path, timeout=TIMEOUT)
                assert response.status_code == 200
                assert title not in response.text

    with httpx.Client(timeout=TIMEOUT) as editor:
        token = csrf_token(editor.get(app1.url + "/admin/login/"), editor)
        signed_in = editor.post(
            app1.url + "/admin/login/",
            data={
                "username": EDITOR,
                "password": EDITOR_PASSWORD,
                "next": "/admin/",
                "csrfmiddlewaretoken": token,
            },
        )
        assert signed_in.status_code == 302, signed_in.text[:2000]
        add = f"/admin/pages/add/newsroom/articlepage/{section_id}/"
        form = editor.get(app1.url + add)
        assert form.status_code == 200, form.text[:2000]
        data = nested_form_data(
            {
                "title": title,
                "slug": slug,
                "standfirst": "The ferry is back after a winter of repairs.",
                "article_authors": inline_formset([{"author": author_id}], min=1),
                "corrections": inline_formset([]),
                "body": streamfield(
                    [("paragraph", rich_text("<p>The first crossing left at seven.</p>"))]
                ),
                "tags": "harbour",
            }
        )
        data["action-publish"] = "1"
        data["csrfmiddlewaretoken"] = csrf_token(form, editor)
        published = editor.post(app1.url + add, data=data)
        assert published.status_code == 302, published.text[:3000]

    # The very next anonymous GET on the other server shows it: no waiting for expiry.
    for path in ("/", section_url):
        response = httpx.get(app2.url + path, timeout=TIMEOUT)
        assert response.status_code == 200
        assert title in response.text, f"{path} on app2 still shows the old page"
    article = httpx.get(f"{app2.url}{section_url}{slug}/", timeout=TIMEOUT)
    assert article.status_code == 200
    assert "The first crossing left at seven." in article.text


# --- (b) beacons through both, counted exactly ------------------------------------------


def test_beacons_to_both_servers_at_once_are_counted_exactly(site):
    deployment, app1, app2 = site
    article_id = int(demo_facts(deployment)["article"][0])
    before = harness.stored_views(deployment, article_id)
    visitors, tag = 60, uuid.uuid4().hex[:8]
    # Every visitor once on "their" server, and every third again on the other one.
    sends = [((app1, app2)[v % 2], v) for v in range(1, visitors + 1)]
    sends += [((app2, app1)[v % 2], v) for v in range(1, visitors + 1, 3)]
    start = threading.Barrier(16)

    def send(job):
        server, visitor = job
        with contextlib.suppress(threading.BrokenBarrierError):  # stragglers go anyway
            start.wait(timeout=10)
        return harness.send_beacon(server, article_id, visitor, tag).status_code

    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(send, sends))
    assert statuses == [204] * len(sends)

    harness.wait_until(
        lambda: harness.stored_views(deployment, article_id) - before >= visitors,
        what="both servers to flush their beacons",
        timeout=30,
    )
    # A few more flush intervals, so a duplicate counted late would show too.
    time.sleep(3)
    assert harness.stored_views(deployment, article_id) - before == visitors


# --- (c) a rate limit across both --------------------------------------------------------


def sign_in_statuses(servers, email: str, ip: str, attempts: int) -> list[int]:
    with httpx.Client(timeout=TIMEOUT) as browser:
        return [
            ask_for_link(browser, servers[i % len(servers)], email, ip).status_code
            for i in range(attempts)
        ]


def test_a_rate_limit_counts_requests_to_both_servers_against_one_total(site):
    _, app1, app2 = site
    tag = uuid.uuid4().hex[:8]
    # readers.services.SIGN_INS_PER_EMAIL is 5 per 15 minutes; each run has its own
    # client address, so only the per-address limit is in play.
    alone = sign_in_statuses([app1], f"alone-{tag}@example.com", "198.51.100.21", 8)
    alternating = sign_in_statuses([app1, app2], f"both-{tag}@example.com", "198.51.100.22", 8)
    assert alone == [200] * 5 + [429] * 3
    assert alternating == alone


# --- (d) a sign-in link raced at both servers ---------------------------------------------


def test_a_sign_in_link_raced_at_both_servers_signs_in_once(site, mailbox):
    _, app1, app2 = site
    for round_ in range(4):
        email = f"racer-{round_}-{uuid.uuid4().hex[:6]}@example.com"
        with httpx.Client(timeout=TIMEOUT) as asker:
            asked = ask_for_link(asker, app1, email, f"198.51.100.{40 + round_}")
        assert asked.status_code == 200, asked.text[:500]
        messages = harness.wait_until(
            lambda email=email: mailbox.to(email), what=f"the sign-in mail to {email}"
        )
        [path] = {LINK.search(m.text())[1] for m in messages}

        browsers = [httpx.Client(timeout=TIMEOUT) for _ in range(2)]
        try:
            tokens = [sign_in_page(b, s, path) for b, s in zip(browsers, (app1, app2))]
            barrier = threading.Barrier(2)

            def use(i):
                barrier.wait(timeout=10)
                server = (app1, app2)[i]
                return browsers[i].post(
                    server.url + path,
                    data={"csrfmiddlewaretoken": tokens[i]},
                    headers={"Referer": server.url + path},
                )

            with ThreadPoolExecutor(2) as pool:
                answers = list(pool.map(use, range(2)))
            winners = [a for a in answers if a.status_code == 302]
            losers = [a for a in answers if a.status_code != 302]
            assert len(winners) == 1, [(a.status_code, a.text[:300]) for a in answers]
            [loser] = losers
            assert loser.status_code == 410
            assert "already been used" in loser.text
            winner = browsers[answers.index(winners[0])]
            loser_browser = browsers[answers.index(loser)]
            # The session is in the shared database and cache: both servers know the reader.
            for server in (app1, app2):
                page = winner.get(server.url + "/reader/")
                assert page.status_code == 200 and email in page.text
                assert loser_browser.get(server.url + "/reader/").status_code == 302
        finally:
            for b in browsers:
                b.close()
