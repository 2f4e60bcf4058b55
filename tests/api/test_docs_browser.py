"""The interactive docs run in a real browser under the site's strict CSP, all from this host."""

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser


def test_swagger_ui_renders_without_csp_violations_or_third_party_requests(live_server, page):
    messages, hosts = [], set()
    page.on("console", lambda message: messages.append(message.text))
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.goto(f"{live_server.url}/api/v1/docs")
    page.get_by_text("Masthead API").first.wait_for()
    page.locator(".opblock-summary-path", has_text="/api/v1/articles").first.wait_for()
    assert hosts == {urlsplit(live_server.url).netloc}
    assert not [m for m in messages if "Content Security Policy" in m or "Refused" in m]
