"""Every API error is an RFC 9457 problem document with the right status."""

import pytest

pytestmark = pytest.mark.django_db


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert problem["type"] == "about:blank"
    assert problem["title"] and problem["detail"]
    return problem


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("limit=0", "limit"),
        ("limit=1000", "limit"),
        ("limit=many", "limit"),
        ("published_after=yesterday", "published_after"),
        ("published_before=2024-13-45", "published_before"),
        ("published_before=1700000000", "published_before"),
        ("published_after=0.5", "published_after"),
        ("section=nonexistent", "section"),
        ("author=nobody-here", "author"),
        ("tag=no-such-tag", "tag"),
        ("section=not%20a%20slug", "section"),
        ("q=" + "x" * 201, "q"),
    ],
)
def test_bad_list_parameters_are_422_naming_the_parameter(client, newsroom, query, parameter):
    problem = assert_problem(client.get(f"/api/v1/articles?{query}"), 422)
    assert problem["title"] == "Unprocessable Content"
    assert {tuple(error["loc"][:2]) for error in problem["errors"]} == {("query", parameter)}
    assert all(error["msg"] for error in problem["errors"])


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/articles/999999",
        "/api/v1/articles/abc",
        "/api/v1/articles/-3",
        "/api/v1/sections/unknown",
        "/api/v1/authors/unknown",
        "/api/v1/tags/unknown",
        "/api/v1/no-such-endpoint",
        "/api/v1/articles/1/comments",
        "/api/v1/",
        "/api/v2/articles",
    ],
)
def test_unknown_resources_are_404_problems(client, newsroom, url):
    problem = assert_problem(client.get(url), 404)
    assert problem["title"] == "Not Found"


def test_wrong_method_is_405_problem_with_allow(client, newsroom):
    response = client.post("/api/v1/articles", {})
    assert_problem(response, 405)
    assert response["Allow"] == "GET"
    assert_problem(client.delete(f"/api/v1/articles/{newsroom['harbour'].pk}"), 405)


def test_head_is_get_without_the_body(client, newsroom):
    get = client.get("/api/v1/articles")
    head = client.head("/api/v1/articles")
    assert head.status_code == 200
    assert head.content == b""
    assert head["Content-Length"] == str(len(get.content))
    assert head["Cache-Control"] == get["Cache-Control"]
    assert client.head("/api/v1/articles/999999").status_code == 404


def test_server_error_is_500_problem(client, newsroom, monkeypatch):
    """An unexpected failure inside a handler still answers in problem+json, and is logged."""
    from masthead.newsroom import selectors

    def broken():
        raise RuntimeError("database on fire")

    monkeypatch.setattr(selectors, "tags_in_use", broken)
    client.raise_request_exception = False
    problem = assert_problem(client.get("/api/v1/tags"), 500)
    assert "fire" not in problem["detail"]
