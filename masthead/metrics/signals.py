"""Forget the in-memory set of countable articles when one is published or unpublished here."""

from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from .selectors import forget_known_articles


@receiver(page_published)
@receiver(page_unpublished)
def _article_went_live_or_away(sender, **kwargs) -> None:
    forget_known_articles()
