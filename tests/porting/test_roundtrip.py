"""Round trip of the Masthead export format: export -> import into an empty site -> export
gives the same file, except `exported_at` (the one generated field)."""

import json

import pytest
from django.core.management import call_command
from taggit.models import Tag
from wagtail.contrib.redirects.models import Redirect
from wagtail.images.models import Image

from masthead.ads.models import Campaign, Placement
from masthead.discussion.models import Comment, DiscussionSettings
from masthead.newsletters.models import Issue, Newsletter, NewsletterSettings, Subscriber
from masthead.newsroom.demo.build import build_demo
from masthead.newsroom.models import (
    ArticlePage,
    Author,
    PublicationSettings,
    SectionPage,
    StandardPage,
)
from masthead.porting.models import ImportedItem
from masthead.support.models import Donation, Membership, SupportSettings
from tests.newsroom.factories import default_site, home_page, make_article, make_section

pytestmark = pytest.mark.django_db


def wipe_site() -> None:
    """Delete the publication's content, leaving the empty site an import starts from."""
    for page in [*SectionPage.objects.all(), *StandardPage.objects.all()]:
        page.delete()
    Author.objects.all().delete()
    # Ads are not part of the format (docs/export-format.md); their images are.
    Campaign.objects.all().delete()
    Placement.objects.all().delete()
    for image in Image.objects.all():
        image.file.delete(save=False)
        image.delete()
    Tag.objects.all().delete()
    Subscriber.objects.all().delete()
    Issue.objects.all().delete()  # not part of the format
    Newsletter.objects.all().delete()
    Donation.objects.all().delete()
    Membership.objects.all().delete()
    Redirect.objects.all().delete()
    for model in (PublicationSettings, DiscussionSettings, NewsletterSettings, SupportSettings):
        model.objects.all().delete()
    home = home_page()
    home.title = home.draft_title = "Home"
    home.intro = ""
    home.save()


def without_generated(path) -> str:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[3].startswith('"exported_at": ')
    return "\n".join(lines[:3] + lines[4:])


def rich_site():
    build_demo(articles=6)
    home = home_page()
    news = (
        SectionPage.objects.get(slug="news")
        if SectionPage.objects.filter(slug="news").exists()
        else make_section("News")
    )
    about = StandardPage(title="About us", slug="about", intro="Who we are")
    home.add_child(instance=about)
    about.save_revision().publish()
    first = ArticlePage.objects.live().order_by("path").first()
    # A draft that links (in rich text and a related link) to a live article and a page.
    make_article(
        section=news,
        title="Draft with links",
        slug="draft-with-links",
        live=False,
        body=[
            {
                "type": "paragraph",
                "value": f'<p>See <a linktype="page" id="{first.pk}">this</a> and '
                f'<a linktype="page" id="{about.pk}">us</a>.</p>',
            },
            {
                "type": "related_links",
                "value": {"heading": "More", "links": [{"page": first.pk, "url": "", "title": ""}]},
            },
        ],
    )
    ArticlePage.objects.filter(slug="draft-with-links").update(live=False)
    Redirect.objects.create(old_path="/old/story", site=default_site(), redirect_page=first)
    Redirect.objects.create(old_path="/gone", redirect_link="https://example.org/")
    membership = Membership.objects.create(
        provider="stripe",
        provider_reference="sub_123",
        amount=500,
        currency="EUR",
        status="active",
        email="monthly@example.org",
        started_at=first.first_published_at,
    )
    Donation.objects.create(
        provider="stripe",
        frequency="monthly",
        amount=500,
        currency="EUR",
        status="completed",
        email="monthly@example.org",
        membership=membership,
        provider_payment_id="pi_1",
        completed_at=first.first_published_at,
    )


def test_export_import_export_gives_the_same_file(tmp_path):
    rich_site()
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    call_command("export", str(first))
    data = json.loads(first.read_text())
    assert data["format"] == "masthead-export" and data["version"] == 1
    assert len(data["articles"]) == 7 and data["comments"] and data["subscribers"]
    assert data["memberships"][0]["amount"] == 500
    assert any(d["membership"] == data["memberships"][0]["public_id"] for d in data["donations"])
    assert data["donations"] and data["images"] and len(data["redirects"]) == 2
    draft = next(a for a in data["articles"] if a["slug"] == "draft-with-links")
    assert draft["live"] is False
    assert 'id="about"' in draft["body"][0]["value"]
    assert data["articles"][0]["views"]

    wipe_site()
    assert not ArticlePage.objects.exists() and not Comment.objects.exists()
    call_command("import", "masthead", str(first))
    call_command("export", str(second))

    before, after = without_generated(first), without_generated(second)
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    for a, b in changed:
        a, b = json.loads(a.rstrip(",")), json.loads(b.rstrip(","))
        print({k: (a[k], b.get(k)) for k in a if a[k] != b.get(k)})
    assert changed == []
    assert after == before
    assert ArticlePage.objects.get(slug="draft-with-links").live is False


def test_import_twice_creates_nothing_twice(tmp_path, capsys):
    rich_site()
    path = tmp_path / "site.json"
    call_command("export", str(path))
    wipe_site()
    call_command("import", "masthead", str(path))
    counts = (ArticlePage.objects.count(), Comment.objects.count(), Image.objects.count())
    rows = ImportedItem.objects.count()
    capsys.readouterr()
    call_command("import", "masthead", str(path))
    out = capsys.readouterr().out
    assert (ArticlePage.objects.count(), Comment.objects.count(), Image.objects.count()) == counts
    assert ImportedItem.objects.count() == rows
    assert "0 imported" in out and "already there" in out
