from django.urls import path, re_path

from . import beacons, views

app_name = "ads"

urlpatterns = [
    path("slots.json", views.slots, name="slots"),
    path("frame/<int:creative_id>/", views.frame, name="frame"),
    path("i/", beacons.impression, name="impression"),
    re_path(r"^c/(?P<token>[A-Za-z0-9_:.-]{1,200})/$", beacons.click, name="click"),
]
