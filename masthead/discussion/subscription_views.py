"""Subscribe without commenting; confirm, leave and manage subscriptions from a mail's links.

The mail pages are csrf_exempt on purpose: the signed token in the URL is the
authority (whoever can read the mail may act on it), and a mail client's
RFC 8058 one-click unsubscribe POSTs with no CSRF token.  Opening any link
(GET) only shows a page with a button, because mail scanners follow links.
None of these pages may be cached: they are about one person's address.
"""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from masthead.api.problems import problem_response
from masthead.core.http import (
    client_ip,
    is_cross_site,
    signed_in_user,
    submitted_data,
    wants_json,
)

from . import services, subscriptions
from .forms import SubscribeForm
from .models import DiscussionSettings

uncached = cache_control(private=True, no_store=True)

RATE_LIMITED = "You have asked for several subscriptions in a short time. Please try again later."
CLOSED = "Comments are closed on this article, so there is nothing to subscribe to."
GUEST_MESSAGE = (
    "Thank you. Please check your inbox: unless this address is already subscribed, "
    "we have sent it a link to confirm your subscription."
)
CONFIRMED_MESSAGE = "You are subscribed. We will email you about new comments."


@csrf_exempt  # cached article pages carry no CSRF token; cross-site posts are refused below
@uncached
@require_POST
def subscribe(request: HttpRequest, article_id: int) -> HttpResponse:
    """The standalone "Subscribe" form: email and kind, without writing a comment."""
    from masthead.newsroom.models import ArticlePage

    as_json = wants_json(request)
    article = ArticlePage.objects.live().filter(pk=article_id).first()

    def refuse(status: int, message: str, form=None) -> HttpResponse:
        if as_json:
            errors = None
            if form is not None:
                errors = [
                    {"loc": [field], "msg": str(error), "type": "value_error"}
                    for field, messages in form.errors.items()
                    for error in messages
                ]
            return problem_response(status, message, errors=errors)
        context = {"article": article, "form": form, "error": message}
        return render(request, "discussion/subscriptions/subscribe.html", context, status=status)

    if is_cross_site(request):
        return refuse(403, "Subscriptions are accepted only from this site's own pages.")
    if article is None:
        return refuse(404, "There is no such article.")
    if not services.comments_open(article=article, rules=DiscussionSettings.for_request(request)):
        return refuse(403, CLOSED)
    if subscriptions.over_ip_limit(client_ip(request)):
        return refuse(429, RATE_LIMITED)
    user = signed_in_user(request)
    data = submitted_data(request)
    if data is None:
        return refuse(400, "The request body is not a JSON object.")
    form = SubscribeForm(data, signed_in=user is not None)
    if not form.is_valid():
        return refuse(400, "Please correct the errors below.", form)
    email = form.cleaned_data["email"] or (user.email if user else "")
    if not email:
        form.add_error("email", "Please give the email address to notify.")
        return refuse(400, "Please correct the errors below.", form)
    subscription = subscriptions.subscribe(
        article=article, email=email, kind=form.cleaned_data["kind"], user=user
    )
    # Only the account's own address may be told it is subscribed; for any other
    # address the answer is the same whether or not it was subscribed before.
    own_address = user is not None and (user.email or "").lower() == subscription.email
    confirmed = own_address and subscription.is_confirmed
    message = CONFIRMED_MESSAGE if confirmed else GUEST_MESSAGE
    if as_json:
        return JsonResponse({"message": message})
    return render(
        request,
        "discussion/subscriptions/subscribe.html",
        {"article": article, "message": message, "done": True, "confirmed": confirmed},
    )


def _bad_link(request: HttpRequest, error: subscriptions.BadToken) -> HttpResponse:
    return render(
        request,
        "discussion/subscriptions/invalid.html",
        {"message": error.message, "expired": error.expired},
        status=400,
    )


@csrf_exempt  # the signed token is the authority
@uncached
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with a "Confirm" button. POST: confirm."""
    try:
        if request.method == "POST":
            subscription = subscriptions.confirm(token)
            done = True
        else:
            subscription = subscriptions.pending_confirmation(token)
            done = subscription.is_confirmed
    except subscriptions.BadToken as error:
        return _bad_link(request, error)
    context = {
        "subscription": subscription,
        "done": done,
        "manage_url": reverse(
            "discussion:manage", args=[subscriptions.manage_token(subscription.email)]
        ),
    }
    return render(request, "discussion/subscriptions/confirm.html", context)


@csrf_exempt  # RFC 8058 one-click: a mail client POSTs List-Unsubscribe=One-Click, no token
@uncached
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with an "Unsubscribe" button. POST (the button, or one-click): leave."""
    try:
        if request.method == "POST":
            subscription = subscriptions.unsubscribe(token)
            done = True
        else:
            subscription = subscriptions.subscription_to_leave(token)
            done = subscription is None
    except subscriptions.BadToken as error:
        return _bad_link(request, error)
    context = {"subscription": subscription, "done": done}
    return render(request, "discussion/subscriptions/unsubscribe.html", context)


@csrf_exempt  # the signed token is the authority
@uncached
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    """Every subscription of one address, each with a remove button, and "remove all"."""
    try:
        email = subscriptions.read_manage_token(token)
    except subscriptions.BadToken as error:
        return _bad_link(request, error)
    if request.method == "POST":
        choice = request.POST.get("remove", "")
        if choice == "all":
            removed = subscriptions.remove_for_address(email=email)
        elif choice.isdigit() and len(choice) < 19:
            removed = subscriptions.remove_for_address(email=email, subscription_id=int(choice))
        else:
            return render(
                request,
                "discussion/subscriptions/invalid.html",
                {"message": "Please choose a subscription to remove.", "expired": False},
                status=400,
            )
        # Post/redirect/get: reloading the list must not post again.
        url = reverse("discussion:manage", args=[token])
        return HttpResponseRedirect(f"{url}?removed={removed}", status=303)
    removed = request.GET.get("removed", "")
    context = {
        "listing": subscriptions.subscriptions_of(email),
        "removed": int(removed) if removed.isdigit() and len(removed) < 6 else None,
    }
    return render(request, "discussion/subscriptions/manage.html", context)
