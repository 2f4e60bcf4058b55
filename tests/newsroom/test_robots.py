"""robots.txt: what crawlers may fetch, and where the sitemaps are."""

import pytest

pytestmark = pytest.mark.django_db


def test_robots_lists_both_sitemaps_on_the_requested_host(client, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "news.example"]
    response = client.get("/robots.txt", headers={"host": "news.example"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://news.example/sitemap.xml" in lines
    assert "Sitemap: http://news.example/sitemap-news.xml" in lines
    assert "public" in response["Cache-Control"]


def test_robots_keeps_crawlers_out_of_admin_search_and_api_only(client):
    lines = client.get("/robots.txt").content.decode().splitlines()

    assert lines[0] == "User-agent: *"
    disallowed = {line.split(":", 1)[1].strip() for line in lines if line.startswith("Disallow")}
    assert disallowed == {"/admin/", "/search/", "/api/"}
    assert not any(d in ("/", "/feed/", "/sitemap.xml") for d in disallowed)


def test_every_sitemap_robots_names_is_served(client):
    lines = client.get("/robots.txt").content.decode().splitlines()
    sitemaps = [line.split(": ", 1)[1] for line in lines if line.startswith("Sitemap:")]

    for url in sitemaps:
        response = client.get(url.removeprefix("http://testserver"))
        assert response.status_code == 200, url
        assert response.content.startswith(b"<?xml")
