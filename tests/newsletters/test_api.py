"""/api/v1/newsletters: the open lists, and double opt-in signup through the API."""

import pytest

from masthead.newsletters.models import ListSubscription, Subscriber, SubscriptionStatus
from tests.newsroom.factories import make_section

from . import signup_fixtures
from .signup_fixtures import link_path

lists = signup_fixtures.lists

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site(db):
    make_section("News")


@pytest.fixture
def api_signup(client, django_capture_on_commit_callbacks):
    def post(body, *, ip="203.0.113.5", raw=None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                "/api/v1/newsletters/subscriptions",
                raw if raw is not None else body,
                content_type="application/json",
                REMOTE_ADDR=ip,
            )

    return post


def test_lists_open_for_signup(client, lists):
    daily, weekly = lists
    weekly.is_active = False
    weekly.save()
    response = client.get("/api/v1/newsletters")
    assert response.status_code == 200
    assert response.json() == [
        {
            "slug": "daily-briefing",
            "name": "Daily briefing",
            "description": "Every weekday.",
            "frequency": "daily",
            "frequency_label": "Daily",
        }
    ]


def test_signup_is_double_opt_in(client, smtp_server, lists, api_signup, django_user_model):
    daily, weekly = lists
    # A signed-in session is ignored: the API has no CSRF protection to trust it with.
    user = django_user_model.objects.create_user("r", "api@example.com", "pw-123456789")
    client.force_login(user)
    response = api_signup(
        {"email": "API@example.com", "newsletters": [daily.slug, weekly.slug], "name": "Api"}
    )
    assert response.status_code == 202
    assert "check your inbox" in response.json()["message"]
    rows = ListSubscription.objects.filter(subscriber__email="api@example.com")
    assert {r.status for r in rows} == {SubscriptionStatus.PENDING}
    assert {r.source for r in rows} == {"api"}
    [mail] = smtp_server.wait_for(1)
    client.post(link_path(mail.text(), "/newsletters/confirm/"))
    assert {r.status for r in rows.all()} == {SubscriptionStatus.ACTIVE}


def test_same_answer_for_members_and_strangers(smtp_server, lists, api_signup):
    daily, _ = lists
    first = api_signup({"email": "m@example.com", "newsletters": [daily.slug]})
    again = api_signup({"email": "m@example.com", "newsletters": [daily.slug]})
    stranger = api_signup({"email": "s@example.com", "newsletters": [daily.slug]})
    assert first.status_code == again.status_code == stranger.status_code == 202
    assert first.json() == again.json() == stranger.json()


@pytest.mark.parametrize(
    "body, loc",
    [
        ({"email": "not-an-address", "newsletters": ["daily-briefing"]}, ["body", "email"]),
        (
            {"email": "a\r\nBcc: x@example.com", "newsletters": ["daily-briefing"]},
            ["body", "email"],
        ),
        ({"email": "a" * 250 + "@x.io", "newsletters": ["daily-briefing"]}, ["body", "email"]),
        ({"email": "a@example.com", "newsletters": ["nope"]}, ["body", "newsletters", 0]),
        ({"email": "a@example.com", "newsletters": []}, ["body", "newsletters"]),
        ({"email": "a@example.com", "newsletters": "daily-briefing"}, ["body", "newsletters"]),
        ({"email": "a@example.com"}, ["body", "newsletters"]),
        (
            {"email": "a@example.com", "newsletters": ["daily-briefing"], "name": "A\nB"},
            ["body", "name"],
        ),
    ],
)
def test_bad_input_is_a_422_problem(smtp_server, lists, api_signup, body, loc):
    response = api_signup(body)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422
    assert loc in [e["loc"] for e in problem["errors"]]
    assert not Subscriber.objects.exists()
    assert smtp_server.wait_for(1, timeout=0.2) == []


def test_a_body_that_is_not_json_is_refused(lists, api_signup):
    response = api_signup(None, raw="email=a@example.com")
    assert 400 <= response.status_code < 500
    assert response["Content-Type"] == "application/problem+json"
    assert not Subscriber.objects.exists()


def test_rate_limited_per_ip_and_per_email(smtp_server, lists, api_signup):
    daily, _ = lists
    statuses = [
        api_signup(
            {"email": f"m{n}@example.com", "newsletters": [daily.slug]}, ip="192.0.2.1"
        ).status_code
        for n in range(11)
    ]
    assert statuses == [202] * 10 + [429]
    limited = api_signup({"email": "x@example.com", "newsletters": [daily.slug]}, ip="192.0.2.1")
    assert limited["Content-Type"] == "application/problem+json"
    assert "Too many signup requests" in limited.json()["detail"]
    statuses = [
        api_signup(
            {"email": "one@example.com", "newsletters": [daily.slug]}, ip=f"192.0.2.{n + 10}"
        ).status_code
        for n in range(4)
    ]
    assert statuses == [202, 202, 202, 429]
    smtp_server.wait_for(13)
    assert len(smtp_server.messages) == 13


def test_documented_in_the_openapi_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    post = schema["paths"]["/api/v1/newsletters/subscriptions"]["post"]
    assert set(post["responses"]) >= {"202", "422", "429"}
    assert "application/problem+json" in post["responses"]["422"]["content"]
    assert "/api/v1/newsletters" in schema["paths"]
