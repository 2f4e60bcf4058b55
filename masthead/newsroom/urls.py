from django.urls import path

from . import views

app_name = "newsroom"

urlpatterns = [
    path("authors/<slug:slug>/", views.author_detail, name="author"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag"),
    path("search/", views.search, name="search"),
]
