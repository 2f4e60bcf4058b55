"""Factories for newsroom content, built the way editors build it: pages published by revision."""

import datetime as dt
import io
import itertools

import factory
from django.core.files.images import ImageFile
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.models import Site

from masthead.newsroom.models import ArticleAuthor, ArticlePage, Author, HomePage, SectionPage

_counter = itertools.count(1)


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Writer {n}")
    slug = factory.Sequence(lambda n: f"writer-{n}")
    bio = "Covers the city beat."


def make_image(*, title="Test image", width=800, height=450, color=(40, 90, 160)) -> Image:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), color).save(buffer, "JPEG")
    return Image.objects.create(
        title=title, file=ImageFile(buffer, name=f"img-{next(_counter)}.jpg")
    )


def home_page() -> HomePage:
    """The home page; rebuilt with the page tree if a transactional test flushed it."""
    home = HomePage.objects.first()
    return home if home is not None else _rebuild_page_tree()


def _rebuild_page_tree() -> HomePage:
    # What the wagtail and newsroom migrations create, which a flush removes.
    from django.conf import settings
    from django.utils.translation import get_supported_language_variant
    from wagtail.models import Collection, Locale, Page

    locale, _ = Locale.objects.get_or_create(
        language_code=get_supported_language_variant(settings.LANGUAGE_CODE)
    )
    if not Collection.objects.exists():
        Collection.add_root(name="Root")
    root = Page.objects.filter(depth=1).first() or Page.add_root(
        instance=Page(title="Root", slug="root", locale=locale)
    )
    home = root.add_child(instance=HomePage(title="Home", slug="home", locale=locale))
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": home},
    )
    return home


def make_section(title="News", *, slug=None, lists_all=False, order=0) -> SectionPage:
    home = home_page()
    slug = slug or title.lower().replace(" ", "-")
    existing = SectionPage.objects.filter(slug=slug).first()
    if existing:
        return existing
    section = SectionPage(title=title, slug=slug, lists_all_articles=lists_all, menu_order=order)
    home.add_child(instance=section)
    section.save_revision().publish()
    return section


def make_article(
    *,
    section: SectionPage | None = None,
    title: str | None = None,
    standfirst: str = "A short summary of what happened and why it matters.",
    body: list | None = None,
    authors: list[Author] | None = None,
    tags: list[str] | None = None,
    published_at: dt.datetime | None = None,
    live: bool = True,
    **fields,
) -> ArticlePage:
    """An article under `section`, published (or saved as draft) through a revision."""
    section = section or make_section()
    n = next(_counter)
    title = title or f"Article number {n}"
    article = ArticlePage(
        title=title,
        slug=fields.pop("slug", None) or f"article-{n}",
        live=live,
        standfirst=standfirst,
        body=body
        if body is not None
        else [("paragraph", f"<p>Body text of article {n}. " + "Words follow. " * 40 + "</p>")],
        **fields,
    )
    article.article_authors = [
        ArticleAuthor(author=a, sort_order=i) for i, a in enumerate(authors or [AuthorFactory()])
    ]
    if tags:
        article.tags.add(*tags)
    section.add_child(instance=article)
    revision = article.save_revision()
    if live:
        revision.publish()
        article.refresh_from_db()
        if published_at:
            ArticlePage.objects.filter(pk=article.pk).update(
                first_published_at=published_at, last_published_at=published_at
            )
            article.refresh_from_db()
    return article


def default_site() -> Site:
    return Site.objects.get(is_default_site=True)


def days_ago(n: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=n)


def make_draft_article(**fields) -> ArticlePage:
    """A never-published article, as the admin leaves it: not live, with a draft revision.

    make_article(live=False) saves the page with Page's default live=True, so
    listings that rely on .live() alone would show it.
    """
    article = make_article(live=False, **fields)
    ArticlePage.objects.filter(pk=article.pk).update(live=False)
    article.refresh_from_db()
    return article
