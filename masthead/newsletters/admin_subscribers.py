"""Subscribers in the admin: the filtered listing, one address with its consent records,
and CSV export and import."""

from django.contrib.admin.utils import quote
from django.db import transaction
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import HeaderButton

from masthead.core import spreadsheet

from . import csv_io, import_jobs
from .admin_filters import SEARCH_FIELDS, SubscriberFilterSet, apply_filters, subscriber_queryset
from .admin_forms import ImportForm, ImportPolicy
from .models import Delivery, ListSubscription, Subscriber

SUBSCRIBERS = "newsletter_subscribers"


def subscriber_url(name: str, subscriber: Subscriber) -> str:
    return reverse(f"{SUBSCRIBERS}:{name}", args=(quote(subscriber.pk),))


class ListsColumn(Column):
    cell_template_name = "newsletters/admin/cells/lists.html"


class SubscriberIndexView(generic.IndexView):
    default_ordering = "-created_at"
    filterset_class = SubscriberFilterSet
    search_fields = SEARCH_FIELDS
    paginate_by = 50

    def get_base_queryset(self):
        return Subscriber.objects.prefetch_related("subscriptions__newsletter")

    def filter_queryset(self, queryset):
        return apply_filters(self.filters, queryset) if self.filters else queryset

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "email",
                label="Email",
                get_url=lambda s: subscriber_url("edit", s),
                sort_key="email",
            ),
            Column("name", label="Name", sort_key="name"),
            Column("status", label="Address", accessor="get_status_display", sort_key="status"),
            ListsColumn("lists", label="Lists"),
            DateColumn("created_at", label="Since", sort_key="created_at"),
        ]

    @cached_property
    def header_buttons(self):
        query = self.request.GET.copy()
        for key in ("p", "_w_filter_fragment", "ordering"):
            query.pop(key, None)
        export = reverse(f"{SUBSCRIBERS}:export") + (f"?{query.urlencode()}" if query else "")
        buttons = [HeaderButton("Export CSV", url=export, icon_name="download")]
        if self.user_has_permission("add"):
            buttons.append(
                HeaderButton("Import CSV", url=reverse(f"{SUBSCRIBERS}:import"), icon_name="upload")
            )
        return buttons


class SubscriberEditView(generic.EditView):
    template_name = "newsletters/admin/subscriber_edit.html"

    def get_success_url(self):
        return self.get_edit_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["subscriptions"] = (
            ListSubscription.objects.filter(subscriber=self.object)
            .select_related("newsletter")
            .order_by("newsletter__sort_order", "newsletter__name")
        )
        context["unsubscribe_url"] = subscriber_url("unsubscribe", self.object)
        context["delivery_count"] = self.object.deliveries.count()
        return context


class SubscriberDeleteView(generic.DeleteView):
    """Forget an address: its consent records go with it, and the issues' delivery rows
    keep their counts but not the address (as when a reader deletes their account)."""

    def delete_action(self):
        with transaction.atomic():
            Delivery.objects.filter(subscriber=self.object).update(subscriber=None, email="")
            super().delete_action()


class SubscriberUnsubscribeView(PermissionCheckedMixin, View):
    """Take an address off one list, as its owner asked by phone or letter."""

    model = Subscriber
    permission_required = "change"
    http_method_names = ["post"]

    def post(self, request, pk):
        from .subscriptions import unsubscribe

        subscriber = get_object_or_404(Subscriber, pk=pk)
        row = get_object_or_404(
            ListSubscription.objects.select_related("newsletter"),
            subscriber=subscriber,
            pk=request.POST.get("subscription") or 0,
        )
        if unsubscribe(subscriber.pk, row.newsletter_id, source="admin"):
            messages.success(request, f"{subscriber.email} is unsubscribed from {row.newsletter}.")
        else:
            messages.info(request, f"{subscriber.email} was not subscribed to {row.newsletter}.")
        return redirect(subscriber_url("edit", subscriber))


class SubscriberExportView(PermissionCheckedMixin, View):
    """The listing's subscribers as CSV, streamed row by row (flat memory for any list)."""

    model = Subscriber
    any_permission_required = ["view", "change"]

    def get(self, request):
        queryset, filters = subscriber_queryset(request.GET, request=request)
        rows = csv_io.export_rows(
            queryset,
            newsletter=filters.get("newsletter"),
            subscription_status=filters.get("subscription_status") or "",
        )
        response = StreamingHttpResponse(
            spreadsheet.stream_csv(rows), content_type="text/csv; charset=utf-8"
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="subscribers-{stamp}.csv"'
        response["Cache-Control"] = "private, no-store"
        return response


class SubscriberImportView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    model = Subscriber
    permission_required = "add"
    form_class = ImportForm
    template_name = "newsletters/admin/import.html"
    page_title = "Import subscribers"
    header_icon = "upload"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(f"{SUBSCRIBERS}:index"), "label": "Subscribers"},
            {"url": "", "label": self.page_title},
        ]

    def form_valid(self, form):
        job = import_jobs.start_import(
            form.cleaned_data["file"],
            newsletters=list(form.cleaned_data["newsletters"]),
            consented=form.cleaned_data["policy"] == ImportPolicy.CONSENTED,
            user=self.request.user,
            evidence=form.cleaned_data.get("consent_evidence", ""),
        )
        return redirect(reverse(f"{SUBSCRIBERS}:import_status", args=(job,)))

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class SubscriberImportStatusView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """An import's outcome, filled in as its parts are done (the page refreshes itself)."""

    model = Subscriber
    permission_required = "add"
    template_name = "newsletters/admin/import_status.html"
    page_title = "Import subscribers"
    header_icon = "upload"

    def dispatch(self, request, *args, job, **kwargs):
        self.job = job
        return super().dispatch(request, *args, **kwargs)

    def get_template_names(self):
        if self.request.GET.get("fragment"):
            return ["newsletters/admin/includes/import_report.html"]
        return [self.template_name]

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(f"{SUBSCRIBERS}:index"), "label": "Subscribers"},
            {"url": reverse(f"{SUBSCRIBERS}:import"), "label": self.page_title},
            {"url": "", "label": "Report"},
        ]

    def get_context_data(self, **kwargs):
        status = import_jobs.job_status(self.job)
        if status is None:
            raise Http404("No such import (reports are kept for a week).")
        context = super().get_context_data(**kwargs)
        url = reverse(f"{SUBSCRIBERS}:import_status", args=(self.job,))
        context.update(
            status=status,
            report=status["report"],
            fragment_url=f"{url}?fragment=1",
            listing_url=reverse(f"{SUBSCRIBERS}:index"),
            import_url=reverse(f"{SUBSCRIBERS}:import"),
        )
        return context

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response
