"""Calling the real WSGI application (page cache wrapper + Django) with hand-built environs."""

import io
import sys
from dataclasses import dataclass, field

from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import reverse

from masthead.core.pagecache.app import PageCacheApplication


@dataclass
class WSGIResponse:
    status: int
    headers: dict = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str, default=None):
        return self.headers.get(name.lower(), default)

    @property
    def text(self) -> str:
        return self.body.decode()


class DjangoCounter:
    """Counts requests that reach Django (request_started), i.e. that were not cache hits."""

    def __init__(self):
        self.count = 0

    def __call__(self, **_kwargs):
        self.count += 1


class WSGIClient:
    """The production stack: PageCacheApplication(WSGIHandler()), built from current settings."""

    def __init__(self):
        self.application = PageCacheApplication(
            WSGIHandler(), reader_state_path=reverse("core:reader_state")
        )
        self.django_requests = DjangoCounter()

    def request(self, path, *, method="GET", query="", host="localhost", **headers):
        environ = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": host,
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        for name, value in headers.items():
            environ["HTTP_" + name.upper()] = value
        captured = {}

        def start_response(status, response_headers, exc_info=None):
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = {k.lower(): v for k, v in response_headers}

        # As Django's test client does: the test's transaction must survive requests.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        request_started.connect(self.django_requests)
        try:
            result = self.application(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        finally:
            request_started.disconnect(self.django_requests)
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return WSGIResponse(captured["status"], captured["headers"], body)

    def get(self, path, **kwargs):
        return self.request(path, **kwargs)
