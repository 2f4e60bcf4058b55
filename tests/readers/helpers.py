"""Reader-account tests: ask for a link as a browser would, read it from the received mail."""

import re
from urllib.parse import urlsplit

from django.test import Client

from masthead.readers.models import ReaderProfile

LINK = re.compile(r"https?://[^\s\"<>]+/reader/sign-in/[^\s\"<>/]+/")
CONFIRM_LINK = re.compile(r"https?://[^\s\"<>]+/reader/email/confirm/[^\s\"<>/]+/")
VERIFY_LINK = re.compile(r"https?://[^\s\"<>]+/reader/email/verify/[^\s\"<>/]+/")
NONCE = re.compile(r'nonce="[^"]*"')


def ask_for_link(
    client: Client, email: str, *, next_path: str | None = None, ip: str = "198.51.100.7"
):
    data = {"email": email}
    if next_path is not None:
        data["next"] = next_path
    return client.post("/reader/sign-in/", data, REMOTE_ADDR=ip)


def link_in(message, pattern=LINK) -> str:
    """The link's path, found in the text part and (the same) in the HTML part."""
    [url] = set(pattern.findall(message.text()))
    assert url in message.html()
    return urlsplit(url).path


def sign_in_by_mail(client: Client, smtp_server, email: str, *, next_path: str | None = None):
    smtp_server.clear()
    assert ask_for_link(client, email, next_path=next_path).status_code == 200
    [message] = smtp_server.wait_for(1)
    path = link_in(message)
    assert client.get(path).status_code == 200
    return client.post(path)


def page_text(response) -> str:
    """A page without its per-response CSP nonces, for comparing two answers."""
    return NONCE.sub('nonce=""', response.content.decode())


def profile(user) -> ReaderProfile:
    return ReaderProfile.objects.get(user=user)
