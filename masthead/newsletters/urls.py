from django.urls import include, path

from . import views

app_name = "newsletters"

urlpatterns = [
    path("", views.signup_page, name="signup"),
    path("subscribe/", views.subscribe, name="subscribe"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("manage/<str:token>/", views.manage, name="manage"),
    path("reader/lists/", views.reader_lists, name="reader_lists"),
    path("", include("masthead.newsletters.web_urls")),
]
