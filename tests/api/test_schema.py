"""Schemathesis generates requests from /api/v1/openapi.json and checks every answer:
no server errors, and status codes, content types, headers and bodies as the schema says."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from masthead.api.v1 import api

# The OpenAPI document needs no database, so it is built once, when tests are collected,
# from the API object itself (the site middleware reads the database on any request).
# test_docs.py checks that /api/v1/openapi.json serves this same document.
# (schemathesis.pytest.from_fixture relies on a pytest internal that pytest 9 removed.)
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"))
schema.app = WSGIHandler()


# Filter slugs and cursors that are well-formed but unknown are answered with 422/400 problem
# details by design (tests/api/test_errors.py); schemathesis would count those as valid requests
# rejected. So generated requests filter by slugs that exist and start from the first page
# (done in the test, not in a map_query hook, because hooks miss the coverage phase).
KNOWN_SLUGS = {
    "section": ["latest", "news", "analysis"],
    "tag": ["council", "harbour", "schools", "transport"],
    "author": ["ada-reyes", "ben-okafor", "cy-lindqvist"],
}


def use_known_filters(query: dict | None) -> None:
    if not query:
        return
    for name, slugs in KNOWN_SLUGS.items():
        if name in query:
            query[name] = slugs[len(str(query[name])) % len(slugs)]
    query.pop("cursor", None)


def use_known_signup(body) -> None:
    """A schema-valid newsletter signup names a list that exists, an address and a name our
    validators take: an unknown list or a bad address is a 422 by design
    (tests/newsletters/test_api.py).  Values of the wrong type or size are left alone, so
    requests that break the schema stay broken."""
    if not isinstance(body, dict) or not isinstance(body.get("newsletters"), list):
        return
    from django.core.exceptions import ValidationError

    from masthead.newsletters.subscriptions import clean_name, normalise_email

    body["newsletters"] = [
        "daily-briefing" if isinstance(slug, str) else slug for slug in body["newsletters"]
    ]
    email, name = body.get("email"), body.get("name")
    for key, value, check, fallback, limit in (
        ("email", email, normalise_email, "reader@example.com", 254),
        ("name", name, clean_name, "", 100),
    ):
        if isinstance(value, str) and len(value) <= limit:
            try:
                check(value)
            except ValidationError:
                body[key] = fallback


@pytest.fixture
def signup_lists(db):
    from masthead.newsletters.models import Newsletter

    Newsletter.objects.create(name="Daily briefing", slug="daily-briefing")


@pytest.fixture
def wsgi_shares_test_connection():
    """Like Django's test client: keep the test transaction's connection across requests,
    so the WSGI app sees the fixture's articles."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.django_db
def test_api_answers_as_its_schema_says(case, newsroom, signup_lists, wsgi_shares_test_connection):
    use_known_filters(case.query)
    use_known_signup(case.body)
    # The WSGI transport hands gzip bodies to the checks undecoded; ask for plain ones.
    case.call_and_validate(headers={"Accept-Encoding": "identity"})
