from django.urls import path

from . import admin_views

app_name = admin_views.NAMESPACE

urlpatterns = [
    path("", admin_views.ImportView.as_view(), name="index"),
    path("<int:pk>/", admin_views.JobView.as_view(), name="job"),
    path("<int:pk>/report.json", admin_views.JobReportView.as_view(), name="report"),
    path("<int:pk>/run/", admin_views.RunForRealView.as_view(), name="run"),
]
