"""The editors' side of discussion: the moderation queue, a comment in context, and the
small POST views behind its buttons.  Every decision goes through services."""

from django import forms
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponseBadRequest
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn, Column, DateColumn, TitleColumn
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from . import selectors, services
from .admin_filters import (
    ALL_STATUSES,
    SEARCH_FIELDS,
    STATUS_CHOICES,
    CommentFilterSet,
    apply_filters,
    queue_data,
    queue_queryset,
)
from .models import Comment, CommentStatus, DiscussionSettings
from .text import has_control_characters, normalise_body

MODERATE_PERMISSION = "discussion.change_comment"
DELETE_PERMISSION = "discussion.delete_comment"
QUEUE_URL = "discussion_comments:index"
DETAIL_URL = "discussion_comments:detail"
ACTION_STATUS = {
    "approve": CommentStatus.APPROVED,
    "spam": CommentStatus.SPAM,
    "trash": CommentStatus.TRASH,
    "pending": CommentStatus.PENDING,
}
DETAIL_ACTIONS = [
    ("approve", "Approve"),
    ("spam", "Mark as spam"),
    ("trash", "Move to trash"),
    ("pending", "Back to pending"),
]
# What the row and detail buttons may do by POST; deleting goes through a confirmation.
QUICK_ACTIONS = {
    "approve": "approved",
    "spam": "marked as spam",
    "trash": "moved to the trash",
    "pending": "sent back to the pending queue",
}


def can_moderate(user) -> bool:
    return user.is_active and user.has_perm(MODERATE_PERMISSION)


def excerpt(comment: Comment) -> str:
    """The comment as one line of plain text (the template escapes it)."""
    return Truncator(" ".join(comment.body.split())).chars(140)


def detail_url(comment: Comment) -> str:
    return reverse(DETAIL_URL, args=(quote(comment.pk),))


def delete_url(comment: Comment, *, next_url: str) -> str:
    """Wagtail's bulk delete confirmation, for one comment."""
    url = reverse("wagtail_bulk_action", args=("discussion", "comment", "delete"))
    return f"{url}?{urlencode({'id': comment.pk, 'next': next_url})}"


def queue_url(**params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse(QUEUE_URL) + (f"?{query}" if query else "")


class CommenterColumn(Column):
    cell_template_name = "discussion/admin/cells/commenter.html"


class ArticleColumn(Column):
    cell_template_name = "discussion/admin/cells/article.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        article = instance.article
        context["article_url"] = article.get_url(parent_context.get("request"))
        context["filter_url"] = queue_url(article=article.pk, status=ALL_STATUSES)
        return context


class VotesColumn(Column):
    cell_template_name = "discussion/admin/cells/votes.html"


class ActionsColumn(Column):
    """Approve / spam / trash as plain POST forms, so they work without JavaScript."""

    cell_template_name = "discussion/admin/cells/actions.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        request = parent_context["request"]
        context["csrf_token"] = get_token(request)
        context["moderate_url"] = reverse(
            "discussion_comments:moderate", args=(quote(instance.pk),)
        )
        context["next_url"] = parent_context["table"].next_url
        context["can_delete"] = request.user.has_perm(DELETE_PERMISSION)
        context["delete_url"] = delete_url(instance, next_url=context["next_url"])
        return context


class CommentIndexView(generic.IndexView):
    model = Comment
    permission_required = "change"
    any_permission_required = None
    template_name = "discussion/admin/index.html"
    results_template_name = "discussion/admin/index_results.html"
    page_title = "Comments"
    header_icon = "comment"
    default_ordering = "-created_at"
    search_fields = SEARCH_FIELDS
    filterset_class = CommentFilterSet
    paginate_by = 50
    table_classname = "listing discussion-queue"

    def get_base_queryset(self):
        return Comment.objects.select_related("article")

    def get_filterset_kwargs(self):
        return {**super().get_filterset_kwargs(), "data": queue_data(self.request.GET)}

    def filter_queryset(self, queryset):
        return apply_filters(self.filters, queryset) if self.filters else queryset

    @cached_property
    def columns(self):
        return [
            BulkActionsCheckboxColumn("bulk_actions", obj_type="comment"),
            TitleColumn(
                "body",
                label="Comment",
                accessor=excerpt,
                get_url=detail_url,
                get_title_id=lambda comment: f"comment_{comment.pk}_title",
                classname="discussion-excerpt",
                width="28%",
            ),
            CommenterColumn("commenter", label="Commenter", sort_key="author_name", width="18%"),
            ArticleColumn("article", label="Article", width="14%"),
            Column("status", label="Status", accessor="get_status_display", sort_key="status"),
            Column("held_because", label="Held because", width="12%"),
            DateColumn("created_at", label="Posted", sort_key="created_at"),
            VotesColumn("score", label="Votes", sort_key="score"),
            ActionsColumn("actions", label="Actions"),
        ]

    def get_table(self, object_list):
        table = super().get_table(object_list)
        query = self.request.GET.copy()
        query.pop("_w_filter_fragment", None)
        # Buttons in rows come back to the listing as the editor left it, filters and page.
        table.next_url = self.index_url + (f"?{query.urlencode()}" if query else "")
        return table

    def status_tabs(self):
        """One link per status with its count under the other filters, for the tab strip."""
        everything = self.request.GET.copy()
        everything["status"] = ALL_STATUSES
        counts = dict(
            queue_queryset(everything, request=self.request)
            .order_by()
            .values_list("status")
            .annotate(n=Count("pk"))
        )
        current = self.filters.form.cleaned_data.get("status") if self.filters else None
        tabs = []
        for value, label in STATUS_CHOICES:
            query = self.request.GET.copy()
            for key in ("status", "p", "_w_filter_fragment"):
                query.pop(key, None)
            query["status"] = value
            count = sum(counts.values()) if value == ALL_STATUSES else counts.get(value, 0)
            tabs.append(
                {
                    "label": label,
                    "count": count,
                    "url": f"{self.index_url}?{query.urlencode()}",
                    "current": value == current,
                }
            )
        return tabs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["status_tabs"] = self.status_tabs()
        return context


class StaffReplyForm(forms.Form):
    body = forms.CharField(
        label="Reply as staff",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        help_text="Published at once under your name, marked Staff.",
        error_messages={"required": "Write a reply first."},
    )

    def clean_body(self):
        body = normalise_body(self.cleaned_data["body"])
        if not body:
            raise forms.ValidationError("Write a reply first.")
        if has_control_characters(body):
            raise forms.ValidationError("The reply contains characters that cannot be shown.")
        return body


class ModeratorMixin(PermissionCheckedMixin):
    model = Comment
    permission_required = "change"

    def dispatch(self, request, *args, pk: int, **kwargs):
        # Permission before lookup: no probing which comment ids exist.
        if not self.user_has_permission(self.permission_required):
            raise PermissionDenied
        self.comment = get_object_or_404(Comment.objects.select_related("article"), pk=pk)
        return super().dispatch(request, *args, **kwargs)

    def back(self):
        return redirect(get_valid_next_url_from_request(self.request) or detail_url(self.comment))


class CommentDetailView(ModeratorMixin, WagtailAdminTemplateMixin, TemplateView):
    """A comment in context; POST is the "Reply as staff" form."""

    template_name = "discussion/admin/detail.html"
    header_icon = "comment"
    page_title = "Comment"

    def get_page_subtitle(self):
        return f"by {self.comment.author_name}"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(QUEUE_URL), "label": "Comments"},
            {"url": "", "label": f"Comment by {self.comment.author_name}"},
        ]

    def get_context_data(self, reply_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        comment = self.comment
        surroundings = selectors.comment_context(comment)
        article_url = comment.article.get_url(self.request) or ""
        context.update(
            comment=comment,
            article=comment.article,
            ancestors=surroundings["ancestors"],
            replies=surroundings["replies"],
            others_by_author=[
                {
                    "status": CommentStatus(row["status"]).label,
                    "count": row["n"],
                    "url": queue_url(commenter=comment.author_email, status=row["status"]),
                }
                for row in surroundings["earlier_by_author"]
            ],
            public_url=f"{article_url}#{comment.anchor}" if article_url else "",
            article_queue_url=queue_url(article=comment.article_id, status=ALL_STATUSES),
            moderate_url=reverse("discussion_comments:moderate", args=(comment.pk,)),
            pin_url=reverse("discussion_comments:pin", args=(comment.pk,)),
            actions=[
                (action, label)
                for action, label in DETAIL_ACTIONS
                if ACTION_STATUS[action] != comment.status
            ],
            can_reply=comment.status in (CommentStatus.APPROVED, CommentStatus.PENDING),
            reply_form=reply_form or StaffReplyForm(),
            can_delete=self.request.user.has_perm(DELETE_PERMISSION),
            delete_url=delete_url(comment, next_url=reverse(QUEUE_URL)),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = StaffReplyForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(reply_form=form), status=400)
        if self.comment.status not in (CommentStatus.APPROVED, CommentStatus.PENDING):
            messages.error(request, "Comments in spam or trash cannot be answered.")
            return redirect(detail_url(self.comment))
        rules = DiscussionSettings.for_request(request)
        try:
            with transaction.atomic():
                if self.comment.status == CommentStatus.PENDING:
                    # Answering a held comment publishes it: a reply under a hidden
                    # comment would stay hidden too.
                    services.moderate(comment_ids=[self.comment.pk], action="approve")
                    self.comment.refresh_from_db()
                reply = services.reply_as_staff(
                    parent=self.comment,
                    user=request.user,
                    body=form.cleaned_data["body"],
                    rules=rules,
                )
        except services.CommentRefused as refusal:
            messages.error(request, refusal.message)
            return redirect(detail_url(self.comment))
        messages.success(request, "Your reply is published.")
        return redirect(detail_url(reply))


class ModerateView(ModeratorMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action", "")
        if action not in QUICK_ACTIONS:
            return HttpResponseBadRequest("Unknown moderation action.")
        if services.moderate(comment_ids=[self.comment.pk], action=action):
            name = self.comment.author_name
            messages.success(request, f"Comment by {name} {QUICK_ACTIONS[action]}.")
        return self.back()


class PinView(ModeratorMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        pinned = request.POST.get("pinned") == "1"
        try:
            services.set_pinned(comment=self.comment, pinned=pinned)
        except services.CommentRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, "Comment pinned." if pinned else "Comment unpinned.")
        return self.back()
