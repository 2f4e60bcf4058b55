from django.urls import path

from . import admin_views

urlpatterns = [
    path("", admin_views.ReportView.as_view(), name="index"),
    path("export/", admin_views.ReportExportView.as_view(), name="export"),
]
