import pytest

from tests.newsroom.factories import days_ago, make_article, make_section

pytestmark = pytest.mark.django_db


def test_article_section_next_and_reading_time():
    news = make_section("News")
    older = make_article(section=news, published_at=days_ago(2))
    newer = make_article(section=news, published_at=days_ago(1))
    assert newer.section.pk == news.pk
    assert newer.next_article().pk == older.pk
    assert older.next_article() is None
    assert newer.reading_minutes >= 1 and newer.word_count > 40
    assert [a.name for a in newer.author_list]
