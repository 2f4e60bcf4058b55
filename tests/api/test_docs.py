"""The OpenAPI document and the interactive docs, served without any third-party host."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_openapi_document_describes_every_endpoint(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Masthead API"
    assert schema["info"]["version"] == "1"
    assert set(schema["paths"]) == {
        "/api/v1/articles",
        "/api/v1/articles/{article_id}",
        "/api/v1/sections",
        "/api/v1/sections/{slug}",
        "/api/v1/authors",
        "/api/v1/authors/{slug}",
        "/api/v1/tags",
        "/api/v1/tags/{slug}",
        "/api/v1/trending",
        "/api/v1/views",
        "/api/v1/articles/{article_id}/comments",
        "/api/v1/articles/{article_id}/comment-token",
        "/api/v1/articles/{article_id}/subscriptions",
        "/api/v1/comments/{comment_id}/edit",
        "/api/v1/comments/{comment_id}/votes",
        "/api/v1/newsletters",
        "/api/v1/newsletters/subscriptions",
    }
    list_responses = schema["paths"]["/api/v1/articles"]["get"]["responses"]
    assert set(list_responses) == {"200", "400", "422"}
    assert list(list_responses["422"]["content"]) == ["application/problem+json"]
    assert list(list_responses["200"]["content"]) == ["application/json"]


def test_docs_page_loads_only_same_site_assets(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="swagger-ui"' in html
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(url.startswith("/") and not url.startswith("//") for url in urls)
    assert "http://" not in html and "https://" not in html
    settings = re.search(
        r'<script id="swagger-settings" type="application/json">(.*?)</script>', html
    )
    assert '"validatorUrl": null' in settings.group(1)
    assert '"url": "/api/v1/openapi.json"' in settings.group(1)


def test_docs_page_is_served_under_the_strict_policy(client):
    response = client.get("/api/v1/docs")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "style-src 'self'" in policy and "unsafe-inline" not in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    scripts = re.findall(r"<script ([^>]*)>", response.content.decode())
    executable = [s for s in scripts if "application/json" not in s]
    assert len(executable) == 2
    assert all(f'nonce="{nonce}"' in s and "src=" in s for s in executable)


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("swagger-ui-bundle.js", "text/javascript"),
        ("swagger-ui-init.js", "text/javascript"),
        ("swagger-ui.css", "text/css"),
        ("favicon.svg", "image/svg+xml"),
    ],
)
def test_docs_assets_are_served_from_the_site(client, name, content_type):
    response = client.get(f"/api/v1/docs/assets/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert b"".join(response.streaming_content)
    assert "max-age=86400" in response["Cache-Control"]


@pytest.mark.parametrize("name", ["redoc.standalone.js", "..%2F..%2F__init__.py", "settings.py"])
def test_only_known_docs_assets_are_served(client, name):
    response = client.get(f"/api/v1/docs/assets/{name}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
