from django.urls import path

from . import views

app_name = "readers"

# /reader/state.json is served by masthead.core (it must answer without a session).
urlpatterns = [
    path("", views.account, name="account"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/<str:token>/", views.sign_in_link, name="sign_in_link"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("picture/", views.avatar, name="avatar"),
    path("email/", views.email_change, name="email"),
    path("email/confirm/<str:token>/", views.email_confirm, name="email_confirm"),
    path("email/verify/<str:token>/", views.email_verify, name="email_verify"),
    path("export/", views.export, name="export"),
    path("delete/", views.delete, name="delete"),
    path("section/<slug:key>/", views.section, name="section"),
]
