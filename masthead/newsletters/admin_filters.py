"""Filters of the subscriber listing, shared with its CSV export so the export holds exactly
the addresses the editor was looking at."""

import django_filters
from django.db.models import Q
from wagtail.admin.filters import WagtailFilterSet

from .models import (
    Issue,
    IssueStatus,
    ListSubscription,
    Newsletter,
    Subscriber,
    SubscriberStatus,
    SubscriptionStatus,
)

SEARCH_FIELDS = ["email", "name"]


class SubscriberFilterSet(WagtailFilterSet):
    newsletter = django_filters.ModelChoiceFilter(
        label="List",
        queryset=Newsletter.objects.all(),
        empty_label="All lists",
        method="filter_lists",
    )
    subscription_status = django_filters.ChoiceFilter(
        label="Subscription",
        choices=SubscriptionStatus.choices,
        empty_label="Any",
        method="filter_lists",
        help_text="On the chosen list, or on any list.",
    )
    status = django_filters.ChoiceFilter(
        label="Address", choices=SubscriberStatus.choices, empty_label="Any"
    )

    class Meta:
        model = Subscriber
        fields = ["newsletter", "subscription_status", "status"]

    def filter_lists(self, queryset, name, value):
        # Both list filters are applied together by apply_filters: "pending on Daily"
        # must be one subscription, not pending somewhere and on Daily somewhere else.
        return queryset


def apply_filters(filterset, queryset=None):
    """The queryset narrowed by every valid filter (an invalid one is shown on the form and
    left out, instead of django-filter dropping them all)."""
    filterset.is_valid()
    queryset = filterset.queryset if queryset is None else queryset
    form_data = filterset.form.cleaned_data
    for name, value in form_data.items():
        queryset = filterset.filters[name].filter(queryset, value)
    newsletter, state = form_data.get("newsletter"), form_data.get("subscription_status")
    if newsletter or state:
        rows = ListSubscription.objects.all()
        if newsletter:
            rows = rows.filter(newsletter=newsletter)
        if state:
            rows = rows.filter(status=state)
        queryset = queryset.filter(pk__in=rows.values("subscriber_id"))
    return queryset


def search(queryset, text: str):
    text = text.strip()
    if not text:
        return queryset
    match = Q()
    for field in SEARCH_FIELDS:
        match |= Q(**{f"{field}__icontains": text})
    return queryset.filter(match)


def subscriber_queryset(query, *, request=None):
    """The subscribers the listing shows for `query` (its filters and search), and the
    filter form's cleaned values."""
    filterset = SubscriberFilterSet(query, Subscriber.objects.all(), request=request)
    queryset = search(apply_filters(filterset), query.get("q", ""))
    return queryset, filterset.form.cleaned_data


class IssueFilterSet(WagtailFilterSet):
    newsletter = django_filters.ModelChoiceFilter(
        label="List", queryset=Newsletter.objects.all(), empty_label="All lists"
    )
    status = django_filters.ChoiceFilter(
        label="Status", choices=IssueStatus.choices, empty_label="Any"
    )

    class Meta:
        model = Issue
        fields = ["newsletter", "status"]
