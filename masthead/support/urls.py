from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("", views.support_page, name="page"),
    path("checkout/", views.checkout, name="checkout"),
    path("thanks/<uuid:public_id>/", views.thanks, name="thanks"),
    path("thanks/<uuid:public_id>/status.json", views.status, name="status"),
    path("offline/<uuid:public_id>/", views.offline, name="offline"),
    path("webhooks/<str:name>/", views.webhook, name="webhook"),
    path("membership/", views.membership_links, name="membership_links"),
    path("membership/<str:token>/", views.membership, name="membership"),
]
