"""Two-factor sign-in pages in the Wagtail admin: overview, set-up, verify, backup
codes and switching off.  Logic lives in devices and policy."""

from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import devices, policy
from .forms import AppCodeForm, CodeForm

FRAMED = "staffauth/framed.html"
# No sidebar: shown before the rest of the admin may be reached.
BARE = "staffauth/bare.html"
OVERVIEW = "staffauth:overview"


def _throttled_message(exc: devices.Throttled) -> str:
    return (
        "Too many wrong codes. For your protection no code is checked for another "
        f"{exc.seconds_left} seconds; each further wrong code doubles the wait."
    )


def _next_url(request, default: str) -> str:
    url = get_valid_next_url_from_request(request)
    if not url or url.startswith(reverse("staffauth:verify")):
        return default
    return url


class StaffAuthView(WagtailAdminTemplateMixin, TemplateView):
    header_icon = "key"
    layout = FRAMED

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("wagtailadmin_account"), "label": "Account"},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["layout"] = self.layout
        context["next"] = get_valid_next_url_from_request(self.request)
        return context


class OverviewView(StaffAuthView):
    page_title = "Two-factor sign-in"
    template_name = "staffauth/overview.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            device=devices.authenticator(user),
            backup_codes_left=devices.backup_codes_left(user),
            required=policy.is_required(user, self.request),
            **kwargs,
        )


class SetupView(StaffAuthView):
    page_title = "Set up two-factor sign-in"
    template_name = "staffauth/setup.html"

    def dispatch(self, request, *args, **kwargs):
        if policy.has_authenticator(request.user):
            return redirect(OVERVIEW)
        # Someone who must set it up cannot reach the rest of the admin, so the
        # page drops the sidebar whose links would only lead back here.
        if policy.is_required(request.user, request):
            self.layout = BARE
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, form=None, **kwargs):
        return super().get_context_data(
            form=form or AppCodeForm(),
            enrolment=devices.start_enrolment(self.request.user),
            required=self.layout == BARE,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = AppCodeForm(request.POST)
        if form.is_valid():
            try:
                codes = devices.confirm_enrolment(request, form.cleaned_data["code"])
            except devices.Throttled as exc:
                form.add_error("code", _throttled_message(exc))
            else:
                if codes is not None:
                    return BackupCodesView.show(
                        request,
                        codes,
                        intro="Two-factor sign-in is on.",
                        next_url=_next_url(request, reverse(OVERVIEW)),
                    )
                form.add_error(
                    "code",
                    "That code is not right. Check that the app shows this account "
                    "and that your device's clock is correct, then try the current code.",
                )
        return self.render_to_response(self.get_context_data(form=form))


class VerifyView(StaffAuthView):
    page_title = "Enter your sign-in code"
    template_name = "staffauth/verify.html"
    layout = BARE

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_verified() or not policy.has_authenticator(request.user):
            return redirect(_next_url(request, reverse("wagtailadmin_home")))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, form=None, **kwargs):
        return super().get_context_data(form=form or CodeForm(), **kwargs)

    def post(self, request, *args, **kwargs):
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                verified = devices.verify(request, form.cleaned_data["code"])
            except devices.Throttled as exc:
                form.add_error("code", _throttled_message(exc))
            else:
                if verified:
                    return redirect(_next_url(request, reverse("wagtailadmin_home")))
                form.add_error("code", "That code is not right.")
        return self.render_to_response(self.get_context_data(form=form))


class DisableView(StaffAuthView):
    page_title = "Turn off two-factor sign-in"
    template_name = "staffauth/disable.html"

    def dispatch(self, request, *args, **kwargs):
        if not policy.has_authenticator(request.user):
            return redirect(OVERVIEW)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, form=None, **kwargs):
        return super().get_context_data(
            form=form or CodeForm(),
            required=policy.is_required(self.request.user, self.request),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if policy.is_required(request.user, request):
            messages.error(
                request, "Two-factor sign-in is required for your account; it cannot be turned off."
            )
            return redirect(OVERVIEW)
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                device = devices.check_current_code(request.user, form.cleaned_data["code"])
            except devices.Throttled as exc:
                form.add_error("code", _throttled_message(exc))
            else:
                if device is not None:
                    devices.disable(request)
                    messages.success(request, "Two-factor sign-in is off.")
                    return redirect(OVERVIEW)
                form.add_error("code", "That code is not right.")
        return self.render_to_response(self.get_context_data(form=form))


class BackupCodesView(StaffAuthView):
    """New backup codes replace the old ones and are shown once, in the response to the
    POST that made them; they are never shown again."""

    page_title = "Your backup codes"
    template_name = "staffauth/backup_codes.html"

    @classmethod
    def show(cls, request, codes, *, intro: str, next_url: str):
        view = cls(request=request, args=(), kwargs={})
        return view.render_to_response(
            view.get_context_data(
                codes=codes, intro=intro, next_url=next_url, made_at=timezone.now()
            )
        )

    def get(self, request, *args, **kwargs):
        return HttpResponseNotAllowed(["POST"])

    def post(self, request, *args, **kwargs):
        if not policy.has_authenticator(request.user):
            return redirect(OVERVIEW)
        codes = devices.issue_backup_codes(request.user)
        return self.show(
            request,
            codes,
            intro="Your old backup codes no longer work.",
            next_url=reverse(OVERVIEW),
        )
