"""Feeds, sitemaps: the URLs machines read.  (Filled in by the feeds work.)"""

urlpatterns: list = []
