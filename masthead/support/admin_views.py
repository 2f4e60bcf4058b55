"""The "Support" admin: donations and memberships (listings, detail, CSV), marking a
refund, the totals report and which payment providers are configured.

Views check permissions and show outcomes; the numbers come from reports.py and every
change of a donation's state goes through services.apply_event, as a provider's
webhook would.
"""

import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import HeaderButton

from masthead.core import spreadsheet

from . import csv_export, money, reports
from .admin_filters import (
    DONATION_SEARCH_FIELDS,
    MEMBERSHIP_SEARCH_FIELDS,
    DonationFilterSet,
    MembershipFilterSet,
    apply_filters,
    donation_queryset,
    search,
)
from .admin_forms import RefundForm, TotalsForm
from .models import Donation, DonationStatus, Membership, MembershipStatus, Provider, ProviderEvent

DONATIONS = "support_donations"
MEMBERSHIPS = "support_memberships"
TOTALS = "support_totals"
PROVIDERS = "support_providers"
EVENT_HISTORY_LIMIT = 200
DONATION_TAG_PRIMARY = {DonationStatus.COMPLETED}


def donation_url(name: str, donation: Donation) -> str:
    return reverse(f"{DONATIONS}:{name}", args=(donation.pk,))


def membership_url(name: str, membership: Membership) -> str:
    return reverse(f"{MEMBERSHIPS}:{name}", args=(membership.pk,))


def can_view_support(user) -> bool:
    return user.has_perm("support.view_donation")


def _stream(rows, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        spreadsheet.stream_csv(rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


# --- donations ---------------------------------------------------------------


class AmountColumn(Column):
    """The amount as people write it ("$12.50", "JPY 1,500"), sorted by the stored integer."""

    def get_value(self, instance):
        return money.format_amount(instance.amount, instance.currency)


class MembershipLinkColumn(Column):
    cell_template_name = "support/admin/cells/membership_link.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        membership = instance.membership
        context["url"] = membership_url("detail", membership) if membership else ""
        return context


class DonationIndexView(generic.IndexView):
    default_ordering = "-created_at"
    filterset_class = DonationFilterSet
    search_fields = DONATION_SEARCH_FIELDS
    any_permission_required = ["view"]
    paginate_by = 50
    page_title = "Donations"

    def get_base_queryset(self):
        return Donation.objects.select_related("membership")

    def filter_queryset(self, queryset):
        return apply_filters(self.filters, queryset) if self.filters else queryset

    def search_queryset(self, queryset):
        return search(queryset, self.search_query or "", DONATION_SEARCH_FIELDS)

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "created_at",
                label="Date",
                accessor=lambda d: timezone.localtime(d.created_at).strftime("%Y-%m-%d %H:%M"),
                get_url=lambda d: donation_url("detail", d),
                sort_key="created_at",
            ),
            AmountColumn("amount", label="Amount", sort_key="amount"),
            Column("currency", label="Currency", sort_key="currency"),
            Column("frequency", label="Frequency", accessor="get_frequency_display"),
            StatusTagColumn(
                "status",
                label="Status",
                accessor="get_status_display",
                primary=lambda d: d.status in DONATION_TAG_PRIMARY,
                sort_key="status",
            ),
            Column("provider", label="Provider", accessor="get_provider_display"),
            Column("email", label="Email", sort_key="email"),
            Column("public_name", label="Public name"),
            MembershipLinkColumn("membership", label="Membership"),
        ]

    @cached_property
    def header_buttons(self):
        query = self.request.GET.copy()
        for key in ("p", "_w_filter_fragment", "ordering"):
            query.pop(key, None)
        export = reverse(f"{DONATIONS}:export") + (f"?{query.urlencode()}" if query else "")
        return [
            HeaderButton("Export CSV", url=export, icon_name="download"),
            HeaderButton("Totals", url=reverse(f"{TOTALS}:index"), icon_name="table"),
        ]


class DonationExportView(PermissionCheckedMixin, View):
    """The listing's donations (same filters and search) as CSV, streamed."""

    model = Donation
    permission_required = "view"

    def get(self, request):
        rows = csv_export.donation_rows(donation_queryset(request.GET, request=request))
        return _stream(rows, f"donations-{_stamp()}.csv")


def donation_events(donation: Donation):
    """The provider's events that mention this donation: by our public id (which the
    providers carry in their metadata) or the provider's own ids for it."""
    terms = {str(donation.public_id), donation.provider_reference, donation.provider_payment_id}
    if donation.membership_id and donation.membership.provider_reference:
        terms.add(donation.membership.provider_reference)
    match = Q()
    for term in sorted(t for t in terms if t):
        match |= Q(payload__icontains=term) | Q(event_id=term)
    return ProviderEvent.objects.filter(match, provider=donation.provider).order_by(
        "received_at", "pk"
    )[:EVENT_HISTORY_LIMIT]


class DonationMixin(PermissionCheckedMixin, WagtailAdminTemplateMixin):
    model = Donation
    permission_required = "view"
    header_icon = "pick"

    def dispatch(self, request, *args, pk, **kwargs):
        # The permission check comes first (PermissionCheckedMixin.dispatch would run after
        # the lookup), so nobody learns which donation ids exist.
        if not self.user_has_permission(self.permission_required):
            raise PermissionDenied
        self.donation = get_object_or_404(Donation.objects.select_related("membership"), pk=pk)
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return f"{self.donation.display_amount} from {self.donation.email or 'an unknown address'}"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(f"{DONATIONS}:index"), "label": "Donations"},
            {"url": donation_url("detail", self.donation), "label": self.donation.display_amount},
            {"url": "", "label": self.page_title},
        ]


class DonationDetailView(DonationMixin, TemplateView):
    template_name = "support/admin/donation_detail.html"
    page_title = "Donation"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(f"{DONATIONS}:index"), "label": "Donations"},
            {"url": "", "label": self.donation.display_amount},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        d = self.donation
        refunded = money.format_amount(d.refunded_amount, d.currency) if d.refunded_amount else ""
        rows = [
            ("Public id", d.public_id),
            ("Status", d.get_status_display()),
            ("Amount", f"{d.display_amount} ({d.amount} {d.currency} minor units)"),
            ("Currency", d.currency),
            ("Frequency", d.get_frequency_display()),
            ("Provider", d.get_provider_display()),
            ("Provider reference", d.provider_reference),
            ("Provider payment id", d.provider_payment_id),
            ("Email", d.email),
            ("Reader account", d.user or ""),
            ("Public name", d.public_name),
            ("Shown publicly", "Yes" if d.show_publicly else "No"),
            ("Message", d.message),
            ("Refunded", refunded),
            ("Created", d.created_at),
            ("Completed", d.completed_at),
            ("Failed", d.failed_at),
            ("Failure reason", d.failure_reason),
            ("Refunded at", d.refunded_at),
            ("Receipt sent", d.receipt_sent_at),
            ("Last change", d.updated_at),
            ("Donated from", d.source_path),
        ]
        context.update(
            donation=d,
            rows=rows,
            events=donation_events(d),
            membership_url=membership_url("detail", d.membership) if d.membership_id else "",
        )
        return context

    @cached_property
    def header_buttons(self):
        if self.donation.status == DonationStatus.COMPLETED and self.request.user.has_perm(
            "support.change_donation"
        ):
            return [
                HeaderButton(
                    "Mark as refunded",
                    url=donation_url("refund", self.donation),
                    icon_name="rotate",
                )
            ]
        return []


class DonationRefundView(DonationMixin, TemplateView):
    """Record a refund made at the provider. It moves no money: the refund itself is made
    in the provider's dashboard; this brings our record in line, through the same state
    rules as the provider's own refund event."""

    template_name = "support/admin/donation_refund.html"
    page_title = "Mark as refunded"
    permission_required = "change"
    http_method_names = ["get", "post"]

    def refusal(self) -> str:
        status = self.donation.status
        if status == DonationStatus.REFUNDED:
            return "This donation is already marked as refunded."
        if status != DonationStatus.COMPLETED:
            return (
                f"This donation is {self.donation.get_status_display().lower()}: "
                "only a completed donation can be marked as refunded."
            )
        return ""

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            donation=self.donation,
            form=form or RefundForm(donation=self.donation),
            refusal=self.refusal(),
            detail_url=donation_url("detail", self.donation),
            provider_label=self.donation.get_provider_display(),
        )
        return context

    def post(self, request, *args, **kwargs):
        from .providers.base import Event, EventKind
        from .services import apply_event

        refusal = self.refusal()
        if refusal:
            return self.render_to_response(self.get_context_data(), status=409)
        form = RefundForm(request.POST, donation=self.donation)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        donation = self.donation
        amount = form.cleaned_data["amount"]
        outcome = apply_event(
            Event(
                provider=donation.provider,
                event_id=f"admin-refund-{uuid.uuid4()}",
                kind=EventKind.REFUNDED,
                event_type="admin.refund",
                occurred_at=timezone.now(),
                donation_public_id=str(donation.public_id),
                amount=amount,
                currency=donation.currency,
                payload={
                    "donation": str(donation.public_id),
                    "amount": amount,
                    "currency": donation.currency,
                    "recorded_by": request.user.get_username(),
                },
            )
        )
        donation.refresh_from_db()
        if donation.status == DonationStatus.REFUNDED:
            messages.success(
                request,
                f"The refund of {money.format_amount(amount, donation.currency)} is recorded"
                f"; the donation is now {donation.get_status_display().lower()}.",
            )
        else:
            messages.error(
                request, "The refund was not recorded" + (f": {outcome}." if outcome else ".")
            )
        return redirect(donation_url("detail", donation))


# --- memberships ---------------------------------------------------------------


class MonthlyAmountColumn(Column):
    def get_value(self, instance):
        return f"{money.format_amount(instance.amount, instance.currency)}/month"


class MembershipIndexView(generic.IndexView):
    default_ordering = "-created_at"
    filterset_class = MembershipFilterSet
    search_fields = MEMBERSHIP_SEARCH_FIELDS
    any_permission_required = ["view"]
    paginate_by = 50
    page_title = "Memberships"

    def filter_queryset(self, queryset):
        return apply_filters(self.filters, queryset) if self.filters else queryset

    def search_queryset(self, queryset):
        return search(queryset, self.search_query or "", MEMBERSHIP_SEARCH_FIELDS)

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "email",
                label="Email",
                get_url=lambda m: membership_url("detail", m),
                sort_key="email",
            ),
            MonthlyAmountColumn("amount", label="Amount", sort_key="amount"),
            Column("currency", label="Currency", sort_key="currency"),
            StatusTagColumn(
                "status",
                label="Status",
                accessor="get_status_display",
                primary=lambda m: m.status == MembershipStatus.ACTIVE,
                sort_key="status",
            ),
            Column("provider", label="Provider", accessor="get_provider_display"),
            DateColumn("started_at", label="Started", sort_key="started_at"),
            DateColumn("canceled_at", label="Canceled", sort_key="canceled_at"),
        ]


class MembershipDetailView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    model = Membership
    permission_required = "view"
    header_icon = "group"
    page_title = "Membership"
    template_name = "support/admin/membership_detail.html"

    def dispatch(self, request, *args, pk, **kwargs):
        if not self.user_has_permission(self.permission_required):
            raise PermissionDenied
        self.membership = get_object_or_404(Membership, pk=pk)
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.membership)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(f"{MEMBERSHIPS}:index"), "label": "Memberships"},
            {"url": "", "label": self.membership.email},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        m = self.membership
        rows = [
            ("Public id", m.public_id),
            ("Status", m.get_status_display()),
            ("Amount", f"{money.format_amount(m.amount, m.currency)} per month"),
            ("Currency", m.currency),
            ("Provider", m.get_provider_display()),
            ("Provider subscription id", m.provider_reference),
            ("Email", m.email),
            ("Reader account", m.user or ""),
            ("Public name", m.public_name),
            ("Created", m.created_at),
            ("Started", m.started_at),
            ("Canceled", m.canceled_at),
            ("Current period ends", m.current_period_end),
            ("Last change", m.updated_at),
        ]
        payments = [
            {
                "donation": d,
                "url": donation_url("detail", d),
                "amount": d.display_amount,
            }
            for d in m.payments.order_by("-created_at", "-pk")[:500]
        ]
        context.update(membership=m, rows=rows, payments=payments)
        return context


# --- totals and providers ---------------------------------------------------------


class SupportReportMixin(PermissionCheckedMixin, WagtailAdminTemplateMixin):
    model = Donation
    permission_required = "view"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]


class TotalsView(SupportReportMixin, TemplateView):
    template_name = "support/admin/totals.html"
    page_title = "Support totals"
    header_icon = "table"

    @cached_property
    def report(self):
        return TotalsForm.from_query(self.request.GET)

    @cached_property
    def header_buttons(self):
        _form, period, start, end = self.report
        query = {"period": period, "start": start.isoformat(), "end": end.isoformat()}
        export = reverse(f"{TOTALS}:export") + "?" + urlencode(query)
        return [
            HeaderButton("Export CSV", url=export, icon_name="download"),
            HeaderButton("Donations", url=reverse(f"{DONATIONS}:index"), icon_name="pick"),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, period, start, end = self.report
        rows = reports.per_period(start, end, period)
        context.update(
            form=form,
            period=period,
            start=start,
            end=end,
            rows=[(reports.period_label(r.period, period), r) for r in rows],
            summary=reports.per_currency(start, end),
            recurring=reports.recurring(),
            donations_url=reverse(f"{DONATIONS}:index"),
        )
        return context


class TotalsExportView(SupportReportMixin, View):
    def get(self, request):
        _form, period, start, end = TotalsForm.from_query(request.GET)
        rows = reports.per_period(start, end, period) + reports.per_currency(start, end)
        return _stream(
            csv_export.totals_rows(rows, period),
            f"support-totals-{period}-{start.isoformat()}-{end.isoformat()}.csv",
        )


def provider_status() -> list[dict]:
    """Which providers are ready, and what to paste where; names of settings, never values."""
    site = settings.SITE_URL.rstrip("/")

    def configured(name: str, fallback: bool) -> bool:
        from . import providers

        try:
            return bool(providers.get(name).is_configured())
        except (ImportError, AttributeError, KeyError):
            return fallback

    stripe_keys = {
        "STRIPE_SECRET_KEY": bool(getattr(settings, "STRIPE_SECRET_KEY", "")),
        "STRIPE_WEBHOOK_SECRET": bool(getattr(settings, "STRIPE_WEBHOOK_SECRET", "")),
    }
    paypal_keys = {
        "PAYPAL_CLIENT_ID": bool(getattr(settings, "PAYPAL_CLIENT_ID", "")),
        "PAYPAL_CLIENT_SECRET": bool(getattr(settings, "PAYPAL_CLIENT_SECRET", "")),
        "PAYPAL_WEBHOOK_ID": bool(getattr(settings, "PAYPAL_WEBHOOK_ID", "")),
    }
    api_base = getattr(settings, "PAYPAL_API_BASE", "")
    offline = bool(getattr(settings, "SUPPORT_OFFLINE_PROVIDER", False))
    return [
        {
            "name": Provider.STRIPE,
            "label": "Stripe",
            "configured": configured("stripe", all(stripe_keys.values())),
            "settings": stripe_keys,
            "switch": False,
            "webhook_url": f"{site}/support/webhooks/stripe/",
            "notes": [],
        },
        {
            "name": Provider.PAYPAL,
            "label": "PayPal",
            "configured": configured("paypal", all(paypal_keys.values())),
            "settings": paypal_keys,
            "switch": False,
            "webhook_url": f"{site}/support/webhooks/paypal/",
            "notes": [
                "API: "
                + ("sandbox (test payments)" if "sandbox" in api_base else "live")
                + f" — {api_base}"
            ],
        },
        {
            "name": Provider.OFFLINE,
            "label": "Offline test provider",
            "configured": configured("offline", offline),
            "settings": {"SUPPORT_OFFLINE_PROVIDER": offline},
            "switch": True,
            "webhook_url": "",
            "notes": [
                "For the demo and tests: payments are confirmed on a local page and no money "
                "moves. Keep it off on a live site."
            ],
        },
    ]


class ProvidersView(SupportReportMixin, TemplateView):
    template_name = "support/admin/providers.html"
    page_title = "Payment providers"
    header_icon = "cog"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["providers"] = provider_status()
        return context
