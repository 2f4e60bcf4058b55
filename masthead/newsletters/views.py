"""Newsletter signup, and the pages a confirmation, unsubscribe or manage link opens.

The subscribe view is csrf_exempt because the forms sit on cached pages that
carry no CSRF token; a browser that says another site started the request is
refused instead.  The mail-link pages are csrf_exempt because the signed token
in the URL is the authority, and a mail client's RFC 8058 one-click
unsubscribe POSTs with no CSRF token; opening any of them (GET) only shows a
page with a button, since mail scanners follow links.  Everything about one
person is private, no-store.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from masthead.api.problems import problem_response
from masthead.core.http import (
    client_ip,
    is_cross_site,
    signed_in_user,
    submitted_data,
    wants_json,
)

from . import subscriptions, tokens
from .forms import ChooseListsForm, SignupForm
from .models import Newsletter, Subscriber, SubscriptionStatus

uncached = cache_control(private=True, no_store=True)

CROSS_SITE = "Signups are accepted only from this site's own pages."
# The same words whether or not the address was on the lists before.
CHECK_INBOX = (
    "Thank you. Please check your inbox: unless this address is already subscribed, "
    "we have sent it a link to confirm your subscription."
)
BAD_LINK = (
    "This link is not valid, has expired, or was replaced by a later signup request. "
    "Please sign up again: we will send a new link."
)


def _lists_named(newsletters) -> str:
    names = [n.name for n in newsletters]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _picked(form) -> list[str]:
    if form is None:
        return []
    data = form.data
    picked = data.getlist("newsletters") if hasattr(data, "getlist") else data.get("newsletters")
    return [str(slug) for slug in picked] if isinstance(picked, list) else []


@require_safe
def signup_page(request: HttpRequest) -> HttpResponse:
    """Every open list with its description and frequency; the same for everyone, so cached."""
    return render(
        request,
        "newsletters/signup.html",
        {"newsletters": subscriptions.open_newsletters(), "hide_signup_sidebar": True},
    )


@csrf_exempt  # cached pages carry no CSRF token; cross-site posts are refused below
@uncached
@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    """The signup forms' target: JSON for the page's script, an HTML page without it."""
    as_json = wants_json(request)
    newsletters = list(subscriptions.open_newsletters())

    def answer(
        status: int, message: str, form=None, *, done=False, subscribed=False
    ) -> HttpResponse:
        if as_json:
            if status >= 400:
                errors = None
                if form is not None:
                    errors = [
                        {"loc": [field], "msg": str(error), "type": "value_error"}
                        for field, messages in form.errors.items()
                        for error in messages
                    ]
                return problem_response(status, message, errors=errors)
            return JsonResponse({"message": message, "subscribed": subscribed}, status=status)
        context = {
            "newsletters": newsletters,
            "form": form,
            "message": message,
            "done": done,
            "subscribed": subscribed,
            "error": status >= 400,
            "picked": _picked(form),
            "hide_signup_sidebar": True,
        }
        return render(request, "newsletters/signup.html", context, status=status)

    if is_cross_site(request):
        return answer(403, CROSS_SITE)
    if subscriptions.over_ip_limit(client_ip(request)):
        return answer(429, subscriptions.RATE_LIMITED)
    data = submitted_data(request)
    if data is None:
        return answer(400, "The request body is not a JSON object.")
    user = signed_in_user(request)
    form = SignupForm(data, newsletters=newsletters, signed_in=user is not None)
    if not form.is_valid():
        return answer(400, "Please correct the errors below.", form)
    email = form.cleaned_data["email"]
    if not email:
        try:
            email = subscriptions.normalise_email(user.email or "")
        except ValidationError:
            form.add_error("email", "Please give the email address to send the newsletters to.")
            return answer(400, "Please correct the errors below.", form)
    if subscriptions.over_email_limit(email):
        return answer(429, subscriptions.RATE_LIMITED)
    chosen = form.chosen()
    subscriptions.request_subscription(
        email=email,
        newsletters=chosen,
        source="form",
        ip=client_ip(request) or None,
        name=form.cleaned_data["name"],
        user=user,
    )
    # Only the account's own address may be told it is subscribed.
    if subscriptions.is_own_address(user, email):
        message = f"You are subscribed to {_lists_named(chosen)}."
        return answer(200, message, done=True, subscribed=True)
    return answer(200, CHECK_INBOX, done=True)


def _bad_link(request: HttpRequest) -> HttpResponse:
    return render(request, "newsletters/link_invalid.html", {"message": BAD_LINK}, status=400)


@csrf_exempt  # the signed token is the authority
@uncached
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with one "Confirm" button. POST: confirm."""
    rows = subscriptions.confirmation(token)
    if not rows:
        return _bad_link(request)
    if request.method == "POST":
        subscriptions.confirm(token)
        rows = subscriptions.confirmation(token)
    done = all(row.status == SubscriptionStatus.ACTIVE for row in rows)
    subscriber = rows[0].subscriber
    context = {
        "rows": rows,
        "subscriber": subscriber,
        "done": done,
        "manage_url": reverse("newsletters:manage", args=[tokens.manage_token(subscriber.pk)]),
    }
    return render(request, "newsletters/confirm.html", context)


@csrf_exempt  # RFC 8058 one-click: a mail client POSTs List-Unsubscribe=One-Click, no token
@uncached
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with an "Unsubscribe" button. POST (the button, or one-click): leave."""
    read = tokens.read_unsubscribe_token(token)
    if read is None:
        return _bad_link(request)
    subscriber_id, newsletter_id = read
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    newsletter = Newsletter.objects.filter(pk=newsletter_id).first()
    if request.method == "POST" and subscriber is not None:
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        subscriptions.unsubscribe(
            subscriber_id, newsletter_id, source="one-click" if one_click else "link"
        )
    row = None
    if subscriber is not None and newsletter is not None:
        row = subscriber.subscriptions.filter(newsletter=newsletter).first()
    subscribed = row is not None and row.status != SubscriptionStatus.UNSUBSCRIBED
    context = {
        "subscriber": subscriber,
        "newsletter": newsletter,
        "done": not subscribed,
        "manage_url": (
            reverse("newsletters:manage", args=[tokens.manage_token(subscriber.pk)])
            if subscriber is not None
            else ""
        ),
    }
    return render(request, "newsletters/unsubscribe.html", context)


def _choices(subscriber: Subscriber, form=None) -> list[dict]:
    rows = subscriptions.lists_of(subscriber)
    picked = set(form.data.getlist("newsletters")) if form is not None else None
    choices = []
    for newsletter in subscriptions.newsletters_for_choice(subscriber):
        row = rows.get(newsletter.pk)
        status = row.status if row is not None else ""
        checked = (
            newsletter.slug in picked if picked is not None else status == SubscriptionStatus.ACTIVE
        )
        choices.append({"newsletter": newsletter, "checked": checked, "status": status})
    return choices


@csrf_exempt  # the signed token is the authority
@uncached
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    """Choose an address's lists: the link proves the address, so a chosen list is confirmed."""
    subscriber_id = tokens.read_manage_token(token)
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first() if subscriber_id else None
    if subscriber is None:
        return _bad_link(request)
    offered = subscriptions.newsletters_for_choice(subscriber)
    form = None
    if request.method == "POST":
        form = ChooseListsForm(request.POST, newsletters=offered)
        if form.is_valid():
            subscriptions.set_lists(
                subscriber=subscriber,
                newsletters=form.chosen(),
                source="manage",
                ip=client_ip(request) or None,
            )
            # Post/redirect/get: reloading the page must not post again.
            url = reverse("newsletters:manage", args=[token])
            return HttpResponseRedirect(f"{url}?saved=1", status=303)
    context = {
        "subscriber": subscriber,
        "choices": _choices(subscriber, form),
        "form": form,
        "saved": request.GET.get("saved") == "1" and form is None,
    }
    return render(request, "newsletters/manage.html", context, status=400 if form else 200)


def _reader_page() -> str:
    try:
        return reverse("readers:account")
    except NoReverseMatch:
        return "/reader/"


@login_required
@uncached
@require_POST
def reader_lists(request: HttpRequest) -> HttpResponse:
    """The newsletter checkboxes of the reader's page: the signed-in address is proven."""
    subscriber = subscriptions.subscriber_of(request.user)
    form = ChooseListsForm(
        request.POST, newsletters=subscriptions.newsletters_for_choice(subscriber)
    )
    if not form.is_valid() or not request.user.email:
        return render(
            request,
            "newsletters/link_invalid.html",
            {"message": "Please choose among the newsletters shown on your page."},
            status=400,
        )
    subscriptions.set_reader_lists(
        user=request.user, newsletters=form.chosen(), ip=client_ip(request) or None
    )
    messages.success(request, "Your newsletter choices are saved.")
    return HttpResponseRedirect(f"{_reader_page()}#section-newsletters", status=303)
