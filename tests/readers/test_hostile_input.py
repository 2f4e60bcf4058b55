"""Hostile input to the sign-in form: header injection, bad addresses, open redirects,
floods from one address or at one address."""

import pytest
from django.contrib.auth.models import User
from django.test import RequestFactory

from masthead.readers.redirects import is_safe_next, safe_next

from .helpers import ask_for_link, link_in, sign_in_by_mail

pytestmark = pytest.mark.django_db

HOSTILE_REDIRECTS = [
    "//evil.example",
    "//evil.example/reader/",
    "https://evil.example",
    "https://evil.example/reader/",
    "http:evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "%2F%2Fevil.example",
    "/reader/\r\nLocation: https://evil.example",
    "/reader/\nSet-Cookie: a=b",
    "/\t/evil.example",
    " //evil.example",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "/" + "a" * 600,
]


@pytest.mark.parametrize("value", HOSTILE_REDIRECTS)
def test_hostile_next_values_are_refused(value):
    request = RequestFactory().get("/reader/sign-in/")
    assert not is_safe_next(request, value)
    assert safe_next(request, value) == "/reader/"


def test_percent_encoded_crlf_in_a_path_stays_a_harmless_path():
    # Encoded, it is a path on this site; nothing decodes it into a header.
    request = RequestFactory().get("/")
    assert safe_next(request, "/%0D%0ALocation:%20x") == "/%0D%0ALocation:%20x"


@pytest.mark.parametrize("value", ["/", "/news/", "/news/harbour/?page=2#comments", "/reader/"])
def test_own_paths_are_kept(value):
    assert safe_next(RequestFactory().get("/"), value) == value


@pytest.mark.parametrize(
    "value",
    [
        "//evil.example",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "%2F%2Fevil.example",
        "/reader/\r\nX-Evil: 1",
    ],
)
def test_sign_in_never_redirects_off_site(client, smtp_server, value):
    response = sign_in_by_mail(client, smtp_server, "reader@example.com", next_path=value)
    assert response.status_code == 302
    assert response["Location"] == "/reader/"


def test_next_survives_the_mail_link(client, smtp_server):
    page = client.get("/reader/sign-in/", {"next": "/news/harbour/?page=2"})
    assert 'value="/news/harbour/?page=2"' in page.content.decode()
    response = sign_in_by_mail(
        client, smtp_server, "reader@example.com", next_path="/news/harbour/?page=2"
    )
    assert response["Location"] == "/news/harbour/?page=2"


def test_a_hostile_next_is_not_even_put_in_the_form(client):
    page = client.get("/reader/sign-in/", {"next": "//evil.example"})
    assert "evil.example" not in page.content.decode()


@pytest.mark.parametrize(
    "address",
    [
        "reader@example.com\r\nBcc: victim@example.com",
        "reader@example.com\nBcc: victim@example.com",
        "reader@example.com\r",
        "reader@example.com%0d%0aBcc:victim@example.com",
        "not-an-address",
        "two@at@example.com",
        "reader@example.com, victim@example.com",
        "a" * 250 + "@example.com",
        "",
    ],
)
def test_bad_addresses_get_form_errors_and_no_mail(client, smtp_server, address):
    response = ask_for_link(client, address)
    assert response.status_code == 400
    assert response.context["form"].errors["email"]
    assert 'role="alert"' in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert smtp_server.wait_for(1, timeout=0.3) == []
    assert not User.objects.exists()


def test_line_breaks_are_named_in_the_error(client):
    response = ask_for_link(client, "reader@example.com\r\nBcc: x@example.com")
    assert "line breaks" in response.context["form"].errors["email"][0]
    overlong = ask_for_link(client, "a" * 250 + "@example.com")
    assert "254" in overlong.context["form"].errors["email"][0]


def test_rate_limit_per_address(client, smtp_server):
    for n in range(5):
        assert (
            ask_for_link(client, "target@example.com", ip=f"198.51.100.{n + 1}").status_code == 200
        )
    assert len(smtp_server.wait_for(5)) == 5
    over = ask_for_link(client, "TARGET@example.com", ip="198.51.100.99")
    assert over.status_code == 429
    assert "Too many requests" in over.content.decode()
    assert over["Retry-After"]
    assert over["Cache-Control"] == "private, no-store"
    assert len(smtp_server.wait_for(6, timeout=0.5)) == 5
    # Another address is not held up by that one.
    assert ask_for_link(client, "other@example.com", ip="198.51.100.99").status_code == 200


def test_rate_limit_per_client_address(client, smtp_server):
    for n in range(20):
        assert ask_for_link(client, f"mass{n}@example.com", ip="203.0.113.5").status_code == 200
    assert len(smtp_server.wait_for(20)) == 20
    over = ask_for_link(client, "mass-extra@example.com", ip="203.0.113.5")
    assert over.status_code == 429
    assert len(smtp_server.wait_for(21, timeout=0.5)) == 20
    assert not smtp_server.to("mass-extra@example.com")
    # Another client is served.
    assert ask_for_link(client, "fresh@example.com", ip="203.0.113.6").status_code == 200
    assert smtp_server.wait_for(21)[-1].envelope_to == ["fresh@example.com"]


def test_mail_link_page_takes_no_action_on_get_or_head(client, smtp_server):
    ask_for_link(client, "scanner@example.com")
    path = link_in(smtp_server.wait_for(1)[0])
    for _ in range(3):
        assert client.get(path).status_code == 200
        assert client.head(path).status_code == 200
    assert not User.objects.exists()
    assert client.post(path).status_code == 302
