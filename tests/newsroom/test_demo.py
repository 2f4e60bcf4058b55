"""`masthead demo`: the demo publication that `make run` loads into an empty database."""

import io
import stat

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils.html import escape
from wagtail.images.models import Image
from wagtail.models import Page, Revision, Site

from masthead.metrics.models import ArticleViewTotal
from masthead.newsroom.demo.accounts import login_banner, login_file
from masthead.newsroom.models import ArticlePage, Author, HomePage, PublicationSettings, SectionPage

from .factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "var"


def run_demo(*args) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict:
    return {
        "pages": Page.objects.count(),
        "articles": ArticlePage.objects.count(),
        "sections": SectionPage.objects.count(),
        "authors": Author.objects.count(),
        "images": Image.objects.count(),
        "revisions": Revision.objects.count(),
        "users": get_user_model().objects.count(),
        "views": ArticleViewTotal.objects.aggregate(total=Sum("views"))["total"] or 0,
    }


def sign_in(client, username: str, password: str):
    return client.post(reverse("wagtailadmin_login"), {"username": username, "password": password})


def test_full_demo_builds_the_publication_once():
    """The default run builds 3 sections, 6 authors and 120+ articles; a rerun changes nothing."""
    output = run_demo()
    assert "120 articles" in output

    sections = {s.slug: s for s in SectionPage.objects.live()}
    assert set(sections) == {"latest", "analysis", "news"}
    assert sections["latest"].lists_all_articles and sections["latest"].menu_order == 0
    assert HomePage.objects.get().title == "The Port Alder Courier"

    authors = list(Author.objects.all())
    assert len(authors) == 6
    assert all(a.bio and a.role and a.avatar_id and a.social_links() for a in authors)

    articles = ArticlePage.objects.live()
    assert articles.count() >= 120
    assert len({a.title for a in articles}) == articles.count()
    days = {a.first_published_at.date() for a in articles}
    assert (max(days) - min(days)).days >= 55
    assert ArticlePage.objects.child_of(sections["analysis"]).count() >= 30
    assert ArticlePage.objects.child_of(sections["news"]).count() >= 30
    assert ArticlePage.objects.exclude(featured_image=None).count() == articles.count()
    assert articles.filter(article_authors=None).count() == 0
    assert articles.exclude(source_name="").filter(original_url__startswith="https://example.org/")
    assert articles.exclude(original_author="").exists()
    assert articles.filter(corrections__isnull=False).exists()
    assert sum(1 for a in articles if a.updated_at) >= 3

    block_types = {block.block_type for a in articles for block in a.body}
    assert block_types == {
        "paragraph",
        "heading",
        "image",
        "pull_quote",
        "block_quote",
        "video",
        "related_links",
    }
    assert all(4 <= len(a.body) <= 10 for a in articles)
    assert all(2 <= a.tags.count() <= 4 for a in articles)

    assert articles.search("harbour").count() > 0
    assert articles.search("Lindqvist").count() > 0

    publication = PublicationSettings.for_site(Site.objects.get(is_default_site=True))
    assert publication.name == "The Port Alder Courier"
    assert {link["key"] for link in publication.social_links()} >= {
        "youtube",
        "x",
        "facebook",
        "telegram",
    }
    assert publication.support_url == "/support/"

    before = counts()
    titles = sorted(articles.values_list("title", "first_published_at"))
    assert "nothing to do" in run_demo()
    assert counts() == before
    assert sorted(ArticlePage.objects.live().values_list("title", "first_published_at")) == titles


def test_reset_deletes_and_rebuilds(client):
    run_demo("--articles", "6")
    old_ids = set(ArticlePage.objects.values_list("pk", flat=True))
    old_counts = counts()

    output = run_demo("--reset", "--articles", "6")

    assert "Deleted" in output
    assert counts() == old_counts
    assert not old_ids & set(ArticlePage.objects.values_list("pk", flat=True))
    username, password = _stored_login()
    response = sign_in(client, username, password)
    assert response.status_code == 302


def test_reset_removes_content_editors_added():
    run_demo("--articles", "4")
    extra = make_article(section=SectionPage.objects.get(slug="news"), title="Written by hand")

    run_demo("--reset", "--articles", "4")

    assert not ArticlePage.objects.filter(pk=extra.pk).exists()
    assert ArticlePage.objects.count() == 4


def test_if_empty_skips_when_articles_exist():
    make_article(title="Already here")

    output = run_demo("--if-empty")

    assert "skipped" in output
    assert not Author.objects.filter(slug="marisol-teague").exists()
    assert ArticlePage.objects.count() == 1


def test_if_empty_builds_into_an_empty_database():
    run_demo("--if-empty", "--articles", "3")

    assert ArticlePage.objects.live().count() == 3


def _stored_login() -> tuple[str, str]:
    fields = dict(
        line.split(": ", 1) for line in login_file().read_text().splitlines() if ": " in line
    )
    return fields["username"], fields["password"]


def test_demo_editor_can_sign_in_and_edit_articles(client):
    run_demo("--articles", "3")
    path = login_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    username, password = _stored_login()
    assert username == "editor"

    assert sign_in(client, username, password).status_code == 302
    assert client.get("/admin/").status_code == 200
    article = ArticlePage.objects.live().first()
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[article.pk]))
    assert edit.status_code == 200
    assert escape(article.title) in edit.content.decode()


def test_editor_password_is_generated_once():
    run_demo("--articles", "2")
    first = _stored_login()

    run_demo("--reset", "--articles", "2")

    assert _stored_login() == first
    user = get_user_model().objects.get(username="editor")
    assert user.check_password(first[1])


def test_login_banner_names_the_urls_and_the_login():
    run_demo("--articles", "2")
    username, password = _stored_login()

    banner = login_banner(bind="0.0.0.0:8000")

    assert "http://127.0.0.1:8000/" in banner
    assert "http://127.0.0.1:8000/admin/" in banner
    assert username in banner and password in banner


def test_login_banner_without_demo_says_how_to_create_an_admin():
    banner = login_banner(bind="127.0.0.1:8123")

    assert "http://127.0.0.1:8123/admin/" in banner
    assert "masthead createsuperuser" in banner


def test_demo_comes_with_a_readership_history(client):
    """Trending, Most read and the dashboard have something to show as soon as it loads."""
    run_demo("--articles", "12")
    totals = dict(ArticleViewTotal.objects.values_list("article_id", "views"))
    assert set(totals) == set(ArticlePage.objects.values_list("pk", flat=True))
    assert all(views > 0 for views in totals.values())
    home = client.get("/")
    assert b"Trending" in home.content
