"""The moderation queue's filters: status (Pending unless another is chosen), article, commenter.

The same filters serve the listing and the bulk actions' "select all in listing", so
"approve all" approves exactly what the editor was looking at.
"""

import contextlib
import ipaddress

import django_filters
from django import forms
from django.db.models import Q
from wagtail.admin.filters import WagtailFilterSet

from .models import Comment, CommentStatus

ALL_STATUSES = "all"
DEFAULT_STATUS = CommentStatus.PENDING
STATUS_CHOICES = [*CommentStatus.choices, (ALL_STATUSES, "All")]
# The listing's search box looks in these (as Wagtail's IndexView does for a model
# without a search index: icontains on each, any may match).
SEARCH_FIELDS = ["body", "author_name", "author_email"]


def _commented_articles(request):
    from masthead.newsroom.models import ArticlePage

    # Only articles with comments: a select of every article ever published helps nobody.
    return ArticlePage.objects.filter(
        pk__in=Comment.objects.values("article_id").distinct()
    ).order_by("title", "pk")


class CommentFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=STATUS_CHOICES,
        empty_label=None,
        initial=DEFAULT_STATUS,
        method="filter_status",
        widget=forms.RadioSelect,
    )
    article = django_filters.ModelChoiceFilter(
        label="Article", queryset=_commented_articles, empty_label="All articles"
    )
    commenter = django_filters.CharFilter(
        label="Commenter",
        method="filter_commenter",
        help_text="Part of a name or email address, or a whole IP address.",
    )

    class Meta:
        model = Comment
        fields = ["status", "article", "commenter"]

    def filter_status(self, queryset, name, value):
        return queryset if value == ALL_STATUSES else queryset.filter(status=value)

    def filter_commenter(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        match = Q(author_name__icontains=value) | Q(author_email__icontains=value)
        with contextlib.suppress(ValueError):  # not an address: names and emails only
            match |= Q(ip_address=ipaddress.ip_address(value).compressed)
        return queryset.filter(match)


def queue_data(query):
    """The request's query with the default status filled in (or put back, if garbled), so
    a missing or unknown status shows the pending queue and never every comment."""
    data = query.copy()
    if data.get("status") not in dict(STATUS_CHOICES):
        data["status"] = DEFAULT_STATUS
    return data


def apply_filters(filterset, queryset=None):
    """The queryset narrowed by every valid filter; an invalid one (an article id that no
    longer has comments, say) is shown as an error on the form and left out, rather than
    dropping all the filters as django-filter's all-or-nothing validity would."""
    filterset.is_valid()
    queryset = filterset.queryset if queryset is None else queryset
    for name, value in filterset.form.cleaned_data.items():
        queryset = filterset.filters[name].filter(queryset, value)
    return queryset


def queue_queryset(query, *, request=None):
    """The comments the queue shows for `query` (a QueryDict of its filters)."""
    filterset = CommentFilterSet(queue_data(query), Comment.objects.all(), request=request)
    queryset = apply_filters(filterset)
    search = query.get("q", "").strip()
    if search:
        match = Q()
        for field in SEARCH_FIELDS:
            match |= Q(**{f"{field}__icontains": search})
        queryset = queryset.filter(match)
    return queryset
