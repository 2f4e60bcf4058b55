import pytest

from masthead.metrics.selectors import forget_known_articles
from masthead.metrics.services import reset_process_state

BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


@pytest.fixture(autouse=True)
def _fresh_counting_state():
    """Each test starts with an empty buffer, no remembered visitors and no known ids."""
    reset_process_state()
    forget_known_articles()
    yield
    reset_process_state()
    forget_known_articles()


def beacon(client, article_id, *, ip="203.0.113.7", ua=BROWSER_UA, body=None, **headers):
    """POST the beacon as navigator.sendBeacon does, from the reader at `ip`."""
    return client.post(
        "/metrics/view/",
        data=body if body is not None else f"a={article_id}",
        content_type="application/x-www-form-urlencoded;charset=UTF-8",
        REMOTE_ADDR=ip,
        headers={"User-Agent": ua, "Sec-Fetch-Site": "same-origin", **headers},
    )
