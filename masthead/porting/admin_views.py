"""The admin's import: upload a WordPress, Ghost or Masthead export, follow its
progress, read and download its report, and turn a checked dry run into the real
import.

Importing writes to every part of the site and fetches URLs named in the file, so
only users with the "add import job" permission may use it: superusers, unless an
administrator grants it to a group on purpose.
"""

import json

from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView, View
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import jobs
from .admin_forms import ImportForm, RunForRealForm
from .models import ImportJob

NAMESPACE = "porting_admin"
PERMISSION = "porting.add_importjob"
RECENT_JOBS = 30
SKIPPED_SHOWN = 200  # the page lists this many skipped items; the JSON report has all


def can_import(user) -> bool:
    return user.is_active and user.has_perm(PERMISSION)


class ImportAdminMixin(WagtailAdminTemplateMixin):
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        if not can_import(request.user):
            # A plain 403 rather than PermissionDenied, which Wagtail's admin turns into
            # a redirect to its dashboard: a refused import should say so.
            return HttpResponseForbidden("Importing a site is for administrators only.")
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        items = [*self.breadcrumbs_items, {"url": reverse(f"{NAMESPACE}:index"), "label": "Import"}]
        if self.page_title != "Import":
            items.append({"url": "", "label": self.page_title})
        return items


class ImportView(ImportAdminMixin, FormView):
    template_name = "porting/admin/index.html"
    form_class = ImportForm
    page_title = "Import"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["jobs"] = ImportJob.objects.select_related("created_by")[:RECENT_JOBS]
        context["max_upload"] = jobs.max_upload_bytes()
        return context

    def form_valid(self, form):
        job = jobs.start_import(
            source=form.cleaned_data["source"],
            upload=form.cleaned_data["file"],
            dry_run=form.cleaned_data["dry_run"],
            download=form.cleaned_data["download"],
            user=self.request.user,
        )
        messages.success(self.request, f"{job} is queued.")
        return redirect(f"{NAMESPACE}:job", job.pk)

    def form_invalid(self, form):
        messages.validation_error(self.request, "The file could not be imported.", form)
        return super().form_invalid(form)


def _shown_report(job: ImportJob) -> tuple[dict, bool]:
    """The report to show and whether it is live progress rather than the final one."""
    if job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
        return jobs.progress_of(job) or {}, True
    return job.report or {}, False


class JobView(ImportAdminMixin, TemplateView):
    template_name = "porting/admin/job.html"
    refresh_seconds = 2

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = get_object_or_404(ImportJob.objects.select_related("created_by"), pk=kwargs["pk"])
        report, live = _shown_report(job)
        skipped = report.get("skipped", [])
        kinds = sorted(set(report.get("imported", {})) | set(report.get("existing", {})))
        context.update(
            job=job,
            live=live,
            refresh_seconds=self.refresh_seconds,
            report=report,
            processed=report.get("processed", job.processed),
            counts=[
                (kind, report["imported"].get(kind, 0), report.get("existing", {}).get(kind, 0))
                for kind in kinds
            ],
            skipped=skipped[:SKIPPED_SHOWN],
            skipped_more=max(0, len(skipped) - SKIPPED_SHOWN),
            warnings=report.get("warnings", []),
            run_form=RunForRealForm() if self._can_run_for_real(job) else None,
        )
        return context

    @staticmethod
    def _can_run_for_real(job: ImportJob) -> bool:
        return job.dry_run and job.status == ImportJob.Status.DONE

    @property
    def page_title(self):
        return f"Import job {self.kwargs['pk']}"


class JobReportView(ImportAdminMixin, View):
    """The whole report as a JSON download."""

    def get(self, request, pk):
        job = get_object_or_404(ImportJob, pk=pk)
        report, live = _shown_report(job)
        body = {
            "job": job.pk,
            "source": job.source,
            "file": job.original_name,
            "dry_run": job.dry_run,
            "status": job.status,
            "error": job.error,
            "created_at": job.created_at.isoformat(),
            "started_at": job.started_at.isoformat() if job.started_at else None,
            "finished_at": job.finished_at.isoformat() if job.finished_at else None,
            "report": report,
            "final": not live,
        }
        response = HttpResponse(
            json.dumps(body, indent=2, ensure_ascii=False), content_type="application/json"
        )
        response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-report.json"'
        response["Cache-Control"] = "no-store"
        return response


class RunForRealView(ImportAdminMixin, View):
    """Import the file a finished dry run checked, without uploading it again."""

    def post(self, request, pk):
        dry_job = get_object_or_404(ImportJob, pk=pk)
        if not JobView._can_run_for_real(dry_job):
            messages.error(request, "Only a finished dry run can be imported for real.")
            return redirect(f"{NAMESPACE}:job", dry_job.pk)
        form = RunForRealForm(request.POST)
        form.is_valid()
        job = jobs.import_for_real(
            dry_job=dry_job, download=form.cleaned_data.get("download", False), user=request.user
        )
        messages.success(request, f"{job} is queued.")
        return redirect(f"{NAMESPACE}:job", job.pk)
