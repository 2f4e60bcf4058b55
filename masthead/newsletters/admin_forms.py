"""Forms of the newsletter admin: composing an issue, test sends, scheduling, CSV import."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.widgets import AdminDateTimeInput

from . import csv_io
from .models import IssueKind, Newsletter

EMAIL_MAX_LENGTH = 254


def clean_address(value: str) -> str:
    """One address, the way H2's signup normalises it (CR/LF and overlong refused)."""
    from .subscriptions import normalise_email

    return normalise_email(value)


class IssueForm(WagtailAdminModelForm):
    """An issue needs something to send: chosen articles, sections or an intro, or a digest."""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") != IssueKind.MANUAL:
            return cleaned
        formset = self.formsets.get("chosen_articles")
        chosen = 0
        if formset is not None and formset.is_valid():
            chosen = sum(
                1
                for form in formset.forms
                if form.cleaned_data.get("article") and not form.cleaned_data.get("DELETE")
            )
        has_text = bool((cleaned.get("intro") or "").strip()) or bool(cleaned.get("sections"))
        if not chosen and not has_text:
            raise ValidationError(
                "Choose at least one article, or write an intro or a section, "
                "or make this issue a digest."
            )
        return cleaned


class TestSendForm(forms.Form):
    address = forms.CharField(
        label="Send a test to",
        max_length=EMAIL_MAX_LENGTH + 10,
        help_text="The test goes to this address only; its unsubscribe link is an example.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_address(self):
        return clean_address(self.cleaned_data["address"])


class ScheduleForm(forms.Form):
    when = forms.DateTimeField(
        label="Send at",
        widget=AdminDateTimeInput,
        help_text="In the site's time zone. The worker starts sending at that time.",
    )

    def clean_when(self):
        when = self.cleaned_data["when"]
        if when <= timezone.now():
            raise ValidationError("Choose a time in the future.")
        return when


class ImportPolicy:
    CONFIRM = "confirm"
    CONSENTED = "consented"
    CHOICES = [
        (
            CONFIRM,
            "Send each address a confirmation email (double opt-in; recommended). "
            "Only those who click the link are subscribed.",
        ),
        (
            CONSENTED,
            "These people already consented; I can show that consent — subscribe them now. "
            "No confirmation email is sent.",
        ),
    ]


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            f"UTF-8 text with a header row: an “email” column and, optionally, “name”. "
            f"At most {csv_io.MAX_BYTES // (1024 * 1024)} MB and "
            f"{csv_io.MAX_ROWS:,} rows. Excel: save as “CSV UTF-8”."
        ),
    )
    newsletters = forms.ModelMultipleChoiceField(
        label="Subscribe them to",
        queryset=Newsletter.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one list."},
    )
    policy = forms.ChoiceField(
        label="Confirmation",
        choices=ImportPolicy.CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how these addresses confirm their subscription."},
        help_text="Addresses that unsubscribed, bounced or complained are never subscribed "
        "again by an import; they are listed in the report.",
    )
    consent_evidence = forms.CharField(
        label="How did they consent?",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when you subscribe them now, e.g. “signup sheet at the "
        "2026 book fair, kept in the office”. Kept in the list's history with your name.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            csv_io.check_upload(upload)
        except csv_io.CsvProblem as problem:
            raise ValidationError(str(problem)) from None
        return upload

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("policy") == ImportPolicy.CONSENTED:
            evidence = " ".join((cleaned.get("consent_evidence") or "").split())
            if not evidence:
                self.add_error(
                    "consent_evidence",
                    "Say how these people consented before subscribing them without a "
                    "confirmation email.",
                )
            cleaned["consent_evidence"] = evidence
        return cleaned
