"""Subscribe without commenting, confirm, unsubscribe and manage: under /discussion/."""

from django.urls import path

from . import subscription_views as views

urlpatterns = [
    path("articles/<int:article_id>/subscribe/", views.subscribe, name="subscribe"),
    path("subscriptions/confirm/<str:token>/", views.confirm, name="confirm"),
    path("subscriptions/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("subscriptions/manage/<str:token>/", views.manage, name="manage"),
]
