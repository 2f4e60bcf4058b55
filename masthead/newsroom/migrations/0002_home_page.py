"""Replace Wagtail's placeholder welcome page with the publication's home page."""

from django.db import migrations


def create_home(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    HomePage = apps.get_model("newsroom.HomePage")
    Locale = apps.get_model("wagtailcore.Locale")

    if HomePage.objects.exists():
        return
    root = Page.objects.filter(depth=1).first()
    if root is None:
        return
    # Wagtail's own migration leaves a "Welcome to your new Wagtail site!" page at /home/.
    Page.objects.filter(depth=2, slug="home", content_type__model="page").delete()
    root.numchild = Page.objects.filter(depth=2, path__startswith=root.path).count()
    root.save(update_fields=["numchild"])

    content_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="newsroom")
    locale = Locale.objects.first()
    sibling_count = root.numchild
    path = root.path + f"{sibling_count + 1:04d}"
    home = HomePage.objects.create(
        title="Home",
        draft_title="Home",
        slug="home",
        content_type=content_type,
        path=path,
        depth=2,
        numchild=0,
        url_path="/home/",
        live=True,
        has_unpublished_changes=False,
        locale_id=locale.pk if locale else None,
    )
    root.numchild = sibling_count + 1
    root.save(update_fields=["numchild"])
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page_id": home.pk, "site_name": ""},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0001_initial"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_home, migrations.RunPython.noop)]
