"""Background work of the discussion: mail goes out here, never inside a request."""

from django.tasks import task


@task
def notify_subscribers(*, comment_id: int) -> int:
    """Mail everyone subscribed to news of this (now public) comment; returns how many."""
    from .notifications import send_comment_notifications

    return send_comment_notifications(comment_id=comment_id)


@task
def send_subscription_confirmation(*, subscription_id: int) -> None:
    from .notifications import send_confirmation

    send_confirmation(subscription_id=subscription_id)
