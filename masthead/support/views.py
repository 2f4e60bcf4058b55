"""The reader's side of support: the support page, checkout, thank-you, membership links,
the offline provider's confirmation page and the providers' webhooks.

Donate forms sit on cached public pages, so checkout is csrf_exempt and
refuses cross-site requests instead.  Pages about one donation or one
membership are private and never stored.  Nothing here completes a payment
except a provider's event, through services.apply_event().
"""

import logging
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from masthead.api.problems import problem_response
from masthead.core.http import client_ip, is_cross_site, signed_in_user
from masthead.discussion.ratelimits import hit

from . import money, providers, services, tokens
from .forms import DonateForm
from .models import Donation, Membership, MembershipStatus, SupportSettings
from .providers.base import ProviderError, WebhookRejected
from .templatetags.support_widget import box_context

logger = logging.getLogger(__name__)
uncached = cache_control(private=True, no_store=True)

CHECKOUT_RATE = "30/h"
LINKS_RATE = "5/h"
CROSS_SITE = "Donations are accepted only from this site's own pages."


def _page_context(request: HttpRequest, form=None, **extra) -> dict:
    rules = SupportSettings.for_request(request)
    context = {
        "rules": rules,
        "box": box_context(rules, "page", form),
        "progress": services.campaign_progress(rules),
        "supporters": services.supporters(30) if rules.supporters_list_enabled else [],
    }
    context.update(extra)
    return context


@require_GET
def support_page(request: HttpRequest) -> HttpResponse:
    return render(request, "support/support.html", _page_context(request))


def _refuse(request, status: int, message: str, form=None) -> HttpResponse:
    response = render(
        request, "support/support.html", _page_context(request, form, error=message), status=status
    )
    response["Cache-Control"] = "private, no-store"
    return response


@csrf_exempt  # cached pages carry no CSRF token; cross-site posts are refused below
@uncached
@require_POST
def checkout(request: HttpRequest) -> HttpResponse:
    if is_cross_site(request):
        return _refuse(request, 403, CROSS_SITE)
    rules = SupportSettings.for_request(request)
    configured = {p.name: p for p in providers.configured()}
    if not rules.enabled or not configured:
        return _refuse(request, 403, "We are not accepting donations at the moment.")
    if hit(scope="support.checkout", value=client_ip(request), rate=CHECKOUT_RATE):
        return _refuse(request, 429, "Too many attempts in a short time. Please try later.")
    form = DonateForm(request.POST, rules=rules, provider_names=list(configured))
    if not form.is_valid():
        return _refuse(request, 400, "Please correct the errors below.", form)
    data = form.cleaned_data
    provider = configured[data["provider"]]
    try:
        donation = services.create_donation(
            amount_minor=data["amount_minor"],
            currency=data["currency"],
            frequency=data["frequency"],
            provider_name=provider.name,
            email=data["email"],
            user=signed_in_user(request),
            public_name=data["public_name"],
            message=data["message"],
            show_publicly=data["show_publicly"],
            source_path=request.POST.get("source_path", "")[:300],
            rules=rules,
        )
    except services.DonationError as error:
        form.add_error(error.field if error.field in form.fields else None, str(error))
        return _refuse(request, 400, "Please correct the errors below.", form)
    thanks = reverse("support:thanks", args=[donation.public_id])
    try:
        result = provider.start_checkout(
            donation,
            success_url=settings.SITE_URL + thanks,
            cancel_url=settings.SITE_URL + reverse("support:page"),
        )
    except ProviderError as error:
        services.mark_checkout_failed(donation, str(error))
        return _refuse(request, 502, str(error), form)
    services.mark_pending(donation, result.provider_reference)
    return HttpResponseRedirect(result.redirect_url, status=303)


def _donation(public_id) -> Donation:
    return get_object_or_404(Donation.objects.select_related("membership"), public_id=public_id)


@uncached
@require_GET
def thanks(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    donation = _donation(public_id)
    if donation.provider == "paypal" and request.GET.get("token"):
        # PayPal sends the reader back before money moves: capturing the order is
        # PayPal's confirmation (the return alone completes nothing).
        providers.get("paypal").confirm_return(donation, request.GET["token"][:100])
        donation.refresh_from_db()
    context = {"donation": donation, "status_url": reverse("support:status", args=[public_id])}
    return render(request, "support/thanks.html", context)


@uncached
@require_GET
def status(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    donation = Donation.objects.filter(public_id=public_id).first()
    if donation is None:
        return problem_response(404, "There is no such donation.")
    return JsonResponse({"status": donation.status, "amount": donation.display_amount})


@csrf_exempt  # the signed token bound to this donation is the authority, as in a mail link
@uncached
@require_http_methods(["GET", "POST"])
def offline(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    from .providers.offline import provider

    donation = _donation(public_id)
    token = request.POST.get("t", "") if request.method == "POST" else request.GET.get("t", "")
    context = {"donation": donation, "token": token}
    if not provider.is_configured() or donation.provider != "offline":
        context["error"] = "The test payment provider is not available on this site."
        return render(request, "support/offline.html", context, status=403)
    if not tokens.offline_token_valid(token, donation.public_id):
        context["error"] = "This payment link is not valid. Please start again."
        return render(request, "support/offline.html", context, status=403)
    if request.method == "GET":
        return render(request, "support/offline.html", context)
    if is_cross_site(request):
        context["error"] = CROSS_SITE
        return render(request, "support/offline.html", context, status=403)
    action = request.POST.get("action")
    if action == "complete":
        email = (request.POST.get("email") or "").strip()
        if email and not donation.email:
            from django.core.exceptions import ValidationError

            from masthead.readers.addresses import normalise_email

            try:
                email = normalise_email(email)
            except ValidationError as error:
                context["email_error"] = error.messages[0]
                return render(request, "support/offline.html", context, status=400)
        provider.complete(donation, email=email)
    elif action == "fail":
        provider.fail(donation)
    else:
        context["error"] = "Choose to complete or fail the test payment."
        return render(request, "support/offline.html", context, status=400)
    return HttpResponseRedirect(reverse("support:thanks", args=[donation.public_id]), status=303)


@csrf_exempt  # providers sign their webhooks; there is no browser session
@require_POST
def webhook(request: HttpRequest, name: str) -> HttpResponse:
    try:
        provider = providers.get(name)
    except (KeyError, ImportError):
        return problem_response(404, "There is no such payment provider.")
    if name == "offline" or not provider.is_configured():
        return problem_response(404, f"{name} is not configured on this site.")
    try:
        events = provider.parse_webhook(request)
    except WebhookRejected as error:
        logger.warning("support: %s webhook rejected: %s", name, error)
        return problem_response(400, "The webhook could not be verified.")
    for event in events:
        services.apply_event(event)
    return JsonResponse({"received": len(events)})


@csrf_exempt  # the signed token in the URL is the authority (whoever can read the mail)
@uncached
@require_http_methods(["GET", "POST"])
def membership(request: HttpRequest, token: str) -> HttpResponse:
    found = tokens.membership_from_token(token)
    if found is None:
        return render(request, "support/membership_invalid.html", status=404)
    context = {"membership": found, "token": token, "payments": found.payments.all()[:24]}
    if request.method == "GET":
        return render(request, "support/membership.html", context)
    if is_cross_site(request):
        context["error"] = "Changes are accepted only from this site's own pages."
        return render(request, "support/membership.html", context, status=403)
    action = request.POST.get("action")
    try:
        if action == "cancel":
            services.cancel_membership(found)
            context["done"] = "Your monthly support is canceled. Thank you for your support."
        elif action == "change":
            try:
                amount = money.to_minor(request.POST.get("amount", ""), found.currency)
            except money.MoneyError as error:
                raise services.DonationError(str(error)) from None
            here = settings.SITE_URL + request.path
            approval = services.change_membership_amount(found, amount, return_url=here)
            if approval:
                # PayPal asks the reader to approve the new price on its own site.
                return HttpResponseRedirect(approval, status=303)
            amount_text = money.format_amount(found.amount, found.currency)
            context["done"] = f"Your monthly support is now {amount_text}."
        else:
            raise services.DonationError("Choose to change or cancel your support.", "__all__")
    except services.DonationError as error:
        context["error"] = str(error)
        return render(request, "support/membership.html", context, status=400)
    except ProviderError as error:
        context["error"] = str(error)
        return render(request, "support/membership.html", context, status=502)
    found.refresh_from_db()
    return render(request, "support/membership.html", context)


@csrf_exempt  # on the cached support page; cross-site posts are refused below
@uncached
@require_POST
def membership_links(request: HttpRequest) -> HttpResponse:
    """Mail the management links of an address's memberships; the answer never says if any."""
    from django.core.exceptions import ValidationError

    from masthead.readers.addresses import normalise_email

    from .tasks import send_membership_links

    if is_cross_site(request):
        return _refuse(request, 403, CROSS_SITE)
    try:
        email = normalise_email(request.POST.get("email", ""))
    except ValidationError as error:
        return _refuse(request, 400, error.messages[0])
    over = hit(scope="support.links.ip", value=client_ip(request), rate=LINKS_RATE) or hit(
        scope="support.links.email", value=email, rate=LINKS_RATE
    )
    if (
        not over
        and Membership.objects.filter(email=email)
        .exclude(status=MembershipStatus.CANCELED)
        .exists()
    ):
        send_membership_links.enqueue(email=email)
    return render(request, "support/links_sent.html", {"email": email})
