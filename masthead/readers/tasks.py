"""Background work for reader accounts: their mail goes out here, never inside a request."""

from django.tasks import task


@task
def send_sign_in_mail(*, email: str, next_path: str) -> str:
    from .mails import send_sign_in_mail as send

    return send(email=email, next_path=next_path)


@task
def send_email_change_mail(*, user_id: int, new_email: str) -> bool:
    from .mails import send_email_change_mail as send

    return send(user_id=user_id, new_email=new_email)


@task
def send_email_verify_mail(*, user_id: int, old: str, new: str) -> bool:
    from .mails import send_email_verify_mail as send

    return send(user_id=user_id, old=old, new=new)


@task
def send_email_changed_notice(*, user_id: int, old: str, new: str = "") -> bool:
    from .mails import send_email_changed_notice as send

    return send(user_id=user_id, old=old, new=new)
