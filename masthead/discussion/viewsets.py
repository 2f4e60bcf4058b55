"""The moderation queue as a Wagtail model viewset: a listing and a comment's own page,
no add or edit forms (readers write comments; editors only decide on them)."""

from django.urls import path
from django.utils.functional import cached_property
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSet

from . import admin_views, selectors
from .models import Comment


class CommentsMenuItem(MenuItem):
    """ "Comments", with the number waiting for a decision when there are any."""

    def is_shown(self, request):
        return admin_views.can_moderate(request.user)

    def render_component(self, request):
        component = super().render_component(request)
        pending = selectors.pending_count()
        if pending:
            component.label = f"{self.label} ({pending:,})"
        return component


class CommentViewSet(ModelViewSet):
    model = Comment
    name = "discussion_comments"
    url_prefix = "comments"
    icon = "comment"
    menu_label = "Comments"
    menu_name = "comments"
    menu_order = 210
    add_to_admin_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    index_view_class = admin_views.CommentIndexView
    menu_item_class = CommentsMenuItem

    def get_index_view_kwargs(self, **kwargs):
        # The generic listing links to add / edit / delete views this viewset does not have.
        return super().get_index_view_kwargs(
            add_url_name=None,
            edit_url_name=None,
            delete_url_name=None,
            copy_url_name=None,
            inspect_url_name=None,
            **kwargs,
        )

    @cached_property
    def url_finder_class(self):
        from wagtail.admin.admin_url_finder import ModelAdminURLFinder

        # Wagtail's "edit this object" links (the history log, search) open the comment's page.
        return type(
            "CommentAdminURLFinder",
            (ModelAdminURLFinder,),
            {"edit_url_name": self.get_url_name("detail")},
        )

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("<int:pk>/", admin_views.CommentDetailView.as_view(), name="detail"),
            path("<int:pk>/moderate/", admin_views.ModerateView.as_view(), name="moderate"),
            path("<int:pk>/pin/", admin_views.PinView.as_view(), name="pin"),
        ]
