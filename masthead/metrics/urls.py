from django.urls import path, re_path

from . import views

app_name = "metrics"

urlpatterns = [
    path("metrics/view/", views.beacon, name="beacon"),
    re_path(r"^metrics/view/(?P<article_id>[^/]{1,40})\.gif$", views.pixel, name="pixel"),
    path("metrics/counts", views.counts, name="counts"),
]
