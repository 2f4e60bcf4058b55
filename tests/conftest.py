import pytest

pytest_plugins = ["tests.browser_fixtures", "tests.smtp_fixtures"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from masthead.core import memo

    # Rolled-back test transactions never commit, so no generation bump tells the
    # memos that the previous test's pages are gone.
    memo.clear()
    cache.clear()
    yield
    cache.clear()
    memo.clear()
