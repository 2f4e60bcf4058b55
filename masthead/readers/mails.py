"""The mail a reader gets about their account: sign-in links, address changes.

Sent from background tasks only (tasks.py).  Every mail has a text part and
an HTML part, names the publication in its subject, and carries absolute
links on settings.SITE_URL: a link built from the request's Host header could
be pointed at another site by whoever sends the request.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse

from masthead.core.mail import header_text

from . import services, tokens


def publication_name() -> str:
    from wagtail.models import Site

    from masthead.newsroom.models import PublicationSettings

    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    name = PublicationSettings.for_site(site).name if site is not None else ""
    return header_text(name or "Masthead", limit=120)


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _send(*, to: str, subject: str, template: str, context: dict) -> bool:
    publication = publication_name()
    context = {"publication": publication, **context}
    message = mail.EmailMultiAlternatives(
        subject=header_text(f"{subject} – {publication}"),
        body=render_to_string(f"readers/email/{template}.txt", context),
        to=[to],
        # Vacation responders and the like must not answer an account mail.
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(
        render_to_string(f"readers/email/{template}.html", context), "text/html"
    )
    return mail.mailers.default.send_messages([message]) == 1


def send_sign_in_mail(*, email: str, next_path: str) -> str:
    """The mail for a sign-in request; returns which was sent (for logs and tests)."""
    users = list(services.accounts_for(email))
    if any(services.is_staff_account(user) for user in users):
        _send(
            to=email,
            subject="Sign-in request",
            template="staff_notice",
            context={"admin_url": absolute(reverse("wagtailadmin_login"))},
        )
        return "staff"
    if users and not users[0].is_active:
        return "closed"
    link = absolute(reverse("readers:sign_in_link", args=[tokens.sign_in_token(email, next_path)]))
    _send(
        to=email,
        subject="Your sign-in link",
        template="sign_in",
        context={
            "link": link,
            "minutes": int(tokens.SIGN_IN_MAX_AGE.total_seconds() // 60),
            "new_account": not users,
            "again_url": absolute(reverse("readers:sign_in")),
        },
    )
    return "link"


def send_email_change_mail(*, user_id: int, new_email: str) -> bool:
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return False
    old = user.email.lower()
    token = tokens.email_change_token(user.pk, old, new_email)
    return _send(
        to=old,
        subject="Confirm your new email address",
        template="email_change",
        context={
            "old": old,
            "new": new_email,
            "link": absolute(reverse("readers:email_confirm", args=[token])),
            "hours": int(tokens.EMAIL_CHANGE_MAX_AGE.total_seconds() // 3600),
        },
    )


def send_email_verify_mail(*, user_id: int, old: str, new: str) -> bool:
    """The second link of a change, to the new address; nothing if the account has
    meanwhile closed or left the old address (the link could not work anyway)."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or (user.email or "").lower() != old:
        return False
    token = tokens.email_verify_token(user.pk, old, new)
    return _send(
        to=new,
        subject="Confirm this is your email address",
        template="email_verify",
        context={
            "old": old,
            "new": new,
            "link": absolute(reverse("readers:email_verify", args=[token])),
            "hours": int(tokens.EMAIL_CHANGE_MAX_AGE.total_seconds() // 3600),
        },
    )


def send_email_changed_notice(*, user_id: int, old: str, new: str = "") -> bool:
    """Tell the address the account left that it has moved, and where to."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None or not user.email or not old:
        return False
    return _send(
        to=old,
        subject="Your email address has changed",
        template="email_changed",
        context={
            "old": old,
            "new": new or user.email,
            "account_url": absolute(reverse("readers:account")),
        },
    )
