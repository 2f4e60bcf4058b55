"""The Readership dashboard in the Wagtail admin, and the count on the article edit view."""

import time

import pytest
from bs4 import BeautifulSoup

from masthead.metrics.models import ArticleHourlyViews, ArticleViewTotal, ReferrerDailyViews
from tests.newsroom.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client, django_user_model):
    editor = django_user_model.objects.create_superuser("ed", "ed@example.com", "pw-12345")
    client.force_login(editor)
    return client


@pytest.fixture
def readership():
    hour = int(time.time()) // 3600
    popular = make_article(title="Popular piece")
    quiet = make_article(title="Quiet piece")
    ArticleHourlyViews.objects.create(article=popular, hour=hour, views=40)
    ArticleHourlyViews.objects.create(article=popular, hour=hour - 24 * 3, views=60)
    ArticleHourlyViews.objects.create(article=quiet, hour=hour - 24 * 10, views=7)
    ArticleViewTotal.objects.create(article=popular, views=100)
    ArticleViewTotal.objects.create(article=quiet, views=7)
    ReferrerDailyViews.objects.create(domain="news.example.org", day=hour // 24, views=12)
    return {"popular": popular, "quiet": quiet}


def test_dashboard_needs_the_admin(client):
    response = client.get("/admin/readership/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_dashboard_shows_chart_top_articles_and_referrers(editor_client, readership):
    response = editor_client.get("/admin/readership/")
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    svg = soup.select_one("figure.readership-chart svg")
    assert svg["role"] == "img"
    assert "Views per day" in svg.title.get_text()
    assert "107 views" in svg.desc.get_text()
    assert len(svg.select("rect")) == 30
    axis_labels = [t.get_text() for t in svg.select("text")]
    assert "Views" in axis_labels and "Day (UTC)" in axis_labels
    tables = soup.select("table.listing")
    last_day, last_week, last_month, referrers = (
        [[cell.get_text(strip=True) for cell in row.select("td")] for row in t.select("tbody tr")]
        for t in tables
    )
    assert last_day == [["Popular piece", "40"]]
    assert last_week == [["Popular piece", "100"]]
    assert last_month == [["Popular piece", "100"], ["Quiet piece", "7"]]
    assert referrers == [["news.example.org", "12"]]
    assert b"Readership" in editor_client.get("/admin/").content


def test_article_readership_page(editor_client, readership):
    popular = readership["popular"]
    response = editor_client.get(f"/admin/readership/articles/{popular.pk}/")
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one(".readership-total strong").get_text() == "100"
    bars = soup.select("figure.readership-chart svg rect")
    assert [int(float(bar["height"]) > 0) for bar in bars].count(1) == 2
    assert editor_client.get("/admin/readership/articles/999999/").status_code == 404


def test_edit_view_shows_views_and_links_to_the_chart(editor_client, readership):
    popular = readership["popular"]
    response = editor_client.get(f"/admin/pages/{popular.pk}/edit/")
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    panel = soup.select_one(".readership-panel")
    assert panel.strong.get_text() == "100"
    assert panel.a["href"] == f"/admin/readership/articles/{popular.pk}/"
