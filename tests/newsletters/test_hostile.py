"""Hostile signups: header injection, bad and overlong addresses, other sites' forms,
unknown lists, mass signup from one address, mail-bombing one address, probing for members."""

import re

import pytest

from masthead.newsletters import subscriptions
from masthead.newsletters.models import ListSubscription, Subscriber
from tests.newsroom.factories import make_section

from . import signup_fixtures

lists = signup_fixtures.lists
signup = signup_fixtures.signup

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site(db):
    make_section("News")


def _page(response) -> str:
    return re.sub(r'nonce="[^"]*"', "", response.content.decode())


INJECTIONS = [
    "ann@example.com\r\nBcc: victim@example.com",
    "ann@example.com\nBcc: victim@example.com",
    "ann@example.com\rBcc: victim@example.com",
    "ann@example.com%0d%0aBcc:victim@example.com",
    "ann@example.com\u2028Bcc: victim@example.com",
    "ann@example.com\x00",
]


@pytest.mark.parametrize("email", INJECTIONS)
def test_header_injection_in_the_address_is_refused(smtp_server, lists, signup, email):
    daily, _ = lists
    for as_json in (False, True):
        response = signup(email, daily.slug, json=as_json)
        assert response.status_code == 400
    assert smtp_server.wait_for(1, timeout=0.3) == []
    assert not Subscriber.objects.exists()


@pytest.mark.parametrize("name", ["Ann\r\nBcc: victim@example.com", "Ann\nX", "Ann\x07", "A" * 101])
def test_header_injection_or_junk_in_the_name_is_refused(smtp_server, lists, signup, name):
    daily, _ = lists
    response = signup("ann@example.com", daily.slug, name=name)
    assert response.status_code == 400
    body = response.content.decode()
    assert "one line" in body or "cannot be shown" in body or "at most 100" in body
    json = signup("ann@example.com", daily.slug, name=name, json=True)
    assert json.status_code == 400
    assert json.json()["errors"][0]["loc"] == ["name"]
    assert smtp_server.wait_for(1, timeout=0.3) == []
    assert not Subscriber.objects.exists()


@pytest.mark.parametrize(
    "email, message",
    [
        ("plainaddress", "valid email"),
        ("@example.com", "valid email"),
        ("ann@", "valid email"),
        ("ann@@example.com", "valid email"),
        ("ann example@example.com", "valid email"),
        ("<ann@example.com>", "valid email"),
        ("ann@example.com, bob@example.com", "valid email"),
        ("", "Enter your email"),
        ("a" * 64 + "@" + "b" * 186 + ".com", "at most 254"),
        ("x" * 10_000 + "@example.com", "at most 254"),
    ],
)
def test_invalid_and_overlong_addresses_get_a_clear_message(
    smtp_server, lists, signup, email, message
):
    daily, _ = lists
    response = signup(email, daily.slug)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert smtp_server.wait_for(1, timeout=0.2) == []
    assert not Subscriber.objects.exists()


def test_an_address_of_254_characters_is_accepted(smtp_server, lists, signup):
    daily, _ = lists
    email = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".com"
    assert len(email) == 254
    assert signup(email, daily.slug).status_code == 200
    assert smtp_server.wait_for(1)[0].envelope_to == [email]


def test_posts_started_by_another_site_are_refused(client, smtp_server, lists, signup):
    daily, _ = lists
    for headers in (
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site"},
        {"HTTP_ORIGIN": "https://evil.example"},
    ):
        response = client.post(
            "/newsletters/subscribe/",
            {"email": "ann@example.com", "newsletters": [daily.slug]},
            **headers,
        )
        assert response.status_code == 403
        assert "this site" in response.content.decode()
    assert not Subscriber.objects.exists()
    # The site's own page, as the browser describes it, is fine.
    ok = client.post(
        "/newsletters/subscribe/",
        {"email": "ann@example.com", "newsletters": [daily.slug]},
        HTTP_SEC_FETCH_SITE="same-origin",
        HTTP_ORIGIN="http://testserver",
    )
    assert ok.status_code == 200


def test_unknown_and_closed_lists_are_refused(smtp_server, lists, signup):
    daily, weekly = lists
    weekly.is_active = False
    weekly.save()
    for slugs in (["no-such-list"], [str(daily.pk)], [weekly.slug], [daily.slug, "nope"]):
        response = signup("ann@example.com", *slugs, json=True)
        assert response.status_code == 400
        assert response.json()["errors"][0]["loc"] == ["newsletters"]
    assert not ListSubscription.objects.exists()
    assert smtp_server.wait_for(1, timeout=0.2) == []


def test_the_answer_never_tells_whether_an_address_is_subscribed(smtp_server, lists, signup):
    daily, _ = lists
    subscriptions.import_confirmed(email="member@example.com", newsletters=[daily])
    subscriptions.request_subscription(
        email="pending@example.com", newsletters=[daily], source="test"
    )
    pages = {
        e: _page(signup(e, daily.slug, ip=f"192.0.2.{i}"))
        for i, e in enumerate(["member@example.com", "pending@example.com", "stranger@example.com"])
    }
    assert len(set(pages.values())) == 1
    answers = [
        signup(e, daily.slug, json=True, ip="198.51.100.1").json()
        for e in ["member@example.com", "stranger2@example.com"]
    ]
    assert answers[0] == answers[1]


def test_mass_signup_from_one_address_is_stopped(smtp_server, lists, signup):
    daily, _ = lists
    answers = [
        signup(f"victim{n}@example.com", daily.slug, ip="203.0.113.66").status_code
        for n in range(14)
    ]
    assert answers == [200] * 10 + [429] * 4
    smtp_server.wait_for(10)
    assert len(smtp_server.messages) == 10
    refused = signup("one-more@example.com", daily.slug, ip="203.0.113.66")
    assert refused.status_code == 429
    assert "Too many signup requests" in refused.content.decode()
    json = signup("one-more@example.com", daily.slug, ip="203.0.113.66", json=True)
    assert json.status_code == 429 and json["Content-Type"] == "application/problem+json"
    assert "Too many signup requests" in json.json()["detail"]
    assert Subscriber.objects.count() == 10
    # Someone else is not affected.
    assert signup("me@example.com", daily.slug, ip="203.0.113.67").status_code == 200


def test_one_address_is_not_mail_bombed_from_many_addresses(smtp_server, lists, signup):
    daily, _ = lists
    answers = [
        signup("target@example.com", daily.slug, ip=f"198.51.100.{n}").status_code for n in range(5)
    ]
    assert answers == [200, 200, 200, 429, 429]
    smtp_server.wait_for(3)
    assert len(smtp_server.to("target@example.com")) == 3


@pytest.mark.parametrize(
    "token",
    ["nonsense", "1.abc:xyz", "x" * 400, "MTIz:1vabc:" + "A" * 43],
)
def test_forged_or_overlong_links_are_refused(client, lists, token):
    for name in ("confirm", "unsubscribe", "manage"):
        assert client.get(f"/newsletters/{name}/{token}/").status_code == 400
        assert client.post(f"/newsletters/{name}/{token}/").status_code == 400


def test_signed_in_account_without_an_address_must_give_one(
    client, smtp_server, lists, signup, django_user_model
):
    daily, _ = lists
    client.force_login(django_user_model.objects.create_user("noaddress", "", "pw-123456789"))
    response = signup("", daily.slug, json=True)
    assert response.status_code == 400
    assert response.json()["errors"][0]["loc"] == ["email"]
    assert not Subscriber.objects.exists()
