"""Median server time to render an uncached article page, and an article page's weight.

Requests every demo article once over one keep-alive loopback connection to the
production server (granian, the same settings `masthead serve` uses), after a
warm-up pass, and reports the distribution.  Loopback adds ~0.1 ms; nothing else
sits between the timer and the server.
"""

import gzip
import http.client
import re
import statistics
import time

CACHE_BUSTER = "nocache"


def fetch(
    conn: http.client.HTTPConnection, path: str, *, encoding="gzip"
) -> tuple[int, bytes, float]:
    start = time.perf_counter()
    conn.request("GET", path, headers={"Accept-Encoding": encoding})
    response = conn.getresponse()
    body = response.read()
    return response.status, body, time.perf_counter() - start


def render_times(port: int, urls: list[str], *, passes: int = 2) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for url in urls:  # warm-up: imports, templates, image renditions made on first view
        fetch(conn, url)
    samples = []
    for n in range(passes):
        for url in urls:
            # A distinct query string keeps any URL-keyed cache out of the measurement.
            status, _, seconds = fetch(conn, f"{url}?{CACHE_BUSTER}={n}")
            if status != 200:
                raise RuntimeError(f"{url} answered {status}")
            samples.append(seconds)
    return samples


def summarize(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "median_ms": statistics.median(ordered) * 1000,
        "p90_ms": ordered[int(len(ordered) * 0.9)] * 1000,
        "max_ms": ordered[-1] * 1000,
    }


def page_weight(port: int, url: str) -> dict:
    """Transferred bytes (compressed as a browser would get them) of HTML, CSS and JS."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    _, html_gz, _ = fetch(conn, url, encoding="gzip, br")
    html = gzip.decompress(html_gz) if html_gz[:2] == b"\x1f\x8b" else html_gz
    text = html.decode()
    css = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', text)
    js = re.findall(r'<script[^>]+src="([^"]+)"', text)
    weights = {"html": len(html_gz), "css": 0, "js": 0, "html_uncompressed": len(html)}
    for kind, paths in (("css", css), ("js", js)):
        for path in paths:
            if path.startswith("/"):
                weights[kind] += len(fetch(conn, path, encoding="gzip, br")[1])
    weights["total"] = weights["html"] + weights["css"] + weights["js"]
    return weights
