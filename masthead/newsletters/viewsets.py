"""The "Newsletters" admin menu: issues, lists and subscribers as Wagtail model viewsets.

Access follows the models' Django permissions (add / change / delete / view), so an
administrator gives editors newsletter work by group: "change issue" composes, tests
and sends; "view issue" sees previews and progress; "add subscriber" imports.
"""

from django.urls import path
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from . import admin_subscribers, admin_views
from .admin_forms import IssueForm
from .models import Issue, Newsletter, Subscriber


class IssueViewSet(ModelViewSet):
    model = Issue
    name = "newsletter_issues"
    url_prefix = "newsletters/issues"
    icon = "mail"
    menu_label = "Issues"
    menu_order = 10
    copy_view_enabled = False
    add_to_reference_index = False
    index_view_class = admin_views.IssueIndexView
    add_view_class = admin_views.IssueCreateView
    edit_view_class = admin_views.IssueEditView
    delete_view_class = admin_views.IssueDeleteView

    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldPanel("newsletter"),
                    FieldPanel("subject"),
                    FieldPanel("preheader"),
                    FieldPanel("intro"),
                ],
                heading="Message",
            ),
            MultiFieldPanel(
                [
                    FieldPanel("kind"),
                    FieldRowPanel([FieldPanel("digest_days"), FieldPanel("digest_size")]),
                ],
                heading="Articles",
                help_text="Hand-pick the articles below, or let a digest choose the latest "
                "and trending ones of the period when the issue is sent.",
            ),
            InlinePanel(
                "chosen_articles",
                heading="Chosen articles",
                label="Article",
                panels=[FieldPanel("article")],
                help_text="In the order they appear in the email (hand-picked issues only).",
            ),
            FieldPanel("sections"),
        ],
        base_form_class=IssueForm,
    )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/preview/", admin_views.IssuePreviewView.as_view(), name="preview"),
            path(
                "<int:pk>/preview/email.html",
                admin_views.IssuePreviewHtmlView.as_view(),
                name="preview_html",
            ),
            path("<int:pk>/send/", admin_views.IssueSendView.as_view(), name="send"),
            path(
                "<int:pk>/unschedule/",
                admin_views.IssueUnscheduleView.as_view(),
                name="unschedule",
            ),
            path("<int:pk>/progress/", admin_views.IssueProgressView.as_view(), name="progress"),
            path("<int:pk>/retry/", admin_views.IssueRetryView.as_view(), name="retry"),
        ]


class NewsletterViewSet(ModelViewSet):
    model = Newsletter
    name = "newsletter_lists"
    url_prefix = "newsletters/lists"
    icon = "list-ul"
    menu_label = "Lists"
    menu_order = 20
    copy_view_enabled = False
    add_to_reference_index = False
    sort_order_field = "sort_order"
    index_view_class = admin_views.NewsletterIndexView
    delete_view_class = admin_views.NewsletterDeleteView
    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("sender_name"), FieldPanel("sender_email")]),
        FieldPanel("reply_to"),
        FieldPanel("frequency"),
        FieldPanel("is_active"),
    ]


class SubscriberViewSet(ModelViewSet):
    model = Subscriber
    name = "newsletter_subscribers"
    url_prefix = "newsletters/subscribers"
    icon = "group"
    menu_label = "Subscribers"
    menu_order = 30
    copy_view_enabled = False
    add_to_reference_index = False
    index_view_class = admin_subscribers.SubscriberIndexView
    edit_view_class = admin_subscribers.SubscriberEditView
    delete_view_class = admin_subscribers.SubscriberDeleteView
    panels = [FieldPanel("name"), FieldPanel("status"), FieldPanel("status_reason")]

    def get_index_view_kwargs(self, **kwargs):
        # Addresses arrive by signup or by import (with a stated consent policy), never
        # typed in one by one.
        return super().get_index_view_kwargs(add_url_name=None, **kwargs)

    def get_urlpatterns(self):
        return [
            pattern
            for pattern in super().get_urlpatterns()
            if getattr(pattern, "name", "") != "add"
        ] + [
            path("export/", admin_subscribers.SubscriberExportView.as_view(), name="export"),
            path("import/", admin_subscribers.SubscriberImportView.as_view(), name="import"),
            path(
                "import/<str:job>/",
                admin_subscribers.SubscriberImportStatusView.as_view(),
                name="import_status",
            ),
            path(
                "<int:pk>/unsubscribe/",
                admin_subscribers.SubscriberUnsubscribeView.as_view(),
                name="unsubscribe",
            ),
        ]


class NewslettersMenu(ModelViewSetGroup):
    menu_label = "Newsletters"
    menu_icon = "mail"
    menu_order = 220
    items = (IssueViewSet, NewsletterViewSet, SubscriberViewSet)
