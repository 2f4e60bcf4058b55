"""Cache invalidation: bump the page-cache generation whenever readers could see a change.

Signals are the one place the project uses them for (see DESIGN.md,
"Conventions"): content lives in several apps and in Wagtail itself, and the
page cache must hear about all of it.  Other apps with public state the
signals below do not cover (e.g. comment approval) call
masthead.core.pagecache.bump_generation() from their services.
"""

import functools

from django.db.models.signals import m2m_changed, post_delete, post_save
from taggit.models import Tag
from wagtail.contrib.settings.models import BaseGenericSetting, BaseSiteSetting
from wagtail.images import get_image_model
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.models.pages import COMMENTS_RELATION_NAME
from wagtail.signals import page_published, page_unpublished, post_page_move

from .pagecache import bump_generation

# Page saves that only touch editorial bookkeeping (a draft revision, a lock)
# change nothing a reader sees; bumping on them would empty the cache every
# time an editor saves a draft.
BOOKKEEPING_FIELDS = frozenset(
    {
        "latest_revision",
        "latest_revision_created_at",
        "has_unpublished_changes",
        "draft_title",
        COMMENTS_RELATION_NAME,
        "locked",
        "locked_at",
        "locked_by",
        "numchild",
    }
)


def _bump(**_kwargs) -> None:
    bump_generation()


def _page_saved(sender, instance, update_fields=None, **_kwargs) -> None:
    if not isinstance(instance, Page) or not instance.live:
        return
    if update_fields and BOOKKEEPING_FIELDS.issuperset(update_fields):
        return
    bump_generation()


def _content_changed(sender, instance, **_kwargs) -> None:
    if isinstance(instance, _watched_models()):
        bump_generation()


@functools.cache
def _watched_models() -> tuple[type, ...]:
    from masthead.ads.models import Campaign, Creative, Placement
    from masthead.newsroom.models import Author

    # Renditions are deliberately absent: they are created while pages render.
    # Ads: placements and their eligibility are part of cached page markup.
    return (
        Page,
        Author,
        Placement,
        Campaign,
        Creative,
        get_image_model(),
        BaseSiteSetting,
        BaseGenericSetting,
        PageViewRestriction,
        Site,
        Tag,
    )


def connect() -> None:
    """Connect the receivers (from CoreConfig.ready)."""
    page_published.connect(_bump, dispatch_uid="pagecache-page-published")
    page_unpublished.connect(_bump, dispatch_uid="pagecache-page-unpublished")
    post_page_move.connect(_bump, dispatch_uid="pagecache-page-moved")
    post_save.connect(_page_saved, dispatch_uid="pagecache-page-saved")
    post_save.connect(_content_saved, dispatch_uid="pagecache-content-saved")
    post_delete.connect(_content_changed, dispatch_uid="pagecache-content-deleted")
    m2m_changed.connect(_relations_changed, dispatch_uid="pagecache-relations-changed")


def _relations_changed(sender, instance, action, **kwargs) -> None:
    # Admin forms save many-to-many choices (an ad's placements and sections) after the
    # instance itself, so its post_save bump came too early for them.
    if action.startswith("post_"):
        _content_changed(sender, instance)


def _content_saved(sender, instance, **kwargs) -> None:
    # Pages have their own rule above (live pages only, bookkeeping ignored).
    if not isinstance(instance, Page):
        _content_changed(sender, instance, **kwargs)
