"""A real SMTP server on loopback for tests: aiosmtpd, with Django's SMTP mailer pointed at it.

    def test_mail(smtp_server):
        ...  # something that sends mail
        [message] = smtp_server.wait_for(1)
        assert message["Subject"] == "..."
        assert message.envelope_to == ["reader@example.com"]

The server runs in its own thread for the whole session; each test gets an
empty mailbox and settings.MAILERS["default"] pointing at it.  Since it is the
same process, live_server and browser tests see the same settings.
"""

import email
import email.policy
import re
import socket
import threading
import time
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


class ReceivedMessage(EmailMessage):
    """A parsed message, with the SMTP envelope it came in."""

    envelope_from: str = ""
    envelope_to: list[str]
    session_peer: tuple = ()  # the client's (host, port): one per SMTP connection
    raw: bytes = b""  # the message as it came over the wire

    def raw_header(self, name: str) -> str:
        """A header's lines exactly as sent (folding and encoding not undone)."""
        head = self.raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
        match = re.search(
            rf"^{re.escape(name)}:[ ]?([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", head, re.I | re.M
        )
        return match.group(1) if match else ""

    def text(self) -> str:
        """The plain-text body, with SMTP's CRLF line ends read back as newlines."""
        return self.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")

    def html(self) -> str:
        return self.get_body(preferencelist=("html",)).get_content().replace("\r\n", "\n")


class Mailbox:
    """What the server received; the aiosmtpd handler appends from the server's thread."""

    def __init__(self):
        self._messages: list[ReceivedMessage] = []
        self._lock = threading.Lock()
        self.host = "127.0.0.1"
        self.port = 0

    @property
    def messages(self) -> list[ReceivedMessage]:
        with self._lock:
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    def to(self, address: str) -> list[ReceivedMessage]:
        """Messages whose envelope includes `address`."""
        address = address.lower()
        return [m for m in self.messages if address in [r.lower() for r in m.envelope_to]]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedMessage]:
        """Wait until at least `count` messages arrived; returns them all.

        Polls: delivery is synchronous for Django's SMTP backend, but a live
        server or browser test sends from another thread.
        """
        deadline = time.monotonic() + timeout
        while True:
            messages = self.messages
            if len(messages) >= count or time.monotonic() > deadline:
                return messages
            time.sleep(0.02)

    # aiosmtpd handler hook
    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(
            raw,
            _class=ReceivedMessage,
            policy=email.policy.default,
        )
        message.envelope_from = envelope.mail_from
        message.envelope_to = list(envelope.rcpt_tos)
        message.session_peer = tuple(session.peer or ())
        message.raw = raw
        with self._lock:
            self._messages.append(message)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def _smtp_controller():
    mailbox = Mailbox()
    mailbox.port = _free_port()
    controller = Controller(mailbox, hostname=mailbox.host, port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture
def smtp_server(_smtp_controller, settings):
    """An empty mailbox on a loopback SMTP server that Django's default mailer sends to."""
    mailbox = _smtp_controller
    mailbox.clear()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": mailbox.host, "port": mailbox.port, "timeout": 10},
        }
    }
    yield mailbox
    mailbox.clear()
