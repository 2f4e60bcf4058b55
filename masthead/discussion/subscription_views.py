"""Pages for subscriptions to new comments (work in progress)."""

from django.http import HttpResponse


def subscribe(request, article_id: int):
    return HttpResponse(status=501)


def confirm(request, token: str):
    return HttpResponse(status=501)


def unsubscribe(request, token: str):
    return HttpResponse(status=501)


def manage(request, token: str):
    return HttpResponse(status=501)
