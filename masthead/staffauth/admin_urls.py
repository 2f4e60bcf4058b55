from django.urls import path

from . import views

app_name = "staffauth"
urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("setup/", views.SetupView.as_view(), name="setup"),
    path("verify/", views.VerifyView.as_view(), name="verify"),
    path("disable/", views.DisableView.as_view(), name="disable"),
    path("backup-codes/", views.BackupCodesView.as_view(), name="backup_codes"),
]
