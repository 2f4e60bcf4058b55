"""Reader support's part of a reader's account: their donations and monthly support,
export, erase (anonymise: the amounts stay for the books) and change of address."""

import uuid

from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from masthead.readers.registry import ReaderDataProvider

from . import money, services, tokens
from .models import Donation, Membership, MembershipStatus
from .providers.base import ProviderError


def _match(user) -> Q:
    match = Q(user=user)
    if user.email:
        match |= Q(email=user.email.strip().lower())
    return match


def _when(value):
    return value.isoformat() if value else None


def export(user) -> dict:
    """What we keep: amounts, dates, names and messages; never card data (we have none)."""
    donations = Donation.objects.filter(_match(user)).order_by("created_at")
    memberships = Membership.objects.filter(_match(user)).order_by("created_at")
    return {
        "donations": [
            {
                "id": str(d.public_id),
                "provider": d.provider,
                "frequency": d.frequency,
                "amount": str(money.to_major(d.amount, d.currency)),
                "currency": d.currency,
                "status": d.status,
                "email": d.email,
                "public_name": d.public_name,
                "message": d.message,
                "show_publicly": d.show_publicly,
                "refunded_amount": str(money.to_major(d.refunded_amount, d.currency)),
                "created_at": _when(d.created_at),
                "completed_at": _when(d.completed_at),
                "refunded_at": _when(d.refunded_at),
            }
            for d in donations
        ],
        "memberships": [
            {
                "id": str(m.public_id),
                "provider": m.provider,
                "amount": str(money.to_major(m.amount, m.currency)),
                "currency": m.currency,
                "status": m.status,
                "email": m.email,
                "public_name": m.public_name,
                "started_at": _when(m.started_at),
                "canceled_at": _when(m.canceled_at),
            }
            for m in memberships
        ],
    }


def erase(user) -> None:
    """Forget the person, keep the money: the books still need amounts and dates."""
    Donation.objects.filter(_match(user)).update(
        email="", user=None, public_name="", message="", show_publicly=False
    )
    Membership.objects.filter(_match(user)).update(email="", user=None, public_name="")


def email_changed(user, old: str, new: str) -> None:
    old, new = old.strip().lower(), new.strip().lower()
    if old == new:
        return
    with transaction.atomic():
        Donation.objects.filter(Q(user=user) | Q(email=old)).update(email=new, user=user)
        Membership.objects.filter(Q(user=user) | Q(email=old)).update(email=new, user=user)


def section_context(request, user) -> dict:
    memberships = list(Membership.objects.filter(_match(user)).order_by("-created_at"))
    return {
        "support_donations": list(
            Donation.objects.filter(_match(user), completed_at__isnull=False)
            .select_related("membership")
            .order_by("-completed_at")[:50]
        ),
        "support_memberships": [
            {
                "membership": m,
                "amount": money.format_amount(m.amount, m.currency),
                "manage_path": reverse("support:membership", args=[tokens.membership_token(m)]),
            }
            for m in memberships
        ],
        "support_page": reverse("support:page"),
    }


def handle_post(request, user) -> str | None:
    try:
        public_id = uuid.UUID(request.POST.get("cancel", ""))
    except ValueError:
        return None
    membership = Membership.objects.filter(_match(user), public_id=public_id).first()
    if membership is None:
        return None
    if membership.status == MembershipStatus.CANCELED:
        return "That monthly support had already ended."
    try:
        services.cancel_membership(membership)
    except ProviderError as error:
        return str(error)
    return "Your monthly support is canceled. Thank you for your support."


provider = ReaderDataProvider(
    key="support",
    label="Your support",
    export=export,
    erase=erase,
    section_template="support/reader_section.html",
    section_context=section_context,
    email_changed=email_changed,
    handle_post=handle_post,
    order=30,
)
