"""Bulk approve, spam, trash and delete in the moderation queue, each through
services.moderate after a confirmation page that lists the comments."""

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.text import capfirst
from wagtail.admin.views.bulk_action import BulkAction

from . import services
from .admin_filters import queue_queryset
from .admin_views import DELETE_PERMISSION, MODERATE_PERMISSION, detail_url, excerpt
from .models import Comment


class CommentBulkAction(BulkAction):
    models = [Comment]
    template_name = "discussion/admin/bulk_confirm.html"
    permission = MODERATE_PERMISSION
    moderation_action = ""  # the services.moderate action
    done = ""  # "approved", as in "3 comments approved."
    question = ""  # the confirmation page's question
    button_label = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @classmethod
    def get_queryset(cls, model, object_ids):
        # Ids come from the query string: anything but digits is ignored rather than a 500.
        ids = [value for value in object_ids if str(value).isdigit()]
        return list(model.objects.filter(pk__in=ids).select_related("article"))

    def get_all_objects_in_listing_query(self, parent_id):
        # "Select all in listing" sends the listing's own query: the same filters apply.
        return queue_queryset(self.request.GET, request=self.request).values_list("pk", flat=True)

    def object_context(self, obj):
        return {"item": obj, "excerpt": excerpt(obj), "detail_url": detail_url(obj)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            header_icon="comment",
            action_title=capfirst(self.display_name),
            question=self.question,
            button_label=self.button_label,
            serious="serious" in self.classes,
            queue_url=reverse("discussion_comments:index"),
        )
        return context

    def get_execution_context(self):
        return {"action": self.moderation_action}

    @classmethod
    def execute_action(cls, objects, action="", **kwargs):
        changed = services.moderate(comment_ids=[obj.pk for obj in objects], action=action)
        return changed, 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        noun = "comment" if num_parent_objects == 1 else "comments"
        return f"{num_parent_objects} {noun} {self.done}."


class ApproveBulkAction(CommentBulkAction):
    display_name = "Approve"
    action_type = "approve"
    aria_label = "Approve the selected comments"
    action_priority = 10
    moderation_action = "approve"
    done = "approved"
    question = "Publish these comments on their articles?"
    button_label = "Yes, approve"


class SpamBulkAction(CommentBulkAction):
    display_name = "Mark as spam"
    action_type = "spam"
    aria_label = "Mark the selected comments as spam"
    action_priority = 20
    moderation_action = "spam"
    done = "marked as spam"
    question = "Mark these comments as spam? They disappear from the articles."
    button_label = "Yes, mark as spam"


class TrashBulkAction(CommentBulkAction):
    display_name = "Move to trash"
    action_type = "trash"
    aria_label = "Move the selected comments to the trash"
    action_priority = 30
    moderation_action = "trash"
    done = "moved to the trash"
    question = "Move these comments to the trash? They disappear from the articles."
    button_label = "Yes, move to trash"


class DeleteBulkAction(CommentBulkAction):
    display_name = "Delete permanently"
    action_type = "delete"
    aria_label = "Delete the selected comments permanently"
    action_priority = 40
    classes = {"serious"}
    permission = DELETE_PERMISSION
    moderation_action = "delete"
    done = "deleted"
    question = (
        "Delete these comments permanently? Their replies, votes and notification "
        "records are deleted with them. This cannot be undone."
    )
    button_label = "Yes, delete permanently"


ACTIONS = [ApproveBulkAction, SpamBulkAction, TrashBulkAction, DeleteBulkAction]
