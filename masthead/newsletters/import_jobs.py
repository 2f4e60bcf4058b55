"""A CSV import as background work: the request checks the file and queues its valid
addresses in parts of csv_io.CHUNK_ROWS; each part is a task that subscribes its rows and
leaves its outcome in the shared cache, where the import's page adds the parts up.

So an import of tens of thousands of addresses never holds a request open, and the
confirmation mails it causes go through the task queue like any other.
"""

import logging
import re
import uuid

from django.core.cache import cache
from django.tasks import task
from wagtail.log_actions import log

from . import csv_io
from .models import Newsletter

logger = logging.getLogger(__name__)

ACTION = "newsletters.import"
KEEP_SECONDS = 7 * 24 * 3600
JOB_ID = re.compile(r"^[0-9a-f]{32}$")


def _key(job: str, part: int | None = None) -> str:
    return f"newsletters:import:{job}" if part is None else f"newsletters:import:{job}:{part}"


@task
def import_part(*, job: str, part: int, rows: list, newsletter_ids: list, consented: bool) -> int:
    """Subscribe one part of an import; returns how many addresses it added."""
    by_id = Newsletter.objects.in_bulk(newsletter_ids)
    newsletters = [by_id[pk] for pk in newsletter_ids if pk in by_id]
    try:
        report = csv_io.apply_chunk(rows, newsletters=newsletters, consented=consented)
    except Exception as error:
        logger.exception("Newsletter import %s, part %s failed", job, part)
        lines = f"lines {rows[0][0]}–{rows[-1][0]}" if rows else "no lines"
        cache.set(_key(job, part), {"error": f"{lines}: {error}"[:300]}, KEEP_SECONDS)
        raise
    cache.set(_key(job, part), report.to_dict(), KEEP_SECONDS)
    return report.added


def start_import(
    upload, *, newsletters: list[Newsletter], consented: bool, user, evidence: str = ""
) -> str:
    """Queue the upload's addresses; returns the job id its page is found by."""
    job = uuid.uuid4().hex
    report = csv_io.ImportReport()
    ids = [n.pk for n in newsletters]
    parts = 0
    for rows in csv_io.valid_chunks(upload, report):
        import_part.enqueue(job=job, part=parts, rows=rows, newsletter_ids=ids, consented=consented)
        parts += 1
    name = (getattr(upload, "name", "") or "")[:200]
    cache.set(
        _key(job),
        {
            "parts": parts,
            "report": report.to_dict(),
            "consented": consented,
            "newsletters": [n.name for n in newsletters],
            "file": name,
        },
        KEEP_SECONDS,
    )
    data = {
        "file": name,
        "rows": report.rows,
        "invalid": report.invalid_count,
        "duplicates": report.duplicate_count,
        "policy": "consented" if consented else "confirm",
        "consent": evidence,
    }
    for newsletter in newsletters:
        log(instance=newsletter, action=ACTION, user=user, data=data)
    return job


def job_status(job: str) -> dict | None:
    """The import's outcome so far, or None for an unknown (or long forgotten) job."""
    if not JOB_ID.match(job or ""):
        return None
    meta = cache.get(_key(job))
    if meta is None:
        return None
    report = csv_io.ImportReport.from_dict(meta["report"])
    found = cache.get_many([_key(job, n) for n in range(meta["parts"])])
    errors = []
    for outcome in found.values():
        if "error" in outcome:
            errors.append(outcome["error"])
        else:
            report.merge(csv_io.ImportReport.from_dict(outcome))
    return {
        **meta,
        "report": report,
        "done": len(found),
        "complete": len(found) >= meta["parts"],
        "errors": errors,
        "percent": int(100 * len(found) / meta["parts"]) if meta["parts"] else 100,
    }


def log_message(entry) -> str:
    data = entry.data or {}
    how = "subscribed at once" if data.get("policy") == "consented" else "asked to confirm"
    text = f"Imported {data.get('rows', 0):,} rows from “{data.get('file', '')}” ({how})"
    if data.get("consent"):
        text += f"; consent: {data['consent']}"
    return text
