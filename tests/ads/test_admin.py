"""The "Advertising" admin: listings, campaign and creative forms (per-kind checks, HTML
sanitised on save, third-party tags for administrators only) and who may do what."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone

from masthead.ads.models import Campaign, Creative, CreativeDailyStats, Placement
from masthead.ads.reports import day_number, today_utc
from tests.ads.conftest import make_campaign, make_creative, make_placement
from tests.newsroom.factories import make_image

pytestmark = pytest.mark.django_db

CAMPAIGNS = "/admin/ads/campaigns/"
CREATIVES = "/admin/ads/creatives/"
PLACEMENTS = "/admin/ads/placements/"
TAG = '<script src="https://ads.example.net/tag.js"></script>'


def editor_client(django_user_model, *codenames: str, username="editor") -> Client:
    """A signed-in member of "Editors" whose group has these ads permissions."""
    user = django_user_model.objects.create_user(username, f"{username}@example.org", "pw-12345")
    group, _ = Group.objects.get_or_create(name="Editors")
    group.permissions.add(
        Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin")
    )
    for codename in codenames:
        group.permissions.add(
            Permission.objects.get(codename=codename, content_type__app_label="ads")
        )
    user.groups.add(group)
    client = Client()
    client.force_login(user)
    return client


ALL_CREATIVE_PERMS = ("add_creative", "change_creative", "view_creative", "delete_creative")


@pytest.fixture
def admin_client(client, django_user_model):
    boss = django_user_model.objects.create_superuser("boss", "boss@example.org", "x")
    client.force_login(boss)
    return client


@pytest.fixture
def editor(django_user_model):
    return editor_client(django_user_model, *ALL_CREATIVE_PERMS, "view_campaign")


@pytest.fixture
def campaign(db):
    return make_campaign()


@pytest.fixture
def sidebar(db):
    return make_placement(Placement.Kind.SIDEBAR, key="sidebar-top")


def creative_post(campaign, **fields) -> dict:
    data = {
        "campaign": campaign.pk,
        "name": "Spring offer",
        "kind": "html",
        "weight": "1",
        "active": "on",
        "link_url": "https://boats.example.com/",
        "html": "<p>Boats</p>",
        "alt_text": "",
        "image": "",
        "house_target": "",
        "headline": "",
        "text": "",
        "tag": "",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def errors_of(response) -> dict:
    form = response.context["form"]
    return {name: [str(e) for e in errs] for name, errs in form.errors.items()}


# --- menu and listings ------------------------------------------------------------


def test_the_advertising_menu_lists_its_parts(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert "Advertising" in page
    for url in (CAMPAIGNS, CREATIVES, PLACEMENTS, "/admin/ads/reports/"):
        assert url in page


def test_campaign_listing_shows_status_and_todays_impressions(admin_client):
    now = timezone.now()
    running = make_campaign("Ferries", advertiser="Harbour Ferries Ltd")
    make_campaign("Later", starts_at=now + dt.timedelta(days=3))
    make_campaign("Over", starts_at=now - dt.timedelta(days=9), ends_at=now - dt.timedelta(days=2))
    make_campaign("Halted", active=False)
    creative = make_creative(running, kind=Creative.Kind.HTML)
    CreativeDailyStats.objects.create(
        creative=creative, day=day_number(today_utc()), impressions=4321
    )
    CreativeDailyStats.objects.create(
        creative=creative, day=day_number(today_utc()) - 1, impressions=99
    )

    page = admin_client.get(CAMPAIGNS).content.decode()
    assert "Harbour Ferries Ltd" in page
    assert "4321" in page and "4420" not in page
    for label in ("Running", "Scheduled", "Ended", "Paused"):
        assert label in page

    scheduled = admin_client.get(CAMPAIGNS, {"status": "scheduled"}).content.decode()
    assert "Later" in scheduled and "Ferries" not in scheduled and "Halted" not in scheduled
    paused = admin_client.get(CAMPAIGNS, {"status": "paused"}).content.decode()
    assert "Halted" in paused and "Later" not in paused
    ended = admin_client.get(CAMPAIGNS, {"status": "ended"}).content.decode()
    assert "Over" in ended and "Ferries" not in ended
    found = admin_client.get(CAMPAIGNS, {"q": "ferries"}).content.decode()
    assert "Ferries" in found and "Later" not in found


def test_creative_listing_filters_by_campaign_and_kind(admin_client, campaign, sidebar):
    other = make_campaign("Other", advertiser="Other Ltd")
    make_creative(campaign, [sidebar], kind=Creative.Kind.HTML, name="Boats html")
    make_creative(other, kind=Creative.Kind.HOUSE, name="Donate house")
    page = admin_client.get(CREATIVES).content.decode()
    assert "Boats html" in page and "Donate house" in page and "Sidebar-Top" in page
    by_campaign = admin_client.get(CREATIVES, {"campaign": other.pk}).content.decode()
    assert "Donate house" in by_campaign and "Boats html" not in by_campaign
    by_kind = admin_client.get(CREATIVES, {"kind": "html"}).content.decode()
    assert "Boats html" in by_kind and "Donate house" not in by_kind


def test_placement_listing_shows_size_and_sections(admin_client, news):
    placement = make_placement(Placement.Kind.HEADER, key="header", size="728x90")
    placement.sections.add(news)
    page = admin_client.get(PLACEMENTS).content.decode()
    assert "728x90" in page and "Header banner" in page and "News" in page


# --- campaign form -----------------------------------------------------------------


def campaign_post(**fields) -> dict:
    data = {
        "name": "Ferries",
        "advertiser": "Harbour Ferries Ltd",
        "starts_at": "2026-05-01 09:00",
        "ends_at": "2026-06-01 09:00",
        "weight": "10",
        "daily_impression_cap": "",
        "visitor_daily_cap": "",
        "active": "on",
    }
    data.update(fields)
    return data


def test_a_campaign_is_created_with_its_sections(admin_client, news, analysis):
    response = admin_client.post(CAMPAIGNS + "new/", campaign_post(sections=[news.pk]))
    assert response.status_code == 302
    campaign = Campaign.objects.get(name="Ferries")
    assert [s.pk for s in campaign.sections.all()] == [news.pk]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"ends_at": "2026-04-30 09:00"}, "ends_at", "must end after it starts"),
        ({"weight": "0"}, "weight", "1"),
        ({"weight": "1001"}, "weight", "1000"),
        ({"daily_impression_cap": "0"}, "daily_impression_cap", "at least 1"),
        ({"visitor_daily_cap": "0"}, "visitor_daily_cap", "at least 1"),
    ],
)
def test_campaign_rules(admin_client, fields, field, message):
    response = admin_client.post(CAMPAIGNS + "new/", campaign_post(**fields))
    assert response.status_code == 200
    assert any(message in e for e in errors_of(response)[field])
    assert not Campaign.objects.exists()


# --- creative form -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        ({"kind": "image", "html": ""}, {"image", "alt_text"}),
        ({"kind": "image", "link_url": "", "html": ""}, {"image", "alt_text", "link_url"}),
        ({"kind": "html", "html": ""}, {"html"}),
        ({"kind": "html", "link_url": ""}, {"link_url"}),
        ({"kind": "house", "html": "", "link_url": ""}, {"house_target"}),
        ({"kind": "tag", "html": "", "link_url": ""}, {"tag"}),
    ],
)
def test_each_kind_needs_its_fields(admin_client, campaign, fields, missing):
    response = admin_client.post(CREATIVES + "new/", creative_post(campaign, **fields))
    assert response.status_code == 200
    assert set(errors_of(response)) == missing
    assert not Creative.objects.exists()


def test_an_image_creative_is_saved(admin_client, campaign, sidebar):
    image = make_image(title="Ferry", width=300, height=250)
    response = admin_client.post(
        CREATIVES + "new/",
        creative_post(
            campaign,
            kind="image",
            html="",
            image=image.pk,
            alt_text="A ferry",
            placements=[sidebar.pk],
        ),
    )
    assert response.status_code == 302
    creative = Creative.objects.get()
    assert creative.image == image and list(creative.placements.all()) == [sidebar]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://boats.example.com/", "/local/"])
def test_link_must_be_http_or_https(admin_client, campaign, url):
    response = admin_client.post(CREATIVES + "new/", creative_post(campaign, link_url=url))
    assert response.status_code == 200
    assert "link_url" in errors_of(response)
    assert not Creative.objects.exists()


def test_html_is_stored_sanitised_and_the_editor_is_told(admin_client, campaign):
    response = admin_client.post(
        CREATIVES + "new/",
        creative_post(
            campaign,
            html='<p onclick="x()">Boats <a href="https://x.example">now</a></p><script>bad()</script>',
        ),
        follow=True,
    )
    assert Creative.objects.get().html == "<p>Boats now</p>"
    page = response.content.decode()
    assert "Some of the HTML was removed" in page


def test_clean_html_saves_without_a_warning(admin_client, campaign):
    response = admin_client.post(CREATIVES + "new/", creative_post(campaign), follow=True)
    assert Creative.objects.get().html == "<p>Boats</p>"
    assert "Some of the HTML was removed" not in response.content.decode()


# --- third-party tags: administrators only -------------------------------------------


def test_an_administrator_saves_a_tag_creative(admin_client, campaign):
    form = admin_client.get(CREATIVES + "new/").content.decode()
    assert 'name="tag"' in form and "disabled" not in form.split('name="tag"')[1].split(">")[0]
    response = admin_client.post(
        CREATIVES + "new/", creative_post(campaign, kind="tag", html="", link_url="", tag=TAG)
    )
    assert response.status_code == 302
    assert Creative.objects.get().tag == TAG


def test_an_editor_sees_the_tag_field_disabled(editor, campaign):
    response = editor.get(CREATIVES + "new/")
    assert response.status_code == 200
    assert response.context["form"].fields["tag"].disabled


def test_an_editor_cannot_create_a_tag_creative(editor, campaign):
    response = editor.post(
        CREATIVES + "new/", creative_post(campaign, kind="tag", html="", link_url="", tag=TAG)
    )
    assert response.status_code == 200
    errors = errors_of(response)
    assert "Only an administrator" in " ".join(errors["kind"])
    assert "Only an administrator" in " ".join(errors["__all__"])
    assert not Creative.objects.exists()


def test_an_editor_cannot_smuggle_a_tag_into_another_kind(editor, campaign):
    response = editor.post(CREATIVES + "new/", creative_post(campaign, tag=TAG))
    assert response.status_code == 200
    assert "Only an administrator" in " ".join(errors_of(response)["__all__"])
    assert not Creative.objects.exists()


def test_an_editor_cannot_turn_a_creative_into_a_tag(editor, campaign):
    creative = make_creative(campaign, kind=Creative.Kind.HTML)
    response = editor.post(
        CREATIVES + f"edit/{creative.pk}/",
        creative_post(campaign, name=creative.name, kind="tag", html="", link_url="", tag=TAG),
    )
    assert response.status_code == 200
    assert "Only an administrator" in " ".join(errors_of(response)["kind"])
    creative.refresh_from_db()
    assert creative.kind == Creative.Kind.HTML and creative.tag == ""


def test_an_editor_may_edit_other_creatives(editor, campaign):
    creative = make_creative(campaign, kind=Creative.Kind.HTML)
    response = editor.post(
        CREATIVES + f"edit/{creative.pk}/",
        creative_post(campaign, name="Renamed", html="<p>New</p>"),
    )
    assert response.status_code == 302
    creative.refresh_from_db()
    assert (creative.name, creative.html) == ("Renamed", "<p>New</p>")


def test_an_editor_cannot_change_a_tag_creative_but_may_pause_it(editor, campaign):
    creative = make_creative(campaign, kind=Creative.Kind.TAG, name="Network")
    url = CREATIVES + f"edit/{creative.pk}/"
    form = editor.get(url).context["form"]
    assert all(field.disabled for name, field in form.fields.items() if name != "active")

    changed = editor.post(
        url,
        creative_post(
            campaign,
            name="Network",
            kind="tag",
            html="",
            link_url="",
            tag="<script>evil()</script>",
        ),
    )
    assert changed.status_code == 200
    assert "Only an administrator" in " ".join(errors_of(changed)["__all__"])
    creative.refresh_from_db()
    assert creative.tag == TAG and creative.active

    paused = editor.post(
        url,
        creative_post(
            campaign, name="Sneaky rename", kind="tag", html="", link_url="", tag=TAG, active=None
        ),
    )
    assert paused.status_code == 302
    creative.refresh_from_db()
    assert not creative.active
    assert creative.name == "Network" and creative.tag == TAG


def test_an_administrator_changes_a_tag(admin_client, campaign):
    creative = make_creative(campaign, kind=Creative.Kind.TAG, name="Network")
    new_tag = '<script src="https://ads.example.net/v2.js"></script>'
    response = admin_client.post(
        CREATIVES + f"edit/{creative.pk}/",
        creative_post(campaign, name="Network", kind="tag", html="", link_url="", tag=new_tag),
    )
    assert response.status_code == 302
    creative.refresh_from_db()
    assert creative.tag == new_tag


# --- permissions ---------------------------------------------------------------------


def test_without_ads_permissions_the_admin_is_closed(django_user_model, campaign):
    nobody = editor_client(django_user_model, username="nobody")
    page = nobody.get("/admin/").content.decode()
    assert CAMPAIGNS not in page and "/admin/ads/reports/" not in page
    for url in (CAMPAIGNS, CREATIVES + "new/", "/admin/ads/reports/", "/admin/ads/reports/export/"):
        assert nobody.get(url).status_code in (302, 403), url


def test_viewing_is_not_editing(django_user_model, campaign):
    viewer = editor_client(django_user_model, "view_campaign", "view_creative", username="viewer")
    assert viewer.get(CAMPAIGNS).status_code == 200
    assert viewer.get("/admin/ads/reports/").status_code == 200
    response = viewer.post(CAMPAIGNS + "new/", campaign_post())
    assert response.status_code in (302, 403)
    assert Campaign.objects.count() == 1
