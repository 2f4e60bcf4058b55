"""The web version of sent issues, included from urls.py under /newsletters/archive/."""

from django.urls import path

from . import web_views

urlpatterns = [
    path("archive/<slug:slug>/", web_views.archive, name="web_archive"),
    path("archive/<slug:slug>/<int:issue_id>/", web_views.issue, name="web_issue"),
]
