from .authors import Author
from .pages import (
    ArticleAuthor,
    ArticlePage,
    ArticleTag,
    Correction,
    HomePage,
    SectionPage,
    StandardPage,
)
from .site_settings import SOCIAL_NETWORKS, PublicationSettings

__all__ = [
    "SOCIAL_NETWORKS",
    "ArticleAuthor",
    "ArticlePage",
    "ArticleTag",
    "Author",
    "Correction",
    "HomePage",
    "PublicationSettings",
    "SectionPage",
    "StandardPage",
]
