"""The dashboard's newsletters panel: subscribers per list and the latest issue's progress."""

from django.db.models import Count, Q
from django.urls import reverse
from wagtail.admin.ui.components import Component

from .models import Issue, IssueStatus, Newsletter, SubscriberStatus, SubscriptionStatus


def can_see_newsletters(user) -> bool:
    return user.is_active and (
        user.has_perm("newsletters.view_issue") or user.has_perm("newsletters.change_issue")
    )


class NewslettersPanel(Component):
    name = "newsletters"
    template_name = "newsletters/admin/dashboard_panel.html"
    order = 95

    class Media:
        css = {"all": ["newsletters/admin/admin.css"]}

    def get_context_data(self, parent_context=None):
        from . import sending

        active = Q(
            subscriptions__status=SubscriptionStatus.ACTIVE,
            subscriptions__subscriber__status=SubscriberStatus.ACTIVE,
        )
        lists = Newsletter.objects.annotate(
            active_count=Count("subscriptions", filter=active),
            pending_count=Count(
                "subscriptions", filter=Q(subscriptions__status=SubscriptionStatus.PENDING)
            ),
        )
        latest = (
            Issue.objects.exclude(status=IssueStatus.DRAFT)
            .select_related("newsletter")
            .order_by("-started_at", "-created_at")
            .first()
        )
        return {
            "lists": lists,
            "latest": latest,
            "progress": sending.progress(latest) if latest else None,
            "latest_url": reverse("newsletter_issues:progress", args=(latest.pk,))
            if latest
            else "",
            "issues_url": reverse("newsletter_issues:index"),
        }
