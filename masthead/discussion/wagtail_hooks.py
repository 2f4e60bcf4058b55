from wagtail import hooks

from .admin_views import can_moderate
from .bulk_actions import ACTIONS
from .panels import CommentsPanel
from .viewsets import CommentViewSet


@hooks.register("register_admin_viewset")
def register_comment_viewset():
    return CommentViewSet()


for action in ACTIONS:
    hooks.register("register_bulk_action", action)


@hooks.register("construct_homepage_panels")
def add_comments_panel(request, panels):
    if can_moderate(request.user):
        panels.append(CommentsPanel())
