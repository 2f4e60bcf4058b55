"""Reader accounts on the site: sign in by mail, the reader's page, export, deletion.

Every page here is about one person: private, never stored by any cache.
Links from mail open a page with one button (mail scanners follow links);
only the POST acts.
"""

import json
from functools import wraps

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_POST

from masthead.core.http import client_ip
from masthead.discussion.avatars import initials_avatar

from . import registry, services, tokens
from .forms import AvatarForm, DeleteAccountForm, DisplayNameForm, EmailChangeForm, SignInForm
from .redirects import safe_next

uncached = cache_control(private=True, no_store=True)

TOKEN_STATUS = {"invalid": 400, "expired": 410, "used": 410}


def reader_required(view):
    """A signed-in reader; anyone else goes to sign in, staff to the admin's own pages."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("readers:sign_in"))
        if services.is_staff_account(request.user):
            return render(request, "readers/staff.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _bad_link(request: HttpRequest, error: tokens.BadToken, *, kind: str) -> HttpResponse:
    return render(
        request,
        "readers/bad_link.html",
        {"message": error.message, "reason": error.reason, "kind": kind},
        status=TOKEN_STATUS[error.reason],
    )


# --- signing in and out ------------------------------------------------------------


@uncached
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        next_path = safe_next(request, request.GET.get("next"), default="")
        form = SignInForm(initial={"next": next_path})
        return render(request, "readers/sign_in.html", {"form": form})
    form = SignInForm(request.POST)
    if not form.is_valid():
        return render(request, "readers/sign_in.html", {"form": form}, status=400)
    email = form.cleaned_data["email"]
    if services.over_sign_in_limit(email=email, ip=client_ip(request)):
        response = render(request, "readers/rate_limited.html", status=429)
        response["Retry-After"] = "900"
        return response
    next_path = safe_next(request, form.cleaned_data.get("next"), default="")
    services.request_sign_in(email=email, next_path=next_path)
    return render(request, "readers/check_inbox.html")


@uncached
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method != "POST":
            tokens.read_sign_in_token(token)
            return render(request, "readers/sign_in_link.html")
        user, next_path = services.sign_in(request, token)
    except tokens.BadToken as error:
        return _bad_link(request, error, kind="sign_in")
    except services.SignInRefused as error:
        return render(request, "readers/refused.html", {"message": error.message}, status=403)
    return HttpResponseRedirect(safe_next(request, next_path))


@uncached
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return render(request, "readers/signed_out.html")


# --- the reader's page ----------------------------------------------------------------


def _sections(request: HttpRequest, user) -> list[dict]:
    sections = []
    for provider in registry.providers():
        if not provider.section_template:
            continue
        context = provider.section_context(request, user) if provider.section_context else {}
        context = {
            **context,
            "section_key": provider.key,
            "section_label": provider.label,
            "section_action": reverse("readers:section", args=[provider.key]),
        }
        html = render_to_string(provider.section_template, context, request=request)
        sections.append({"key": provider.key, "label": provider.label, "html": mark_safe(html)})
    return sections


def _account_page(request, *, name_form=None, avatar_form=None, status=200) -> HttpResponse:
    user = request.user
    profile = services.profile_of(user)
    context = {
        "profile": profile,
        "name_form": name_form or DisplayNameForm(initial={"display_name": profile.display_name}),
        "avatar_form": avatar_form or AvatarForm(),
        "reader_sections": _sections(request, user),
        "drawn_avatar": initials_avatar(services.display_name(user)),
    }
    return render(request, "readers/account.html", context, status=status)


@uncached
@reader_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _account_page(request)
    form = DisplayNameForm(request.POST)
    if not form.is_valid():
        return _account_page(request, name_form=form, status=400)
    services.set_display_name(request.user, form.cleaned_data["display_name"])
    messages.success(request, "Your display name is saved.")
    return HttpResponseRedirect(reverse("readers:account"))


@uncached
@reader_required
@require_POST
def avatar(request: HttpRequest) -> HttpResponse:
    if request.POST.get("remove"):
        services.set_avatar(request.user, None)
        message = "Your picture is removed."
    else:
        form = AvatarForm(request.POST, request.FILES)
        if not form.is_valid():
            return _account_page(request, avatar_form=form, status=400)
        services.set_avatar(request.user, form.cleaned_data["avatar"])
        message = "Your picture is saved."
    messages.success(request, message)
    return HttpResponseRedirect(reverse("readers:account") + "#picture")


@uncached
@reader_required
@require_POST
def section(request: HttpRequest, key: str) -> HttpResponse:
    provider = next((p for p in registry.providers() if p.key == key), None)
    if provider is None or provider.handle_post is None:
        raise Http404("No such section")
    message = provider.handle_post(request, request.user)
    if message:
        messages.success(request, message)
    return HttpResponseRedirect(reverse("readers:account") + f"#section-{key}")


# --- changing the address -------------------------------------------------------------


@uncached
@reader_required
@require_http_methods(["GET", "POST"])
def email_change(request: HttpRequest) -> HttpResponse:
    current = request.user.email or ""
    if request.method == "GET":
        form = EmailChangeForm(current=current)
        return render(request, "readers/email_change.html", {"form": form})
    form = EmailChangeForm(request.POST, current=current)
    if form.is_valid():
        try:
            services.request_email_change(request.user, form.cleaned_data["email"])
        except services.EmailChangeRefused as error:
            return render(
                request, "readers/rate_limited.html", {"message": error.message}, status=429
            )
        return render(
            request,
            "readers/email_change_sent.html",
            {"old": current, "new": form.cleaned_data["email"]},
        )
    return render(request, "readers/email_change.html", {"form": form}, status=400)


@uncached
@reader_required
@require_http_methods(["GET", "HEAD", "POST"])
def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Step 1 of 2: the link mailed to the old address, opened by the signed-in reader."""
    try:
        if request.method != "POST":
            change = services.pending_email_change(request.user, token)
            return render(
                request, "readers/email_confirm.html", {"old": change["o"], "new": change["w"]}
            )
        change = services.confirm_old_address(request.user, token)
    except tokens.BadToken as error:
        return _bad_link(request, error, kind="email")
    return render(
        request, "readers/email_verify_sent.html", {"old": change["o"], "new": change["w"]}
    )


@uncached
@require_http_methods(["GET", "HEAD", "POST"])
def email_verify(request: HttpRequest, token: str) -> HttpResponse:
    """Step 2 of 2: the link mailed to the new address; no session needed (the link is
    bound to the account and its old address), but not another reader's."""
    try:
        if request.method != "POST":
            _, change = services.pending_email_verification(token, signed_in=request.user)
            return render(
                request, "readers/email_verify.html", {"old": change["o"], "new": change["w"]}
            )
        user, old, new = services.verify_new_address(token, signed_in=request.user)
    except tokens.BadToken as error:
        return _bad_link(request, error, kind="email")
    except services.EmailChangeConflict as error:
        return render(request, "readers/refused.html", {"message": error.message}, status=409)
    except services.SignInRefused as error:
        return render(request, "readers/refused.html", {"message": error.message}, status=403)
    if request.user.is_authenticated and request.user.pk == user.pk:
        request.user.email = new
    return render(request, "readers/email_changed.html", {"old": old, "new": new})


# --- export and deletion ------------------------------------------------------------------


@uncached
@reader_required
@require_http_methods(["GET", "POST"])
def export(request: HttpRequest) -> HttpResponse:
    data = services.export_data(request, request.user)
    body = json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"my-data-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@uncached
@reader_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest) -> HttpResponse:
    current = request.user.email or ""
    if request.method == "GET":
        return render(request, "readers/delete.html", {"form": DeleteAccountForm(current=current)})
    form = DeleteAccountForm(request.POST, current=current)
    if not form.is_valid():
        return render(request, "readers/delete.html", {"form": form}, status=400)
    services.delete_account(request, request.user)
    return render(request, "readers/deleted.html")
