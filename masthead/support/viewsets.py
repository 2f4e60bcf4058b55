"""The "Support" admin menu: donations and memberships as read-only Wagtail model
viewsets (no add, edit or delete: providers' events make and change them), the totals
report and the payment providers page.

Access follows the models' Django permissions, given by group: "view donation" and
"view membership" see the listings, totals and providers; "change donation" also marks
refunds.
"""

from django.urls import path
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from . import admin_views
from .models import Donation, Membership


class ReadOnlyViewSet(ModelViewSet):
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = False

    def get_index_view_kwargs(self, **kwargs):
        # The generic listing links to add / edit / delete views these viewsets do not have.
        return super().get_index_view_kwargs(
            add_url_name=None,
            edit_url_name=None,
            delete_url_name=None,
            copy_url_name=None,
            inspect_url_name=None,
            **kwargs,
        )


class DonationViewSet(ReadOnlyViewSet):
    model = Donation
    name = admin_views.DONATIONS
    url_prefix = "support/donations"
    icon = "pick"
    menu_label = "Donations"
    menu_order = 10
    index_view_class = admin_views.DonationIndexView

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("export/", admin_views.DonationExportView.as_view(), name="export"),
            path("<int:pk>/", admin_views.DonationDetailView.as_view(), name="detail"),
            path("<int:pk>/refund/", admin_views.DonationRefundView.as_view(), name="refund"),
        ]


class MembershipViewSet(ReadOnlyViewSet):
    model = Membership
    name = admin_views.MEMBERSHIPS
    url_prefix = "support/memberships"
    icon = "group"
    menu_label = "Memberships"
    menu_order = 20
    index_view_class = admin_views.MembershipIndexView

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("<int:pk>/", admin_views.MembershipDetailView.as_view(), name="detail"),
        ]


class SupportMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_view_support(request.user)


class TotalsViewSet(ViewSet):
    name = admin_views.TOTALS
    url_prefix = "support/totals"
    icon = "table"
    menu_label = "Totals"
    menu_order = 30
    menu_item_class = SupportMenuItem

    def get_urlpatterns(self):
        return [
            path("", admin_views.TotalsView.as_view(), name="index"),
            path("export/", admin_views.TotalsExportView.as_view(), name="export"),
        ]


class ProvidersViewSet(ViewSet):
    name = admin_views.PROVIDERS
    url_prefix = "support/providers"
    icon = "cog"
    menu_label = "Payment providers"
    menu_order = 40
    menu_item_class = SupportMenuItem

    def get_urlpatterns(self):
        return [path("", admin_views.ProvidersView.as_view(), name="index")]


class SupportMenu(ViewSetGroup):
    menu_label = "Support"
    menu_icon = "pick"
    menu_order = 230
    items = (DonationViewSet, MembershipViewSet, TotalsViewSet, ProvidersViewSet)
