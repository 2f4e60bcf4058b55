"""Background work of reader support: receipts and membership links go out here."""

from django.tasks import task


@task
def send_receipt(*, donation_id: int) -> bool:
    from .mails import send_receipt as send

    return send(donation_id=donation_id)


@task
def send_membership_links(*, email: str) -> bool:
    from .mails import send_membership_links as send

    return send(email=email)
