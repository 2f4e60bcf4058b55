"""The page cache: anonymous GETs of public pages, served before Django's middleware.

- app.PageCacheApplication wraps the WSGI application and answers hits;
- middleware.PageCacheMiddleware stores what may be shared and sets caching headers;
- generation.bump_generation() invalidates every cached page (other apps call it,
  e.g. on comment approval; masthead.core.signals calls it for content changes).
"""

from .generation import bump_generation, current_generation

__all__ = ["bump_generation", "current_generation"]
