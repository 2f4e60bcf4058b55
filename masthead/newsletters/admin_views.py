"""The editors' side of newsletters: lists, and issues from draft to sent.

Only a draft issue can be edited; once scheduled or sending, its page is the progress
page. Every verb (test send, send, schedule, retry) is a service of sending.py; these
views check permissions, parse forms and show the outcome.
"""

from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views import View
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import HeaderButton

from .admin_filters import IssueFilterSet
from .admin_forms import ScheduleForm, TestSendForm
from .models import (
    DeliveryStatus,
    Issue,
    IssueStatus,
    Newsletter,
    SubscriberStatus,
    SubscriptionStatus,
)

ISSUES = "newsletter_issues"
# The preview document may show its own inline styles and remote images, and nothing
# else: no script, no form, no plugin, and (sandboxed) no access to the admin's origin.
PREVIEW_CSP = {
    "default-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["http:", "https:", "data:"],
    "font-src": ["http:", "https:"],
    "sandbox": True,
    "form-action": ["'none'"],
    "base-uri": ["'none'"],
}
STATUS_TAG = {
    IssueStatus.DRAFT: "secondary",
    IssueStatus.SCHEDULED: "primary",
    IssueStatus.SENDING: "primary",
    IssueStatus.SENT: "primary",
}


def issue_url(name: str, issue: Issue) -> str:
    return reverse(f"{ISSUES}:{name}", args=(quote(issue.pk),))


def issue_home_url(issue: Issue) -> str:
    """Where an issue's title leads: its editor while a draft, its progress after."""
    return issue_url("edit" if issue.status == IssueStatus.DRAFT else "progress", issue)


def recipient_count(newsletter: Newsletter) -> int:
    from .subscriptions import active_subscriptions

    return active_subscriptions(newsletter).count()


# --- lists ---------------------------------------------------------------


class NewsletterIndexView(generic.IndexView):
    default_ordering = "sort_order"
    page_title = "Lists"
    add_item_label = "Add list"

    def get_base_queryset(self):
        active = Q(
            subscriptions__status=SubscriptionStatus.ACTIVE,
            subscriptions__subscriber__status=SubscriberStatus.ACTIVE,
        )
        return Newsletter.objects.annotate(
            active_count=Count("subscriptions", filter=active),
            pending_count=Count(
                "subscriptions", filter=Q(subscriptions__status=SubscriptionStatus.PENDING)
            ),
        )

    @cached_property
    def columns(self):
        return [
            self._get_title_column("name"),
            Column("frequency", label="Frequency", accessor="get_frequency_display"),
            Column(
                "is_active",
                label="Signups",
                accessor=lambda n: "Open" if n.is_active else "Closed",
            ),
            Column("active_count", label="Subscribers", sort_key="active_count"),
            Column("pending_count", label="Awaiting confirmation", sort_key="pending_count"),
        ]


class NewsletterDeleteView(generic.DeleteView):
    """A list with issues keeps them (their deliveries are the record of what was sent)."""

    def post(self, request, *args, **kwargs):
        if self.object.issues.exists():
            messages.error(
                request,
                f"“{self.object}” has issues, so it cannot be deleted. "
                "Close it for signups instead.",
            )
            return redirect(self.get_success_url())
        return super().post(request, *args, **kwargs)


# --- issues: listing, compose, delete -------------------------------------


class IssueTitleColumn(TitleColumn):
    def get_link_url(self, instance, parent_context):
        user = parent_context["request"].user
        if instance.status == IssueStatus.DRAFT and not user.has_perm("newsletters.change_issue"):
            return issue_url("preview", instance)
        return issue_home_url(instance)


class IssueIndexView(generic.IndexView):
    default_ordering = "-created_at"
    filterset_class = IssueFilterSet
    search_fields = ["subject"]

    def get_base_queryset(self):
        return Issue.objects.select_related("newsletter").annotate(
            sent_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.SENT)),
            failed_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
        )

    @cached_property
    def columns(self):
        return [
            IssueTitleColumn("subject", label="Subject", sort_key="subject"),
            Column("newsletter", label="List", sort_key="newsletter__name"),
            StatusTagColumn(
                "status",
                label="Status",
                accessor="get_status_display",
                primary=lambda issue: issue.status != IssueStatus.DRAFT,
                sort_key="status",
            ),
            Column("recipients", label="Recipients", sort_key="recipients"),
            Column("sent_count", label="Sent"),
            Column("failed_count", label="Failed"),
            DateColumn("scheduled_at", label="Scheduled for", sort_key="scheduled_at"),
            DateColumn("finished_at", label="Finished", sort_key="finished_at"),
            DateColumn("created_at", label="Created", sort_key="created_at"),
        ]


class IssueCreateView(generic.CreateView):
    def save_instance(self):
        self.form.instance.created_by = self.request.user
        return super().save_instance()

    def get_success_url(self):
        return issue_url("edit", self.object)


def draft_actions(issue: Issue, user) -> list[HeaderButton]:
    buttons = [HeaderButton("Preview and test", url=issue_url("preview", issue), icon_name="view")]
    if user.has_perm("newsletters.change_issue"):
        buttons.append(
            HeaderButton("Send or schedule", url=issue_url("send", issue), icon_name="mail")
        )
    return buttons


class IssueEditView(generic.EditView):
    template_name = "newsletters/admin/issue_edit.html"

    def dispatch(self, request, *args, **kwargs):
        issue = get_object_or_404(Issue, pk=kwargs.get("pk"))
        if issue.status != IssueStatus.DRAFT:
            if request.method == "POST":
                messages.error(request, "This issue is no longer a draft; it cannot be changed.")
            return redirect(issue_url("progress", issue))
        return super().dispatch(request, *args, **kwargs)

    def get_success_url(self):
        return self.get_edit_url()

    @cached_property
    def header_buttons(self):
        return draft_actions(self.object, self.request.user)


class IssueDeleteView(generic.DeleteView):
    """Only drafts: a sent issue's deliveries are the record of who received what."""

    def get_object(self, queryset=None):
        issue = super().get_object(queryset)
        if issue.status != IssueStatus.DRAFT:
            raise PermissionDenied
        return issue


# --- issues: preview, test, send -------------------------------------------


class IssueMixin(PermissionCheckedMixin, WagtailAdminTemplateMixin):
    """An issue by pk, after the permission check (no probing which ids exist)."""

    model = Issue
    permission_required = "change"
    header_icon = "mail"
    drafts_only = False

    def dispatch(self, request, *args, pk, **kwargs):
        if not self.user_has_permission(self.permission_required):
            raise PermissionDenied
        self.issue = get_object_or_404(Issue.objects.select_related("newsletter"), pk=pk)
        if self.drafts_only and self.issue.status != IssueStatus.DRAFT:
            messages.warning(request, "This issue is no longer a draft.")
            return redirect(issue_url("progress", self.issue))
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.issue.subject

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(f"{ISSUES}:index"), "label": "Issues"},
            {"url": issue_home_url(self.issue), "label": self.issue.subject},
            {"url": "", "label": self.page_title},
        ]


class IssuePreviewView(IssueMixin, TemplateView):
    """The issue as HTML (in a sandboxed frame) and as text, and the test-send form."""

    permission_required = "view"
    page_title = "Preview"
    template_name = "newsletters/admin/issue_preview.html"

    def get_context_data(self, test_form=None, test_error="", **kwargs):
        from .rendering import preview

        context = super().get_context_data(**kwargs)
        rendered = preview(self.issue)
        context.update(
            issue=self.issue,
            rendered=rendered,
            html_url=issue_url("preview_html", self.issue),
            can_send=self.request.user.has_perm("newsletters.change_issue"),
            is_draft=self.issue.status == IssueStatus.DRAFT,
            test_form=test_form or TestSendForm(initial={"address": self.request.user.email or ""}),
            test_error=test_error,
        )
        return context

    @cached_property
    def header_buttons(self):
        if self.issue.status == IssueStatus.DRAFT:
            return [
                HeaderButton("Edit", url=issue_url("edit", self.issue), icon_name="edit"),
                *draft_actions(self.issue, self.request.user)[1:],
            ]
        return [
            HeaderButton("Progress", url=issue_url("progress", self.issue), icon_name="info-circle")
        ]

    def post(self, request, *args, **kwargs):
        """Send a test (to one address; the issue itself is not changed)."""
        from . import sending

        if not self.user_has_permission("change"):
            raise PermissionDenied
        form = TestSendForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(test_form=form), status=400)
        address = form.cleaned_data["address"]
        try:
            sending.send_test(self.issue, address)
        except sending.SendingError as error:  # the editor sees what the mail server said
            context = self.get_context_data(test_form=form, test_error=str(error))
            return self.render_to_response(context, status=502)
        messages.success(request, f"A test of “{self.issue.subject}” was sent to {address}.")
        return redirect(issue_url("preview", self.issue))


class IssuePreviewHtmlView(IssueMixin, View):
    """The HTML email alone, for the preview frame: its own locked-down policy."""

    permission_required = "view"

    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        return xframe_options_sameorigin(csp_override(PREVIEW_CSP)(view))

    def get(self, request, *args, **kwargs):
        from .rendering import preview

        response = HttpResponse(preview(self.issue).html, content_type="text/html; charset=utf-8")
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
        return response


class IssueSendView(IssueMixin, TemplateView):
    """Send now (after saying to how many) or schedule for later."""

    page_title = "Send"
    template_name = "newsletters/admin/issue_send.html"
    drafts_only = True

    def get_context_data(self, schedule_form=None, **kwargs):
        from .rendering import issue_articles

        context = super().get_context_data(**kwargs)
        context.update(
            issue=self.issue,
            recipients=recipient_count(self.issue.newsletter),
            article_count=len(issue_articles(self.issue)),
            schedule_form=schedule_form or ScheduleForm(),
            preview_url=issue_url("preview", self.issue),
        )
        return context

    def post(self, request, *args, **kwargs):
        from . import sending

        action = request.POST.get("action")
        if action == "send":
            try:
                sending.start_sending(self.issue, user=request.user)
            except sending.SendingError as refusal:
                messages.error(request, str(refusal))
                return redirect(issue_url("send", self.issue))
            messages.success(request, f"“{self.issue.subject}” is being sent.")
            return redirect(issue_url("progress", self.issue))
        if action == "schedule":
            form = ScheduleForm(request.POST)
            if not form.is_valid():
                return self.render_to_response(
                    self.get_context_data(schedule_form=form), status=400
                )
            when = form.cleaned_data["when"]
            try:
                sending.schedule(self.issue, when)
            except sending.SendingError as refusal:
                messages.error(request, str(refusal))
                return redirect(issue_url("send", self.issue))
            messages.success(request, f"“{self.issue.subject}” is scheduled.")
            return redirect(issue_url("progress", self.issue))
        return HttpResponse("Unknown action.", status=400)


class IssueUnscheduleView(IssueMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        from . import sending

        if self.issue.status != IssueStatus.SCHEDULED:
            messages.warning(request, "This issue is not scheduled.")
            return redirect(issue_home_url(self.issue))
        try:
            sending.unschedule(self.issue)
        except sending.SendingError as refusal:
            messages.error(request, str(refusal))
            return redirect(issue_url("progress", self.issue))
        messages.success(request, "The schedule is cancelled; the issue is a draft again.")
        return redirect(issue_url("edit", self.issue))


# --- issues: progress ------------------------------------------------------


class IssueProgressView(IssueMixin, TemplateView):
    permission_required = "view"
    page_title = "Progress"
    template_name = "newsletters/admin/issue_progress.html"

    def get_template_names(self):
        if self.request.GET.get("fragment"):
            return ["newsletters/admin/includes/progress.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        from . import sending

        context = super().get_context_data(**kwargs)
        numbers = sending.progress(self.issue)
        total = numbers["total"]
        context.update(
            issue=self.issue,
            progress=numbers,
            total=total,
            statuses=[
                (value, label, numbers.get(value, 0)) for value, label in DeliveryStatus.choices
            ],
            percent=numbers["percent"],
            sent_percent=int(100 * numbers[DeliveryStatus.SENT] / total) if total else 0,
            live=self.issue.status in (IssueStatus.SCHEDULED, IssueStatus.SENDING),
            can_send=self.request.user.has_perm("newsletters.change_issue"),
            retry_url=issue_url("retry", self.issue),
            # What the button will really resend: unsubscribed or bounced addresses are not.
            retryable=sending.retryable(self.issue).count() if numbers["failed"] else 0,
            unschedule_url=issue_url("unschedule", self.issue),
            preview_url=issue_url("preview", self.issue),
            fragment_url=issue_url("progress", self.issue) + "?fragment=1",
        )
        return context

    def get(self, request, *args, **kwargs):
        if self.issue.status == IssueStatus.DRAFT and not request.GET.get("fragment"):
            return redirect(issue_url("edit", self.issue))
        response = super().get(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response


class IssueRetryView(IssueMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        from . import sending

        if self.issue.status == IssueStatus.DRAFT:
            raise Http404
        count = sending.retry_failed(self.issue)
        if count:
            messages.success(
                request, f"{count:,} failed deliver{'y' if count == 1 else 'ies'} queued again."
            )
        else:
            messages.info(request, "No failed deliveries to retry.")
        return redirect(issue_url("progress", self.issue))
