"""Comments over HTTP, under /discussion/: the thread, posting, votes, edits, subscriptions."""

from django.urls import include, path

from . import views

app_name = "discussion"

urlpatterns = [
    # GET: one page of the thread (standalone, or ?partial=1 for discussion.js); POST: a comment.
    path("articles/<int:article_id>/comments/", views.comments, name="comments"),
    path("articles/<int:article_id>/token/", views.form_token, name="token"),
    path("articles/<int:article_id>/votes.json", views.vote_counts, name="votes"),
    path("comments/<int:comment_id>/vote/", views.vote, name="vote"),
    path("comments/<int:comment_id>/edit/", views.edit, name="edit"),
    path("", include("masthead.discussion.subscription_urls")),
]
