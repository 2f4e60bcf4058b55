"""Background work of porting: an import started from the admin runs here."""

from django.tasks import task


@task
def run_import_job(*, job_id: int, download: bool = True) -> str:
    from .jobs import run_job

    return run_job(job_id, download=download)
