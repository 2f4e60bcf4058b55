"""The "Advertising" admin menu: campaigns, creatives and placements as Wagtail model
viewsets, and the report.

Access follows the models' Django permissions (ads.add_creative, ads.change_campaign,
...), given by group; the report needs ads.view_campaign.  Third-party tags are further
limited to administrators by the creative form.
"""

from django import forms
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from . import admin_urls, admin_views
from .admin_forms import CampaignForm, CreativeForm
from .models import Campaign, Creative, Placement


class AdsModelViewSet(ModelViewSet):
    copy_view_enabled = False
    inspect_view_enabled = False
    add_to_reference_index = False


class CampaignViewSet(AdsModelViewSet):
    model = Campaign
    name = admin_views.CAMPAIGNS
    url_prefix = "ads/campaigns"
    icon = "date"
    menu_label = "Campaigns"
    menu_order = 10
    index_view_class = admin_views.CampaignIndexView
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("name"), FieldPanel("advertiser")]),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
                    FieldPanel("active"),
                ],
                heading="Schedule",
            ),
            MultiFieldPanel(
                [
                    FieldPanel("weight"),
                    FieldRowPanel(
                        [FieldPanel("daily_impression_cap"), FieldPanel("visitor_daily_cap")]
                    ),
                ],
                heading="Rotation and caps",
            ),
            FieldPanel("sections", widget=forms.CheckboxSelectMultiple),
            FieldPanel("is_house"),
        ],
        base_form_class=CampaignForm,
    )


class CreativeViewSet(AdsModelViewSet):
    model = Creative
    name = admin_views.CREATIVES
    url_prefix = "ads/creatives"
    icon = "image"
    menu_label = "Creatives"
    menu_order = 20
    index_view_class = admin_views.CreativeIndexView
    add_view_class = admin_views.CreativeCreateView
    edit_view_class = admin_views.CreativeEditView
    list_filter = ["campaign", "kind", "active"]
    edit_handler = ObjectList(
        [
            FieldPanel("campaign"),
            FieldRowPanel([FieldPanel("name"), FieldPanel("kind")]),
            FieldPanel("placements", widget=forms.CheckboxSelectMultiple),
            FieldRowPanel([FieldPanel("weight"), FieldPanel("active")]),
            FieldPanel(
                "link_url",
                heading="Link URL",
                help_text="Where a click goes (http or https). Image and HTML ads.",
            ),
            MultiFieldPanel(
                [FieldPanel("image"), FieldPanel("alt_text")],
                heading="Image ad",
                help_text="An image sized for the placements it runs in, and a description "
                "of it for readers who cannot see it.",
            ),
            MultiFieldPanel(
                [FieldPanel("html", heading="HTML")],
                heading="HTML ad",
                help_text="Text formatting and https images only: links, scripts, styles and "
                "classes are removed when you save. The whole ad links to the address above.",
            ),
            MultiFieldPanel(
                [FieldPanel("house_target"), FieldPanel("headline"), FieldPanel("text")],
                heading="House ad",
                help_text="The publication's own promotion, linking to the donate page or "
                "the newsletter signup.",
            ),
            MultiFieldPanel(
                [FieldPanel("tag")],
                heading="Third-party ad tag",
                help_text="Administrators only. Runs in a sandboxed frame, and only when "
                "third-party tags are allowed in Advertising settings.",
            ),
        ],
        base_form_class=CreativeForm,
    )


class PlacementViewSet(AdsModelViewSet):
    model = Placement
    name = admin_views.PLACEMENTS
    url_prefix = "ads/placements"
    icon = "placeholder"
    menu_label = "Placements"
    menu_order = 30
    list_filter = ["kind", "enabled"]
    search_fields = ["name", "key"]
    search_backend_name = None
    list_display = [
        "name",
        Column("kind", label="Kind", accessor="get_kind_display"),
        Column("size", label="Size"),
        BooleanColumn("enabled", label="Enabled"),
        Column(
            "sections",
            label="Sections",
            accessor=lambda p: ", ".join(s.title for s in p.sections.all()) or "All",
        ),
    ]
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("name"), FieldPanel("key")]),
            FieldRowPanel([FieldPanel("kind"), FieldPanel("size")]),
            FieldRowPanel([FieldPanel("paragraph"), FieldPanel("position")]),
            FieldPanel("enabled"),
            FieldPanel("sections", widget=forms.CheckboxSelectMultiple),
        ]
    )


class ReportMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("ads.view_campaign")


class ReportViewSet(ViewSet):
    name = admin_views.REPORTS
    url_prefix = "ads/reports"
    icon = "table"
    menu_label = "Reports"
    menu_order = 40
    menu_item_class = ReportMenuItem

    def get_urlpatterns(self):
        return admin_urls.urlpatterns


class AdvertisingMenu(ViewSetGroup):
    menu_label = "Advertising"
    menu_icon = "media"
    menu_order = 240
    items = (CampaignViewSet, CreativeViewSet, PlacementViewSet, ReportViewSet)
