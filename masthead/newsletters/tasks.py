"""Background work of newsletters: the sending of an issue that has just started."""

from django.tasks import task


@task
def send_issue(*, issue_id: int) -> int:
    """Send the due deliveries of the issue until none is left due; returns how many went out.

    Rows that wait for a retry, or that a dead sender held, are picked up later
    by the worker's periodic job (sending.periodic).
    """
    from .sending import send_available

    return send_available(issue_id=issue_id)
