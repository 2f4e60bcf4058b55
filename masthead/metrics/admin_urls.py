from django.urls import path

from . import admin_views

app_name = "metrics_admin"

urlpatterns = [
    path("", admin_views.ReadershipDashboard.as_view(), name="dashboard"),
    path("articles/<int:article_id>/", admin_views.ArticleReadership.as_view(), name="article"),
]
