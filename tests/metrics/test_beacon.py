"""The beacon and the pixel: what counts, what is refused, and that refusals change nothing."""

import pytest
from django.utils import translation

from masthead.metrics.models import ArticleHourlyViews, ArticleViewTotal, ReferrerDailyViews
from masthead.metrics.services import flush_views
from masthead.metrics.templatetags.metrics import views_label
from tests.metrics.conftest import BROWSER_UA, beacon
from tests.newsroom.factories import make_article, make_draft_article

pytestmark = pytest.mark.django_db


def stored_views() -> int:
    return sum(ArticleHourlyViews.objects.values_list("views", flat=True))


def test_a_beacon_counts_one_view_after_a_flush(client):
    article = make_article(title="Tide tables")
    response = beacon(client, article.pk)
    assert response.status_code == 204
    assert response.content == b""
    assert "Set-Cookie" not in response.headers
    assert stored_views() == 0
    assert flush_views() == 1
    assert stored_views() == 1
    assert ArticleViewTotal.objects.get(article=article).views == 1


def test_the_beacon_touches_neither_session_nor_database(client, django_assert_num_queries):
    article = make_article()
    beacon(client, article.pk, ip="198.51.100.1")  # loads the live ids and today's salt
    with django_assert_num_queries(0):
        response = beacon(client, article.pk, ip="198.51.100.2")
    assert response.status_code == 204
    assert not response.cookies


@pytest.mark.parametrize(
    ("method", "status"), [("get", 405), ("put", 405), ("delete", 405), ("patch", 405)]
)
def test_wrong_methods_are_refused(client, method, status):
    article = make_article()
    response = getattr(client, method)("/metrics/view/", headers={"User-Agent": BROWSER_UA})
    assert response.status_code == status
    assert response["Allow"] == "POST"
    assert beacon(client, article.pk).status_code == 204  # the right method still works
    assert flush_views() == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("", 400),
        ("a=", 400),
        ("a=abc", 400),
        ("a=-4", 400),
        ("a=0", 400),
        ("a=1e3", 400),
        ("a=99999999999999999999999", 400),
        ("a={pk}&evil=1", 400),
        ("a={pk}&a={pk}&a={pk}&a={pk}&a={pk}", 400),
        ("\x00\xff garbage", 400),
        ("r=example.com", 400),
        ("a={pk}\n", 400),
        ("a=" + "1" * 600, 413),
        ("a={pk}&r=" + "x" * 600, 413),
        ("a=987654", 404),
    ],
)
def test_bad_beacons_get_a_4xx_and_change_nothing(client, body, status):
    article = make_article()
    response = beacon(client, article.pk, body=body.format(pk=article.pk))
    assert response.status_code == status
    flush_views()
    assert stored_views() == 0
    assert not ArticleViewTotal.objects.exists()


def test_a_draft_article_is_unknown(client):
    draft = make_draft_article(title="Not yet")
    assert beacon(client, draft.pk).status_code == 404


def test_cross_site_beacons_are_refused(client):
    article = make_article()
    assert beacon(client, article.pk, **{"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert beacon(client, article.pk, Origin="https://elsewhere.example").status_code == 403
    assert beacon(client, article.pk, Origin="http://testserver").status_code == 204
    assert flush_views() == 1


@pytest.mark.parametrize(
    "ua",
    [
        "",
        "   ",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "python-requests/2.32.3",
        "curl/8.5.0",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2)",
    ],
)
def test_bots_are_answered_but_not_counted(client, ua):
    article = make_article()
    assert beacon(client, article.pk, ua=ua).status_code == 204
    assert flush_views() == 0
    assert stored_views() == 0


def test_prefetches_are_not_counted(client):
    article = make_article()
    assert beacon(client, article.pk, **{"Sec-Purpose": "prefetch"}).status_code == 204
    assert beacon(client, article.pk, Purpose="prefetch").status_code == 204
    assert flush_views() == 0


def test_the_pixel_counts_and_answers_a_gif(client):
    article = make_article()
    response = client.get(
        f"/metrics/view/{article.pk}.gif",
        headers={"User-Agent": BROWSER_UA, "Sec-Fetch-Site": "same-origin"},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    assert response.content.startswith(b"GIF89a")
    assert response["Cache-Control"] == "no-store"
    assert client.head(f"/metrics/view/{article.pk}.gif").status_code == 405
    assert (
        client.get("/metrics/view/12345678.gif", headers={"User-Agent": BROWSER_UA}).status_code
        == 404
    )
    assert client.get("/metrics/view/x.gif").status_code == 400
    assert flush_views() == 1


def test_only_the_referring_domain_is_stored(client):
    article = make_article()
    sent = [
        beacon(client, article.pk, body=f"a={article.pk}&r=www.News.Example.org"),
        beacon(client, article.pk, ip="192.0.2.9", body=f"a={article.pk}&r=testserver"),
        beacon(client, article.pk, ip="192.0.2.10", body=f"a={article.pk}&r=-bad-.example"),
        beacon(client, article.pk, ip="192.0.2.11", body=f"a={article.pk}&r=https://x.org/p?q"),
    ]
    assert [response.status_code for response in sent] == [204, 204, 204, 400]
    assert flush_views() == 3
    assert list(ReferrerDailyViews.objects.values_list("domain", "views")) == [
        ("news.example.org", 1)
    ]


def test_counts_endpoint_includes_the_buffer(client):
    article = make_article()
    other = make_article()
    beacon(client, article.pk)
    response = client.get(f"/metrics/counts?ids={article.pk},{other.pk}")
    assert response.json() == {str(article.pk): 1, str(other.pk): 0}
    assert response["Cache-Control"] == "no-store"
    flush_views()
    assert client.get(f"/metrics/counts?ids={article.pk}").json() == {str(article.pk): 1}
    for bad in ("", "ids=", "ids=a,b", "ids=" + ",".join(["1"] * 51)):
        assert client.get(f"/metrics/counts?{bad}").status_code == 400


def test_article_page_shows_the_count_and_sends_the_beacon(client):
    article = make_article(title="Ferry timetable changes")
    for n in range(3):
        beacon(client, article.pk, ip=f"192.0.2.{n + 1}")
    flush_views()
    html = client.get(article.url).content.decode()
    assert f'data-view-count="{article.pk}"' in html
    assert "3 views" in html
    assert "metrics/js/views.js" in html
    assert f'src="/metrics/view/{article.pk}.gif"' in html


def test_counts_are_grouped_for_the_locale(client):
    article = make_article()
    ArticleViewTotal.objects.create(article=article, views=10283)
    assert "10,283 views" in client.get(article.url).content.decode()
    with translation.override("de"):
        assert views_label(10283).startswith("10.283")


def test_staff_preview_renders_no_beacon(client, django_user_model):
    article = make_article(title="Preview me")
    editor = django_user_model.objects.create_superuser("ed", "ed@example.com", "pw-12345")
    client.force_login(editor)
    response = client.get(f"/admin/pages/{article.pk}/view_draft/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Preview me" in html
    assert "metrics/js/views.js" not in html
    assert ".gif" not in html
