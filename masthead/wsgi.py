import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "masthead.settings")


def _application():
    from django.urls import reverse

    from masthead.core.pagecache.app import PageCacheApplication

    django_application = get_wsgi_application()
    # Cached pages are answered by the wrapper, before Django's middleware stack.
    return PageCacheApplication(django_application, reader_state_path=reverse("core:reader_state"))


application = _application()
