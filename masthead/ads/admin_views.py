"""The "Advertising" admin: campaign and creative listings, creative editing (which
tells the editor when the HTML sanitiser removed something), and the report with its
CSV export.  Numbers come from reports.py; rules about what may be saved live in
admin_forms.py."""

import dataclasses

import django_filters
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import BooleanColumn, Column, StatusTagColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import HeaderButton

from masthead.core import spreadsheet
from masthead.metrics.charts import daily_bar_chart

from . import reports
from .admin_forms import ReportForm
from .models import Campaign, Creative

CAMPAIGNS = "ads_campaigns"
CREATIVES = "ads_creatives"
PLACEMENTS = "ads_placements"
REPORTS = "ads_reports"
STATUS_LABELS = dict(reports.STATUS_CHOICES)


def when(moment) -> str:
    # Absolute dates: a schedule read as "3 weeks ago" or "just now" hides when it ends.
    return timezone.localtime(moment).strftime("%-d %b %Y %H:%M")


class CampaignFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label="Status", choices=reports.STATUS_CHOICES, empty_label="Any", method="by_status"
    )
    is_house = django_filters.BooleanFilter(label="House campaign")

    class Meta:
        model = Campaign
        fields = ["status", "is_house"]

    def by_status(self, queryset, _name, value):
        return reports.with_status(queryset, value)


class CampaignIndexView(generic.IndexView):
    filterset_class = CampaignFilterSet
    search_fields = ["name", "advertiser"]
    search_backend_name = None
    default_ordering = "-starts_at"
    paginate_by = 50

    def get_base_queryset(self):
        return Campaign.objects.annotate(
            impressions_today=reports.impressions_on(reports.today_utc())
        )

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "name",
                label="Name",
                get_url=lambda c: self.get_edit_url(c),
                sort_key="name",
            ),
            Column("advertiser", label="Advertiser", sort_key="advertiser"),
            StatusTagColumn(
                "status",
                label="Status",
                accessor=lambda c: STATUS_LABELS[reports.status_of(c)],
                primary=lambda c: reports.status_of(c) == "running",
            ),
            Column(
                "starts_at",
                label="Starts",
                accessor=lambda c: when(c.starts_at),
                sort_key="starts_at",
            ),
            Column(
                "ends_at",
                label="Ends",
                accessor=lambda c: when(c.ends_at) if c.ends_at else "Until stopped",
                sort_key="ends_at",
            ),
            Column("weight", label="Weight", sort_key="weight"),
            Column(
                "impressions_today",
                label="Impressions today (UTC)",
                sort_key="impressions_today",
            ),
        ]


class CreativeIndexView(generic.IndexView):
    search_fields = ["name", "campaign__name", "headline"]
    search_backend_name = None
    default_ordering = "name"
    paginate_by = 50

    def get_base_queryset(self):
        return Creative.objects.select_related("campaign").prefetch_related("placements")

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "name", label="Name", get_url=lambda c: self.get_edit_url(c), sort_key="name"
            ),
            Column("campaign", label="Campaign", sort_key="campaign__name"),
            Column("kind", label="Kind", accessor="get_kind_display", sort_key="kind"),
            Column(
                "placements",
                label="Placements",
                accessor=lambda c: ", ".join(p.name for p in c.placements.all()) or "—",
            ),
            BooleanColumn("active", label="Active", sort_key="active"),
        ]


class HtmlCleanedMessageMixin:
    """Say so when the sanitiser changed the HTML: what is stored is not what was typed."""

    def form_valid(self, form):
        response = super().form_valid(form)
        if getattr(form, "html_was_cleaned", False):
            messages.warning(
                self.request,
                "Some of the HTML was removed because it is not allowed in ads (links, "
                "scripts, styles, classes or event handlers, or images not on https). "
                "Check the saved HTML.",
            )
        return response


class CreativeCreateView(HtmlCleanedMessageMixin, generic.CreateView):
    pass


class CreativeEditView(HtmlCleanedMessageMixin, generic.EditView):
    pass


# --- report ---------------------------------------------------------------------------


class ReportMixin(PermissionCheckedMixin, WagtailAdminTemplateMixin):
    model = Campaign
    permission_required = "view"
    header_icon = "table"

    @cached_property
    def form(self) -> ReportForm:
        return ReportForm.from_query(self.request.GET)

    def subject(self, campaign, creative) -> str:
        if creative:
            return f"{creative.name} ({creative.campaign.name})"
        if campaign:
            return str(campaign)
        return "All ads"


class ReportView(ReportMixin, TemplateView):
    template_name = "ads/admin/report.html"
    page_title = "Advertising report"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    @cached_property
    def header_buttons(self):
        if not self.form.is_valid():
            return []
        query = {k: v for k, v in self.form.data.items() if v}
        export = reverse(f"{REPORTS}:export") + "?" + urlencode(query)
        return [HeaderButton("Export CSV", url=export, icon_name="download")]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = self.form
        if not self.form.is_valid():
            return context
        campaign, creative, start, end = self.form.chosen()
        rows = reports.daily(start, end, campaign=campaign, creative=creative)
        subject = self.subject(campaign, creative)
        chart = daily_bar_chart(
            [(r.day, r.impressions) for r in rows], title=f"Impressions per day: {subject}"
        )
        totals = reports.total(rows)
        chart = dataclasses.replace(
            chart,
            description=(
                f"{totals.impressions:,} impressions and {totals.clicks:,} clicks "
                f"from {start:%-d %B %Y} to {end:%-d %B %Y}."
            ),
        )
        context.update(
            subject=subject,
            start=start,
            end=end,
            rows=rows,
            totals=totals,
            chart=chart,
            breakdown=(
                reports.per_creative(start, end, campaign) if campaign and not creative else []
            ),
        )
        return context

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        status = 200 if self.form.is_valid() else 400
        return self.render_to_response(context, status=status)


class ReportExportView(ReportMixin, View):
    def get(self, request):
        form = self.form
        if not form.is_valid():
            return ReportView.as_view()(request)
        campaign, creative, start, end = form.chosen()
        rows = reports.daily(start, end, campaign=campaign, creative=creative)
        lines = reports.csv_rows(rows, reports.total(rows), self.subject(campaign, creative))
        who = (
            f"creative-{creative.pk}"
            if creative
            else f"campaign-{campaign.pk}"
            if campaign
            else "all"
        )
        filename = f"ads-{who}-{start.isoformat()}-{end.isoformat()}.csv"
        response = StreamingHttpResponse(
            spreadsheet.stream_csv(lines), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        return response
