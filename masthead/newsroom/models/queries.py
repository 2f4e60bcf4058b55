from django.db.models import Q
from wagtail.query import PageQuerySet


class ArticleQuerySet(PageQuerySet):
    """Reads of articles that span relations, named to read like a sentence."""

    def public(self):
        from ..privacy import any_view_restrictions

        return super().public() if any_view_restrictions() else self.all()

    def newest_first(self):
        return self.order_by("-first_published_at", "-pk")

    def older_than(self, article):
        when = article.first_published_at
        if when is None:
            return self.none()
        return self.filter(
            Q(first_published_at__lt=when) | Q(first_published_at=when, pk__lt=article.pk)
        )

    def in_section(self, section):
        if section.lists_all_articles:
            return self.descendant_of(section.get_parent())
        return self.child_of(section)

    def by_author(self, author):
        return self.filter(article_authors__author=author)

    def tagged(self, tag_slug: str):
        return self.filter(tags__slug=tag_slug)

    def for_listing(self):
        """What a list of teasers needs, fetched in a fixed number of queries."""
        return self.select_related("featured_image").prefetch_related(
            "article_authors__author", "featured_image__renditions"
        )
