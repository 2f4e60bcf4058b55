"""The web version of sent issues: an archive per newsletter and each issue as it was sent.

Public and the same for everyone, so the shared page cache serves them; only
sent issues exist here (a draft or a scheduled issue is a 404).
"""

from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from . import rendering
from .models import Issue, IssueStatus, Newsletter

ARCHIVE_SIZE = 100


@require_safe
def archive(request, slug):
    newsletter = get_object_or_404(Newsletter, slug=slug)
    issues = (
        Issue.objects.filter(newsletter=newsletter, status=IssueStatus.SENT)
        .only("pk", "subject", "preheader", "started_at", "finished_at", "newsletter_id")
        .order_by("-started_at", "-pk")[:ARCHIVE_SIZE]
    )
    return TemplateResponse(
        request,
        "newsletters/web/archive.html",
        {"newsletter": newsletter, "issues": issues, "signup_url": _signup(newsletter)},
    )


@require_safe
def issue(request, slug, issue_id):
    sent = get_object_or_404(
        Issue.objects.select_related("newsletter"),
        pk=issue_id,
        newsletter__slug=slug,
        status=IssueStatus.SENT,
    )
    return TemplateResponse(
        request,
        "newsletters/web/issue.html",
        {
            "newsletter": sent.newsletter,
            "issue": sent,
            # The frozen mail, written by our own template: safe to show as HTML.
            "content": mark_safe(rendering.web_content(sent)),  # noqa: S308
            "signup_url": rendering.signup_url(sent),
        },
    )


def _signup(newsletter) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("newsletters:signup")
    except NoReverseMatch:
        return ""
