"""Shared helpers of the signup tests: lists, links read from mails, posting the forms."""

import re
from urllib.parse import urlsplit

import pytest

from masthead.newsletters.models import Frequency, Newsletter


def make_newsletter(name: str, *, slug: str = "", frequency=Frequency.WEEKLY, **fields):
    slug = slug or re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return Newsletter.objects.create(name=name, slug=slug, frequency=frequency, **fields)


@pytest.fixture
def lists(db):
    daily = make_newsletter(
        "Daily briefing", frequency=Frequency.DAILY, description="Every weekday.", sort_order=0
    )
    weekly = make_newsletter("Weekly analysis", description="Saturdays.", sort_order=1)
    return daily, weekly


def link_path(text: str, pattern: str) -> str:
    """The path of the first link in a mail matching `pattern`."""
    match = re.search(rf"https?://[^\s\"<>]*{pattern}[^\s\"<>]*", text)
    assert match, f"no link matching {pattern} in:\n{text}"
    return urlsplit(match[0]).path


@pytest.fixture
def signup(client, django_capture_on_commit_callbacks):
    """Post the signup form as a browser would; mail goes out as the request's transaction commits
    (the test's own transaction never does, so its on-commit callbacks are run by hand)."""

    def post(email, *slugs, json=False, ip="203.0.113.5", via=None, **extra):
        headers = {"REMOTE_ADDR": ip}
        if json:
            headers["HTTP_ACCEPT"] = "application/json"
        data = {"email": email, "newsletters": list(slugs), **extra}
        with django_capture_on_commit_callbacks(execute=True):
            return (via or client).post("/newsletters/subscribe/", data, **headers)

    return post
