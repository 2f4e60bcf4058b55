"""Build (and tear down) the demo publication in the database.

Every object the demo makes is found again by a stable key (slug, title in the
demo collection), so running the build twice creates nothing twice.
"""

import datetime as dt
import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone
from taggit.models import Tag
from wagtail.images.models import Image
from wagtail.models import PageLogEntry, ReferenceIndex, Revision, Site
from wagtail.search.backends import get_search_backends
from wagtail.search.index import get_indexed_models
from wagtail.search.signal_handlers import post_save_signal_handler
from wagtail.signal_handlers import disable_reference_index_auto_update

from masthead.discussion.demo import seed_discussions

from ..models import (
    ArticleAuthor,
    ArticlePage,
    Author,
    Correction,
    HomePage,
    PublicationSettings,
    SectionPage,
)
from . import content
from .accounts import ensure_demo_editor, remove_demo_editor
from .images import avatar_png, demo_collection, featured_jpeg, save_image
from .readership import seed_view_history

FIGURE_COUNT = 6
FIGURE_HUES = (200, 30, 150, 260, 10, 180)
FIGURE_MOTIFS = ("waves", "blocks", "orbs", "arcs", "lines", "grid")

PUBLICATION = {
    "name": content.PUBLICATION_NAME,
    "tagline": "Independent news from the harbour town, since this morning.",
    "footer_text": "The Port Alder Courier is a demonstration publication. Every person, place "
    "and story on this site is invented.",
    "youtube_url": "https://youtube.example.com/@portaldercourier",
    "x_url": "https://x.example.com/portaldercourier",
    "facebook_url": "https://facebook.example.com/portaldercourier",
    "telegram_url": "https://telegram.example.org/portaldercourier",
    "mastodon_url": "https://social.example.org/@courier",
    "show_rss_link": True,
    "support_heading": "Liked it? Support us",
    "support_text": "The Courier is funded by its readers. A small monthly gift keeps local "
    "reporting free for everyone in Port Alder.",
    "support_link_text": "Support the Courier",
    "support_url": "/support/",
    "feed_full_content": True,
    "feed_item_count": 30,
}


@dataclass
class DemoSummary:
    sections: int = 0
    authors: int = 0
    articles: int = 0
    images: int = 0
    total_articles: int = 0
    views: int = 0
    comments: int = 0
    newsletters: int = 0
    donations: int = 0
    ads: int = 0

    @property
    def created_anything(self) -> bool:
        return bool(self.sections or self.authors or self.articles or self.images)


def demo_present() -> bool:
    return ArticlePage.objects.exists()


def _publish(page, *, user=None) -> Revision:
    revision = page.save_revision(user=user)
    revision.publish(user=user)
    return revision


def _settings(site: Site) -> None:
    """Fill the publication settings, unless an editor has already named the publication."""
    settings = PublicationSettings.for_site(site)
    if settings.name not in ("", PublicationSettings._meta.get_field("name").default):
        return
    for name, value in PUBLICATION.items():
        setattr(settings, name, value)
    settings.save()


def _home(*, user) -> HomePage:
    home = HomePage.objects.get()
    if home.title != content.PUBLICATION_NAME and home.title == "Home":
        home.title = content.PUBLICATION_NAME
        home.draft_title = content.PUBLICATION_NAME
        home.intro = "News, analysis and notes from a small harbour town."
        _publish(home, user=user)
    return home


def _authors(collection, summary: DemoSummary) -> dict[str, Author]:
    authors = {}
    for spec in content.AUTHORS:
        author = Author.objects.filter(slug=spec.slug).first()
        if author is None:
            avatar = save_image(
                title=f"Portrait of {spec.name}",
                data=avatar_png(initials=spec.initials, colour=spec.colour),
                filename=f"avatar-{spec.slug}.png",
                collection=collection,
            )
            author = Author.objects.create(
                name=spec.name,
                slug=spec.slug,
                role=spec.role,
                bio=spec.bio,
                avatar=avatar,
                email=f"{spec.slug}@example.org",
                **spec.links,
            )
            summary.authors += 1
            summary.images += 1
        authors[spec.slug] = author
    return authors


def _sections(home: HomePage, *, user, summary: DemoSummary) -> dict[str, SectionPage]:
    sections = {}
    for slug, title, description, lists_all, order in content.SECTIONS:
        section = SectionPage.objects.child_of(home).filter(slug=slug).first()
        if section is None:
            section = SectionPage(
                title=title,
                slug=slug,
                description=description,
                lists_all_articles=lists_all,
                menu_order=order,
                owner=user,
            )
            home.add_child(instance=section)
            _publish(section, user=user)
            summary.sections += 1
        sections[slug] = section
    return sections


def _figures(collection, summary: DemoSummary) -> list[Image]:
    figures = []
    for i in range(FIGURE_COUNT):
        title = f"Port Alder, an illustration ({i + 1})"
        image = Image.objects.filter(collection=collection, title=title).first()
        if image is None:
            data = featured_jpeg(
                seed=f"figure-{i}", hue=FIGURE_HUES[i], motif=FIGURE_MOTIFS[i], size=(1200, 800)
            )
            image = save_image(
                title=title, data=data, filename=f"figure-{i + 1}.jpg", collection=collection
            )
            summary.images += 1
        figures.append(image)
    return figures


def _featured_data(spec: content.ArticleSpec) -> bytes:
    return featured_jpeg(
        seed=f"{content.SEED}-{spec.slug}", hue=spec.topic.hue, motif=spec.topic.motif
    )


def _stream(spec, *, figures, known: dict[str, int], rng: random.Random) -> list[dict]:
    """The article body in StreamField's JSON form, with images and pages resolved to ids."""
    blocks = []
    for kind, value in spec.body:
        if kind == "paragraph":
            blocks.append({"type": "paragraph", "value": value["html"]})
        elif kind == "figure":
            figure = figures[rng.randrange(len(figures))]
            blocks.append(
                {
                    "type": "image",
                    "value": {
                        "image": figure.pk,
                        "caption": spec.figure_caption,
                        "credit": "Illustration: Courier graphics desk",
                    },
                }
            )
        elif kind == "related_links":
            same_topic = [slug for slug, topic in known.items() if topic[1] == spec.topic.key]
            picks = same_topic[-value["count"] :] or list(known)[-1:]
            links = [{"page": known[slug][0], "url": "", "title": ""} for slug in picks]
            links.append(
                {
                    "page": None,
                    "url": f"https://example.org/port-alder/{spec.topic.key}",
                    "title": "Background: the council's published papers",
                }
            )
            blocks.append(
                {"type": "related_links", "value": {"heading": value["heading"], "links": links}}
            )
        else:
            blocks.append({"type": kind, "value": value})
    return blocks


def _create_article(spec, *, section, authors, image, figures, known, user, now) -> ArticlePage:
    published = now - dt.timedelta(days=spec.days_ago)
    rng = random.Random(spec.slug)
    article = ArticlePage(
        title=spec.title,
        slug=spec.slug,
        standfirst=spec.standfirst,
        featured_image=image,
        featured_caption=spec.caption,
        featured_credit=spec.credit,
        body=_stream(spec, figures=figures, known=known, rng=rng),
        source_name=spec.source_name,
        original_url=spec.original_url,
        original_author=spec.original_author,
        owner=user,
    )
    article.article_authors = [ArticleAuthor(author=authors[slug]) for slug in spec.authors]
    article.corrections = [
        Correction(kind=kind, date=(published + dt.timedelta(days=after)).date(), text=text)
        for kind, after, text in spec.corrections
    ]
    article.tags.add(*spec.tags)
    section.add_child(instance=article)
    revision = _publish(article, user=user)
    updated = published + dt.timedelta(hours=spec.updated_hours or 0)
    # Back-date the article as if it had gone out on its day, and say so everywhere it is recorded.
    ArticlePage.objects.filter(pk=article.pk).update(
        first_published_at=published,
        last_published_at=updated,
        latest_revision_created_at=updated,
    )
    Revision.objects.filter(pk=revision.pk).update(created_at=published)
    PageLogEntry.objects.filter(page=article).update(timestamp=published)
    return article


@contextmanager
def _indexing_deferred() -> Iterator[None]:
    """Hold back per-save search and reference indexing; the build indexes what it made at the end.

    Each save would otherwise queue index tasks for the worker, several per
    article, and search would find nothing until the worker had caught up.
    """
    models = get_indexed_models()
    for model in models:
        post_save.disconnect(post_save_signal_handler, sender=model)
    try:
        with disable_reference_index_auto_update():
            yield
    finally:
        for model in models:
            post_save.connect(post_save_signal_handler, sender=model)


def _index(model, pks) -> None:
    """Add the objects to the search index and to Wagtail's reference index (image usage)."""
    objects = list(model.objects.filter(pk__in=pks))
    if not objects:
        return
    for backend in get_search_backends(with_auto_update=True):
        backend.add_bulk(model, objects)
    if ReferenceIndex.is_indexed(model):
        for obj in objects:
            ReferenceIndex.create_or_update_for_object(obj)


def build_demo(*, articles: int = content.DEFAULT_ARTICLE_COUNT) -> DemoSummary:
    """Create whatever part of the demo publication is missing; leave the rest alone."""
    summary = DemoSummary()
    specs = content.article_specs(articles)
    existing = set(
        ArticlePage.objects.filter(slug__in=[s.slug for s in specs]).values_list("slug", flat=True)
    )
    missing = [s for s in specs if s.slug not in existing]
    username, _ = ensure_demo_editor()
    user = get_user_model().objects.get(username=username)
    now = timezone.now().replace(second=0, microsecond=0)
    # Drawing is slow and Pillow releases the GIL while it works, so the pictures
    # are drawn in threads while the pages are being written.
    pool = ThreadPoolExecutor(max_workers=3)
    pictures = pool.map(_featured_data, missing)
    with pool, _indexing_deferred(), transaction.atomic():
        site = Site.objects.get(is_default_site=True)
        _settings(site)
        home = _home(user=user)
        collection = demo_collection()
        authors = _authors(collection, summary)
        sections = _sections(home, user=user, summary=summary)
        figures = _figures(collection, summary)
        topic_of = {s.slug: s.topic.key for s in specs}
        # slug -> (page id, topic) of every demo article so far, for related links.
        known = {
            slug: (pk, topic_of[slug])
            for slug, pk in ArticlePage.objects.filter(slug__in=existing).values_list("slug", "pk")
        }
        for spec, data in zip(missing, pictures, strict=True):
            image = save_image(
                title=f"Illustration: {spec.title}",
                data=data,
                filename=f"{spec.slug[:60]}.jpg",
                collection=collection,
            )
            summary.images += 1
            article = _create_article(
                spec,
                section=sections[spec.section],
                authors=authors,
                image=image,
                figures=figures,
                known=known,
                user=user,
                now=now,
            )
            known[spec.slug] = (article.pk, spec.topic.key)
            summary.articles += 1
        _index(HomePage, [home.pk])
        _index(SectionPage, [s.pk for s in sections.values()])
        _index(Author, [a.pk for a in authors.values()])
        _index(Image, Image.objects.filter(collection=collection).values("pk"))
        _index(ArticlePage, [known[s.slug][0] for s in missing])
        created = ArticlePage.objects.filter(pk__in=[known[s.slug][0] for s in missing])
        summary.views = seed_view_history(
            articles=list(created.only("pk", "first_published_at")),
            now_hour=int(now.timestamp()) // 3600,
            seed=content.SEED,
        )
        summary.comments = seed_discussions(
            articles=list(created.order_by("-first_published_at")), editor=user, seed=content.SEED
        )
    from masthead.newsletters.demo import load_demo as load_demo_newsletters

    summary.newsletters = len(load_demo_newsletters())
    from masthead.support.demo import load_demo as load_demo_support

    summary.donations = load_demo_support()
    from masthead.ads.demo import load_demo as load_demo_ads

    summary.ads = load_demo_ads()
    summary.total_articles = ArticlePage.objects.live().count()
    return summary


def reset_demo() -> None:
    """Delete the newsroom's content: articles, sections, authors, demo images, demo editor."""
    with transaction.atomic():
        for section in SectionPage.objects.all():
            section.delete()
        # Articles that somehow live elsewhere in the tree go too.
        for article in ArticlePage.objects.all():
            article.delete()
        Author.objects.all().delete()
        collection = demo_collection()
        for image in Image.objects.filter(collection=collection):
            image.delete()
        Tag.objects.filter(name__in=content.tag_pool(), taggit_taggeditem_items=None).filter(
            newsroom_articletag_items=None
        ).delete()
        remove_demo_editor()
