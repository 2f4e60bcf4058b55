"""A controllable SMTP server for the sending tests: slow, refusing, or failing for a while.

It records every accepted message (envelope recipient, headers, raw bytes)
and can be told to answer 421 to the next N messages, refuse some addresses
with a code, or take some time per message so a worker can be killed mid-send.
"""

import asyncio
import email
import email.policy
import socket
import threading
import time
from collections import Counter

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Sink:
    def __init__(self, *, delay: float = 0.0):
        self.delay = delay
        self.refuse: dict[str, str] = {}  # address -> SMTP answer to its RCPT
        self.fail_next = 0  # answer 421 to this many DATA commands
        self.failed = 0
        self.received: list[tuple[str, email.message.EmailMessage, bytes]] = []
        self._lock = threading.Lock()
        self.host = "127.0.0.1"
        self.port = free_port()
        self.controller: Controller | None = None

    # --- control
    def start(self) -> "Sink":
        self.controller = Controller(self, hostname=self.host, port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def counts(self) -> Counter:
        with self._lock:
            return Counter(address for address, _, _ in self.received)

    @property
    def total(self) -> int:
        with self._lock:
            return len(self.received)

    def messages(self) -> list:
        with self._lock:
            return [message for _, message, _ in self.received]

    def wait_for(self, count: int, timeout: float = 60.0) -> int:
        deadline = time.monotonic() + timeout
        while self.total < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.total

    # --- aiosmtpd hooks
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        answer = self.refuse.get(address.lower())
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.delay:
            await asyncio.sleep(self.delay)
        with self._lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                self.failed += 1
                return "421 Service not available, closing transmission channel"
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self._lock:
            for address in envelope.rcpt_tos:
                self.received.append((address.lower(), message, raw))
        return "250 Message accepted for delivery"


@pytest.fixture
def sink(settings):
    """A fresh Sink that Django's default mailer sends to."""
    server = Sink().start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": server.host, "port": server.port, "timeout": 10},
        }
    }
    try:
        yield server
    finally:
        server.stop()
