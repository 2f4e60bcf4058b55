"""The admin's import, through the Django test client: upload, dry run, progress,
report, the real import, bad uploads, who may use it, and where uploads are kept."""

import json
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from masthead.newsroom.models import ArticlePage
from masthead.porting.models import ImportJob

pytestmark = pytest.mark.django_db

INDEX = "/admin/import/"

WXR = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Old Harbour News</title><link>https://old.example</link>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>https://old.example</wp:base_site_url>
<wp:base_blog_url>https://old.example</wp:base_blog_url>
<wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[alice]]></wp:author_login>
<wp:author_email><![CDATA[alice@old.example]]></wp:author_email>
<wp:author_display_name><![CDATA[Alice Archer]]></wp:author_display_name></wp:author>
<wp:category><wp:term_id>1</wp:term_id><wp:category_nicename><![CDATA[news]]></wp:category_nicename>
<wp:category_parent><![CDATA[]]></wp:category_parent><wp:cat_name><![CDATA[News]]></wp:cat_name></wp:category>
{items}
</channel></rss>
"""

ITEM = """<item><title><![CDATA[{title}]]></title>
<link>https://old.example/2020/01/0{n}/{slug}/</link>
<pubDate>Thu, 0{n} Jan 2020 10:00:00 +0000</pubDate>
<dc:creator><![CDATA[alice]]></dc:creator>
<guid isPermaLink="false">https://old.example/?p={post_id}</guid>
<content:encoded><![CDATA[<p>First paragraph of {title}.</p>

<p>Second paragraph.</p>]]></content:encoded>
<excerpt:encoded><![CDATA[]]></excerpt:encoded>
<wp:post_id>{post_id}</wp:post_id>
<wp:post_date><![CDATA[2020-01-0{n}10:00:00]]></wp:post_date>
<wp:post_date_gmt><![CDATA[2020-01-0{n}10:00:00]]></wp:post_date_gmt>
<wp:comment_status><![CDATA[open]]></wp:comment_status>
<wp:post_name><![CDATA[{slug}]]></wp:post_name>
<wp:status><![CDATA[publish]]></wp:status>
<wp:post_parent>0</wp:post_parent>
<wp:post_type><![CDATA[post]]></wp:post_type>
<category domain="category" nicename="news"><![CDATA[News]]></category>
</item>"""


def wxr(titles=("Ferry timetable changes", "Library hours")) -> bytes:
    items = "\n".join(
        ITEM.format(title=title, n=n, post_id=100 + n, slug=f"post-{n}")
        for n, title in enumerate(titles, start=1)
    )
    return WXR.format(items=items).encode()


@pytest.fixture(autouse=True)
def _private_uploads(settings, tmp_path):
    settings.PORTING_UPLOAD_DIR = tmp_path / "imports"


@pytest.fixture
def chief(django_user_model):
    return django_user_model.objects.create_superuser("chief", "chief@example.com", "pw-12345")


@pytest.fixture
def chief_client(client, chief):
    client.force_login(chief)
    return client


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("ed", "ed@example.com", "pw-12345")
    user.groups.add(Group.objects.get(name="Editors"))
    assert user.has_perm("wagtailadmin.access_admin")
    return user


def upload(client, content: bytes, name="site.xml", source="wordpress", dry_run=True, **extra):
    data = {"source": source, "file": SimpleUploadedFile(name, content), **extra}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(INDEX, data)


def run_upload(client, captured, *args, **kwargs):
    """Upload and run the queued task (the test settings run tasks immediately, once
    the request's transaction commits)."""
    with captured(execute=True):
        response = upload(client, *args, **kwargs)
    return response


# --- who may import ----------------------------------------------------------------------


def test_superuser_sees_the_menu_item_and_the_form(chief_client):
    home = chief_client.get("/admin/")
    assert INDEX in home.content.decode()
    page = chief_client.get(INDEX)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="file"' in body and 'name="dry_run"' in body and 'name="download"' in body
    assert "WordPress export" in body and "Ghost export" in body and "Masthead export" in body


def test_an_editor_is_refused_everywhere(client, editor, chief):
    job = ImportJob.objects.create(source="wordpress", file="x/y.xml", original_name="y.xml")
    client.force_login(editor)
    assert INDEX not in client.get("/admin/").content.decode()
    assert client.get(INDEX).status_code == 403
    assert upload(client, wxr()).status_code == 403
    assert client.get(f"{INDEX}{job.pk}/").status_code == 403
    assert client.get(f"{INDEX}{job.pk}/report.json").status_code == 403
    assert client.post(f"{INDEX}{job.pk}/run/").status_code == 403
    assert ImportJob.objects.count() == 1


def test_a_group_given_the_permission_may_import(client, editor):
    from django.contrib.auth.models import Permission

    editor.user_permissions.add(Permission.objects.get(codename="add_importjob"))
    client.force_login(editor)
    assert client.get(INDEX).status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(INDEX)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# --- bad uploads -------------------------------------------------------------------------


def errors_of(response) -> str:
    assert response.status_code == 200  # the form again, not a redirect to a job
    return " ".join(str(e) for e in response.context["form"].errors.get("file", []))


def test_wrong_extension_is_refused(chief_client):
    assert ".xml file" in errors_of(upload(chief_client, wxr(), name="site.json"))
    assert ".json file" in errors_of(
        upload(chief_client, b'{"db": []}', name="ghost.xml", source="ghost")
    )
    assert ImportJob.objects.count() == 0


def test_a_file_that_is_not_xml_is_refused(chief_client):
    message = errors_of(upload(chief_client, b'{"not": "xml"}', name="site.xml"))
    assert "not XML" in message
    assert ImportJob.objects.count() == 0


def test_a_file_that_is_not_a_json_object_is_refused(chief_client):
    message = errors_of(upload(chief_client, wxr(), name="ghost.json", source="ghost"))
    assert "not a JSON object" in message
    message = errors_of(upload(chief_client, b"[1, 2]", name="export.json", source="masthead"))
    assert "not a JSON object" in message
    assert ImportJob.objects.count() == 0


def test_a_byte_order_mark_and_leading_blank_lines_are_allowed(chief_client, settings):
    response = upload(chief_client, b"\xef\xbb\xbf\n  " + wxr(), name="site.XML")
    assert response.status_code == 302
    assert ImportJob.objects.count() == 1


def test_a_file_over_the_limit_is_refused(chief_client, settings):
    settings.PORTING_MAX_UPLOAD_MB = 0.001  # about 1 KB
    message = errors_of(upload(chief_client, wxr()))
    assert "limit is" in message and "PORTING_MAX_UPLOAD_MB" in message
    assert ImportJob.objects.count() == 0


def test_missing_file_and_source_are_form_errors(chief_client):
    response = chief_client.post(INDEX, {"dry_run": "on"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"source", "file"}


# --- where uploads are kept --------------------------------------------------------------


def test_the_upload_is_kept_privately_and_served_nowhere(chief_client, settings, tmp_path):
    response = upload(chief_client, wxr())
    assert response.status_code == 302
    job = ImportJob.objects.get()
    stored = Path(settings.PORTING_UPLOAD_DIR) / job.file.name
    assert stored.is_file() and stored.read_bytes() == wxr()
    assert not str(stored.resolve()).startswith(str(Path(settings.MEDIA_ROOT).resolve()))
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.xml"))
    chief_client.logout()
    for url in (f"/media/{job.file.name}", f"/media/imports/{job.file.name}"):
        assert chief_client.get(url).status_code == 404


# --- running ---------------------------------------------------------------------------


def test_a_queued_job_page_refreshes_itself(chief_client):
    response = upload(chief_client, wxr())  # on_commit never fires: the task stays queued
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("porting_admin:job", args=(job.pk,))
    page = chief_client.get(response["Location"]).content.decode()
    assert job.status == "queued" and "Queued" in page
    assert 'http-equiv="refresh" content="2"' in page


def test_dry_run_reports_and_writes_nothing(chief_client, django_capture_on_commit_callbacks):
    response = run_upload(chief_client, django_capture_on_commit_callbacks, wxr())
    job = ImportJob.objects.get()
    assert job.status == "done", job.error
    assert job.dry_run and job.finished_at and job.started_at
    assert job.report["imported"].get("post") == 2
    assert job.processed >= 2
    assert ArticlePage.objects.count() == 0
    page = chief_client.get(response["Location"]).content.decode()
    assert "Done" in page and "http-equiv" not in page
    assert "Would be imported" in page and "<td>post</td><td>2</td>" in page.replace(" ", "")
    assert "Import for real" in page


def test_the_report_downloads_as_json(chief_client, django_capture_on_commit_callbacks):
    run_upload(chief_client, django_capture_on_commit_callbacks, wxr())
    job = ImportJob.objects.get()
    response = chief_client.get(f"{INDEX}{job.pk}/report.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    body = json.loads(response.content)
    assert body["status"] == "done" and body["final"] is True and body["dry_run"] is True
    assert body["report"]["imported"]["post"] == 2
    assert body["file"] == "site.xml"


def test_a_real_import_creates_the_articles(chief_client, django_capture_on_commit_callbacks):
    run_upload(chief_client, django_capture_on_commit_callbacks, wxr(), dry_run=False)
    job = ImportJob.objects.get()
    assert job.status == "done", job.error
    titles = set(ArticlePage.objects.values_list("title", flat=True))
    assert titles == {"Ferry timetable changes", "Library hours"}
    page = chief_client.get(f"{INDEX}{job.pk}/").content.decode()
    assert "Imported" in page and "Import for real" not in page


def test_a_dry_run_then_for_real_without_uploading_again(
    chief_client, django_capture_on_commit_callbacks
):
    run_upload(chief_client, django_capture_on_commit_callbacks, wxr())
    dry = ImportJob.objects.get()
    assert ArticlePage.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        response = chief_client.post(f"{INDEX}{dry.pk}/run/", {})
    real = ImportJob.objects.exclude(pk=dry.pk).get()
    assert response["Location"] == reverse("porting_admin:job", args=(real.pk,))
    assert real.status == "done" and not real.dry_run and real.file.name == dry.file.name
    assert ArticlePage.objects.count() == 2
    # A real import is not offered again from a real import.
    with django_capture_on_commit_callbacks(execute=True):
        chief_client.post(f"{INDEX}{real.pk}/run/", {})
    assert ImportJob.objects.count() == 2


def test_importing_the_same_file_again_reports_it_already_there(
    chief_client, django_capture_on_commit_callbacks
):
    run_upload(chief_client, django_capture_on_commit_callbacks, wxr(), dry_run=False)
    run_upload(chief_client, django_capture_on_commit_callbacks, wxr(), dry_run=False)
    second = ImportJob.objects.order_by("-pk").first()
    assert second.status == "done"
    assert second.report["existing"].get("post") == 2
    assert ArticlePage.objects.count() == 2


def test_a_broken_file_fails_the_job_with_its_reason(
    chief_client, django_capture_on_commit_callbacks
):
    broken = wxr()[:-40]  # cut off mid-element: not well-formed XML
    run_upload(chief_client, django_capture_on_commit_callbacks, broken, dry_run=False)
    job = ImportJob.objects.get()
    assert job.status == "failed"
    assert job.error
    page = chief_client.get(f"{INDEX}{job.pk}/").content.decode()
    assert "The import stopped" in page and "Failed" in page


def test_a_vanished_upload_fails_the_job_clearly(
    chief_client, django_capture_on_commit_callbacks, settings
):
    upload(chief_client, wxr())  # queued, not run
    job = ImportJob.objects.get()
    (Path(settings.PORTING_UPLOAD_DIR) / job.file.name).unlink()
    from masthead.porting.tasks import run_import_job

    run_import_job.enqueue(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "no longer stored" in job.error


def test_a_job_runs_only_once(chief_client, django_capture_on_commit_callbacks):
    run_upload(chief_client, django_capture_on_commit_callbacks, wxr(), dry_run=False)
    job = ImportJob.objects.get()
    finished = job.finished_at
    from masthead.porting.tasks import run_import_job

    assert run_import_job.enqueue(job_id=job.pk).return_value == "done"
    job.refresh_from_db()
    assert job.finished_at == finished
