"""The comments panel on the Wagtail dashboard: pending count and comments per day."""

import datetime as dt

import pytest
import time_machine
from bs4 import BeautifulSoup

from masthead.discussion.models import Comment
from tests.newsroom.factories import make_article

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 15, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def editor_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("ed", "ed@example.org", "x"))
    return client


def comment(article, *, days_ago=0, status="approved", **fields):
    return Comment.objects.create(
        article=article,
        author_name="Reader",
        author_email="reader@example.com",
        body="Hello",
        status=status,
        created_at=NOW - dt.timedelta(days=days_ago, hours=1),
        **fields,
    )


def panel(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return soup.select_one("#discussion-comments-section")


def test_panel_shows_pending_count_and_comments_per_day(editor_client):
    article = make_article(title="Talked about")
    comment(article, days_ago=0, status="pending")
    comment(article, days_ago=0, status="pending")
    comment(article, days_ago=0)
    comment(article, days_ago=3, status="trash")
    comment(article, days_ago=13)
    comment(article, days_ago=1, status="spam")  # spam is not counted
    comment(article, days_ago=14)  # a day too old for the chart
    with time_machine.travel(NOW, tick=False):
        response = editor_client.get("/admin/")
    assert response.status_code == 200
    section = panel(response)
    assert section is not None
    link = section.select_one(".discussion-pending a")
    assert link["href"] == "/admin/comments/"
    assert link.get_text(" ", strip=True) == "2 comments waiting for a decision"

    svg = section.select_one("figure.discussion-chart svg")
    assert svg["role"] == "img"
    assert svg.title.get_text() == "Comments per day, last 14 days"
    assert svg.desc.get_text().startswith("5 comments from 2 March to 15 March 2026")
    bars = {rect.title.get_text(): float(rect["height"]) for rect in svg.select("rect")}
    assert len(bars) == 14
    assert bars["15 March 2026: 3 comments"] > bars["12 March 2026: 1 comment"] > 0
    assert bars["2 March 2026: 1 comment"] == bars["12 March 2026: 1 comment"]
    assert bars["14 March 2026: 0 comments"] == 0
    labels = [text.get_text() for text in svg.select("text")]
    assert "Comments" in labels and "Day (UTC)" in labels


def test_panel_without_pending_comments_still_links_to_the_queue(editor_client):
    with time_machine.travel(NOW, tick=False):
        section = panel(editor_client.get("/admin/"))
    assert "No comments waiting." in section.get_text()
    assert section.select_one(".discussion-pending a")["href"] == "/admin/comments/"
    assert section.select_one("svg desc").get_text().startswith("0 comments")


def test_panel_stylesheet_is_a_file_not_inline(editor_client):
    response = editor_client.get("/admin/")
    soup = BeautifulSoup(response.content, "html.parser")
    hrefs = [link["href"] for link in soup.select("link[rel=stylesheet]")]
    assert any("discussion/admin/moderation.css" in href for href in hrefs)
    assert not panel(response).select("[style]")


def test_panel_is_only_for_moderators(client, django_user_model):
    from django.contrib.auth.models import Group, Permission

    writer = django_user_model.objects.create_user("writer", "w@example.org", "x")
    group = Group.objects.create(name="Writers only")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    writer.groups.add(group)
    client.force_login(writer)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert panel(response) is None


def test_axis_labels_sit_at_their_values():
    """With at most 5 comments a day the axis reads 0, 2, 5, and "2" sits at 2/5 height."""
    from masthead.discussion.panels import comments_chart

    day = dt.date(2026, 3, 1)
    chart = comments_chart([(day, 5), (day + dt.timedelta(days=1), 2)])
    ticks = {tick.label: tick.position for tick in chart.y_ticks}
    assert list(ticks) == ["0", "2", "5"]
    assert ticks["0"] == chart.baseline and ticks["5"] == chart.top
    two_bar = chart.bars[1]
    assert ticks["2"] == two_bar.y  # the bar of 2 reaches exactly the "2" line
    single = comments_chart([(day, 1)])
    assert [tick.label for tick in single.y_ticks] == ["0", "1"]
