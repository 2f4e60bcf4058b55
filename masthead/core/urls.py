from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("reader/state.json", views.reader_state, name="reader_state"),
]
