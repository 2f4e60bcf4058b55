"""Background work of newsletter signup: the confirmation mail goes out here, never in a request."""

from django.tasks import task


@task
def send_signup_confirmation(*, subscriber_id: int, nonce: str) -> bool:
    from .signup_mail import send_confirmation

    return send_confirmation(subscriber_id=subscriber_id, nonce=nonce)
