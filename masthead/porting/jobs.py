"""Imports started from the admin: where uploads are kept, starting a job, running it,
and the progress a running job shows.

Uploads hold a whole site (subscribers' emails, drafts), so they are kept in a
storage of their own under DATA_DIR/imports, never under MEDIA_ROOT, which is
served to anyone.  Progress goes to the cache, not the database: a dry run does
all its work inside one transaction that is rolled back, so a progress row
written from inside it would be invisible to the admin and then undone.  The job
row itself is written only before and after the importer runs, outside that
transaction.
"""

import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from .models import ImportJob
from .report import Report
from .sources import importer_class
from .storage import upload_storage

log = logging.getLogger(__name__)

PROGRESS_TTL = 3600  # seconds a job's progress stays readable after its last update


def stored_path(job: ImportJob) -> Path:
    return Path(upload_storage().path(job.file.name))


def max_upload_bytes() -> int:
    return int(settings.PORTING_MAX_UPLOAD_MB * 1024 * 1024)


def progress_key(job_id: int) -> str:
    return f"porting:job:{job_id}"


def progress_of(job: ImportJob) -> dict | None:
    """What a queued or running job has done so far (None before its first item)."""
    return cache.get(progress_key(job.pk))


def start_import(*, source: str, upload, dry_run: bool, download: bool, user) -> ImportJob:
    """Keep the uploaded file privately, create its job and queue the task that runs it
    (once the job row is committed, so the worker finds it)."""
    name = get_valid_filename(Path(upload.name).name) or "upload"
    stored = upload_storage().save(f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}-{name}", upload)
    job = ImportJob.objects.create(
        source=source, file=stored, original_name=upload.name[:255], dry_run=dry_run,
        created_by=user if user.is_authenticated else None,
    )  # fmt: skip
    queue(job, download=download)
    return job


def import_for_real(*, dry_job: ImportJob, download: bool, user) -> ImportJob:
    """A new job importing the file a finished dry run checked, without uploading it again."""
    job = ImportJob.objects.create(
        source=dry_job.source, file=dry_job.file.name, original_name=dry_job.original_name,
        dry_run=False, created_by=user if user.is_authenticated else None,
    )  # fmt: skip
    queue(job, download=download)
    return job


def queue(job: ImportJob, *, download: bool) -> None:
    from .tasks import run_import_job

    job_id = job.pk
    transaction.on_commit(
        lambda: run_import_job.enqueue(job_id=job_id, download=download), robust=True
    )


def run_job(job_id: int, *, download: bool = True) -> str:
    """Run a queued job to its end and record the outcome; returns the final status.

    A job that is not queued any more (a task delivered twice, a job already run) is
    left alone, so a file is never imported twice by the same job.
    """
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now()
    )
    job = ImportJob.objects.get(pk=job_id)
    if not claimed:
        return job.status
    key = progress_key(job.pk)

    def progress(report: Report) -> None:
        cache.set(key, {"processed": report.processed, **report.as_dict()}, PROGRESS_TTL)

    importer = None
    try:
        path = stored_path(job)
        if not path.is_file():
            raise FileNotFoundError(f"the uploaded file {job.original_name} is no longer stored")
        importer = importer_class(job.source)(
            path, dry_run=job.dry_run, download=download, progress=progress
        )
        report = importer.run()
    except Exception as exc:  # the job records why it stopped; the admin shows it
        log.exception("import job %s failed", job.pk)
        job.status = ImportJob.Status.FAILED
        job.error = f"{type(exc).__name__}: {exc}"
        report = importer.report if importer is not None else None
    else:
        job.status = ImportJob.Status.DONE
    if report is not None:
        job.report = {"processed": report.processed, **report.as_dict()}
        job.processed = report.processed
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "report", "processed", "finished_at"])
    cache.delete(key)
    return job.status
