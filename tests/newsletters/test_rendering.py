"""An issue rendered as an email: inlined CSS, text alternative, branding, absolute links."""

import re

import pytest
from wagtail.rich_text import RichText

from masthead.metrics.models import ArticleHourlyViews
from masthead.metrics.selectors import current_hour
from masthead.newsletters import rendering
from masthead.newsletters.models import IssueKind
from masthead.newsroom.models import PublicationSettings
from tests.newsroom.factories import (
    days_ago,
    default_site,
    make_article,
    make_draft_article,
    make_image,
)

from .sending_support import make_issue, make_newsletter

pytestmark = pytest.mark.django_db

UTM = "utm_source=newsletter&utm_medium=email&utm_campaign=daily-briefing"


@pytest.fixture
def issue(settings):
    settings.SITE_URL = "https://news.example"
    first = make_article(title="Harbour plan approved", standfirst="The council voted 7 to 2.")
    second = make_article(title="Ferry fares to rise", standfirst="From March, by 8%.")
    return make_issue(
        make_newsletter(),
        articles=[second, first],
        sections=[
            (
                "section",
                {
                    "heading": "Also worth reading",
                    "text": RichText('<p>A <a href="https://other.example/x">good read</a>.</p>'),
                },
            )
        ],
    )


def test_html_has_inlined_css_and_keeps_only_media_queries_in_style(issue):
    html = rendering.render_issue(issue).html
    assert 'style="' in html
    # The layout no longer needs the stylesheet: the container's width is inline...
    assert re.search(r'class="container"[^>]*style="[^"]*max-width: ?600px', html)
    # ...and what stays in <style> is the @media rule only.
    styles = re.findall(r"<style[^>]*>(.*?)</style>", html, re.S)
    assert styles and all("@media" in s for s in styles)
    assert ".article-title {" not in "".join(s.split("@media")[0] for s in styles)


def test_articles_in_chosen_order_with_absolute_links_and_utm(issue):
    rendered = rendering.render_issue(issue)
    html = rendered.html
    assert html.index("Ferry fares to rise") < html.index("Harbour plan approved")
    assert "The council voted 7 to 2." in html
    links = re.findall(r'href="([^"]+)"', html)
    article_links = [link for link in links if "utm_source" in link]
    assert article_links and all(link.startswith("https://news.example/") for link in article_links)
    assert all(link.endswith("?" + UTM.replace("&", "&amp;")) for link in article_links)
    assert not [link for link in links if link.startswith("/")]


def test_text_alternative_has_the_same_content(issue):
    text = rendering.render_issue(issue).text
    assert "Tuesday: the harbour plan" in text
    assert "Here is what happened overnight." in text
    assert "Ferry fares to rise\nFrom March, by 8%.\nhttps://news.example/" in text
    assert UTM in text
    assert "ALSO WORTH READING" in text and "good read (https://other.example/x)" in text
    assert f"Unsubscribe: {rendering.UNSUBSCRIBE_PLACEHOLDER}" in text
    assert f"Manage your newsletters: {rendering.MANAGE_PLACEHOLDER}" in text
    assert "<" not in text


def test_unsubscribe_manage_and_web_version_links(issue):
    rendered = rendering.render_issue(issue)
    assert f'href="{rendering.UNSUBSCRIBE_PLACEHOLDER}"' in rendered.html
    assert f'href="{rendering.MANAGE_PLACEHOLDER}"' in rendered.html
    web = f"https://news.example/newsletters/archive/daily-briefing/{issue.pk}/"
    assert f'href="{web}"' in rendered.html and web in rendered.text
    personal = rendered.personalise(unsubscribe_url="https://u.example/1", manage_url="https://m/1")
    assert 'href="https://u.example/1"' in personal.html and "https://u.example/1" in personal.text
    assert rendering.UNSUBSCRIBE_PLACEHOLDER not in personal.html + personal.text


def test_preview_replaces_placeholders_with_a_harmless_link(issue):
    preview = rendering.preview(issue)
    assert rendering.UNSUBSCRIBE_PLACEHOLDER not in preview.html + preview.text
    assert rendering.MANAGE_PLACEHOLDER not in preview.html + preview.text
    assert "/newsletters/unsubscribe/" not in preview.html


def test_branding_name_preheader_and_logo(issue):
    settings_row = PublicationSettings.for_site(default_site())
    settings_row.name = "The Bellbuoy Gazette"
    settings_row.logo = make_image(title="Logo", width=300, height=100)
    settings_row.save()
    html = rendering.render_issue(issue).html
    assert 'alt="The Bellbuoy Gazette"' in html
    assert re.search(r'<img src="https://news\.example/media/images/[^"]+\.png"', html)
    assert "Three stories you should not miss" in html
    assert html.index("Three stories you should not miss") < html.index(
        "Tuesday: the harbour plan</h1>"
    )


def test_draft_articles_are_left_out(issue):
    draft = make_draft_article(title="Not yet published")
    issue.chosen_articles.create(article=draft, sort_order=9)
    assert "Not yet published" not in rendering.render_issue(issue).html
    assert [a.title for a in rendering.issue_articles(issue)] == [
        "Ferry fares to rise",
        "Harbour plan approved",
    ]


def test_digest_takes_latest_and_trending_of_the_period_once_each(settings):
    settings.SITE_URL = "https://news.example"
    old_but_read = make_article(title="Old but widely read", published_at=days_ago(30))
    too_old = make_article(title="Old and unread", published_at=days_ago(30))
    latest = [make_article(title=f"Fresh {n}", published_at=days_ago(n + 0.5)) for n in range(5)]
    now = current_hour()
    ArticleHourlyViews.objects.create(article=old_but_read, hour=now - 2, views=500)
    ArticleHourlyViews.objects.create(article=latest[4], hour=now - 1, views=300)
    issue = make_issue(make_newsletter(), kind=IssueKind.DIGEST, digest_days=7, digest_size=4)
    titles = [a.title for a in rendering.issue_articles(issue)]
    # Two places for the most read (in order), then the newest, no repeats, four at most.
    assert titles == ["Old but widely read", "Fresh 4", "Fresh 0", "Fresh 1"]
    assert too_old.title not in titles
    issue.digest_size = 10
    titles = [a.title for a in rendering.issue_articles(issue)]
    assert len(titles) == len(set(titles)) == 6


def test_preview_of_an_unsaved_issue_as_the_admin_form_builds_it(settings):
    from masthead.newsletters.models import Issue, IssueArticle

    settings.SITE_URL = "https://news.example"
    article = make_article(title="Picked before saving")
    issue = Issue(newsletter=make_newsletter(), subject="A draft not saved yet")
    issue.chosen_articles = [IssueArticle(article=article, sort_order=0)]
    preview = rendering.preview(issue)
    assert "Picked before saving" in preview.html and "Picked before saving" in preview.text
    assert "https://news.example/newsletters/archive/daily-briefing/" in preview.text
