from django.http import HttpResponseNotFound, HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token


def page_not_found(request, exception=None):
    template = loader.get_template("404.html")
    return HttpResponseNotFound(template.render({"request_path": request.path}, request))


@requires_csrf_token
def server_error(request):
    # Rendered without the request context on purpose: whatever failed may be
    # in a context processor or the database, and this page must still render.
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({}))
