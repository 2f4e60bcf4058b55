"""A stand-in for Stripe's API on 127.0.0.1, and webhook signing as Stripe does it.

The official library is pointed at the stub through settings.STRIPE_API_BASE, so
what it sends (form-encoded parameters, headers) is what Stripe would receive.
"""

import hashlib
import hmac
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest

WEBHOOK_SECRET = "whsec_test_masthead_0123456789abcdef"
SECRET_KEY = "sk_test_masthead_stub"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict
    form: dict  # flattened form fields, e.g. "line_items[0][price_data][unit_amount]"


@dataclass
class StripeStub:
    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    # (method, path) -> list of (status, body) answered in order; the last one repeats.
    answers: dict = field(default_factory=dict)

    def answer(self, method: str, path: str, status: int, body: dict) -> None:
        self.answers.setdefault((method, path), []).append((status, body))

    def respond(self, method: str, path: str, form: dict) -> tuple[int, dict]:
        queued = self.answers.get((method, path))
        if queued:
            return queued.pop(0) if len(queued) > 1 else queued[0]
        if method == "POST" and path == "/v1/checkout/sessions":
            session_id = f"cs_test_{uuid.uuid4().hex}"
            return 200, {
                "id": session_id,
                "object": "checkout.session",
                "mode": form.get("mode"),
                "url": f"https://checkout.stripe.com/c/pay/{session_id}",
                "client_reference_id": form.get("client_reference_id"),
                "status": "open",
                "payment_status": "unpaid",
            }
        return 404, {
            "error": {"type": "invalid_request_error", "message": f"No route {method} {path}"}
        }

    def sent(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path == path]


def _handler(stub: StripeStub):
    class Handler(BaseHTTPRequestHandler):
        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            path, _, query = self.path.partition("?")
            form = dict(parse_qsl(raw or query, keep_blank_values=True))
            stub.requests.append(Recorded(self.command, path, dict(self.headers), form))
            status, body = stub.respond(self.command, path, form)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = _serve

        def log_message(self, format, *args):  # keep test output quiet
            pass

    return Handler


@pytest.fixture(name="stripe_stub")
def stripe_stub_fixture(settings, monkeypatch):
    """Stripe configured with test keys and its API answered by a local stub server."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    stub = StripeStub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = stub.url
    yield stub
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(name="stripe_keys")
def stripe_keys_fixture(settings):
    """Stripe configured with test keys; any API call would fail (no stub, no internet)."""
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    return settings


def sign(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The Stripe-Signature header Stripe would send: t=<ts>,v1=HMAC-SHA256(secret, "t.payload")."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(
        secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


def stripe_event(event_type: str, obj: dict, *, event_id: str = "", created: int = 0) -> str:
    """A webhook body as Stripe sends it."""
    return json.dumps(
        {
            "id": event_id or f"evt_{uuid.uuid4().hex}",
            "object": "event",
            "api_version": "2025-03-31.basil",
            "created": created or int(time.time()),
            "data": {"object": obj},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
    )
