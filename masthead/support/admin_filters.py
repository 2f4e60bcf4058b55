"""Filters and search of the donations and memberships listings, shared with the CSV
export so the export holds exactly the donations the editor was looking at."""

import django_filters
from django.db.models import Q
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet

from .models import (
    Donation,
    DonationStatus,
    Frequency,
    Membership,
    MembershipStatus,
    Provider,
)

DONATION_SEARCH_FIELDS = [
    "email",
    "public_name",
    "provider_reference",
    "provider_payment_id",
    "public_id",
]
MEMBERSHIP_SEARCH_FIELDS = ["email", "public_name", "provider_reference", "public_id"]


def _currencies(model):
    def choices():
        # The currencies actually present: a select of every ISO code helps nobody.
        codes = model.objects.order_by("currency").values_list("currency", flat=True).distinct()
        return [(code, code) for code in codes]

    return choices


class DonationFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label="Status", choices=DonationStatus.choices, empty_label="Any"
    )
    provider = django_filters.ChoiceFilter(
        label="Provider", choices=Provider.choices, empty_label="Any"
    )
    frequency = django_filters.ChoiceFilter(
        label="Frequency", choices=Frequency.choices, empty_label="Any"
    )
    currency = django_filters.ChoiceFilter(
        label="Currency", choices=_currencies(Donation), empty_label="Any"
    )
    created = django_filters.DateFromToRangeFilter(
        label="Created", field_name="created_at", widget=DateRangePickerWidget
    )
    completed = django_filters.DateFromToRangeFilter(
        label="Completed", field_name="completed_at", widget=DateRangePickerWidget
    )

    class Meta:
        model = Donation
        fields = ["status", "provider", "frequency", "currency", "created", "completed"]


class MembershipFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label="Status", choices=MembershipStatus.choices, empty_label="Any"
    )
    provider = django_filters.ChoiceFilter(
        label="Provider", choices=Provider.choices, empty_label="Any"
    )
    currency = django_filters.ChoiceFilter(
        label="Currency", choices=_currencies(Membership), empty_label="Any"
    )
    started = django_filters.DateFromToRangeFilter(
        label="Started", field_name="started_at", widget=DateRangePickerWidget
    )

    class Meta:
        model = Membership
        fields = ["status", "provider", "currency", "started"]


def apply_filters(filterset, queryset=None):
    """The queryset narrowed by every valid filter (an invalid one is shown on the form and
    left out, instead of django-filter dropping them all)."""
    filterset.is_valid()
    queryset = filterset.queryset if queryset is None else queryset
    for name, value in filterset.form.cleaned_data.items():
        queryset = filterset.filters[name].filter(queryset, value)
    return queryset


def search(queryset, text: str, fields: list[str]):
    """Any of `fields` containing `text` (case-insensitive), as the listing's search box."""
    text = text.strip()
    if not text:
        return queryset
    match = Q()
    for field in fields:
        match |= Q(**{f"{field}__icontains": text})
    return queryset.filter(match)


def donation_queryset(query, *, request=None):
    """The donations the listing shows for `query` (its filters and search)."""
    filterset = DonationFilterSet(query, Donation.objects.all(), request=request)
    return search(apply_filters(filterset), query.get("q", ""), DONATION_SEARCH_FIELDS)
