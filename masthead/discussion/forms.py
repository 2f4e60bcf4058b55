"""The reply and subscribe forms: one set of field rules for the HTML form and the API."""

from django import forms
from django.core.validators import URLValidator

from .models import SubscriptionKind
from .text import has_control_characters, normalise_body

HONEYPOT_FIELD = "phone"
NOTIFY_CHOICES = [("", "Don't notify me"), *SubscriptionKind.choices]


def _single_line(value: str, label: str) -> str:
    if "\r" in value or "\n" in value:
        raise forms.ValidationError(f"{label} must be on one line.", code="line_break")
    if has_control_characters(value):
        raise forms.ValidationError(
            f"{label} contains characters that cannot be shown.", code="control_character"
        )
    return value.strip()


class _WebsiteField(forms.URLField):
    # One validator: web addresses only (URLField's own would also take ftp://).
    default_validators = [URLValidator(schemes=["http", "https"])]


class CommentForm(forms.Form):
    name = forms.CharField(max_length=80, required=False, strip=False)
    email = forms.EmailField(max_length=254, required=False)
    website = _WebsiteField(max_length=200, required=False, assume_scheme="https")
    body = forms.CharField(max_length=5000, strip=False, label="Comment")
    parent = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    notify = forms.ChoiceField(choices=NOTIFY_CHOICES, required=False, label="Notify of")
    form_token = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    # The honeypot: hidden from people by CSS, left empty by them; its name invites bots.
    phone = forms.CharField(required=False, max_length=200, label="Phone")

    def __init__(self, *args, signed_in: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.signed_in = signed_in
        if not signed_in:
            self.fields["name"].required = True
            self.fields["email"].required = True

    def clean_name(self) -> str:
        name = _single_line(self.cleaned_data.get("name") or "", "Your name")
        if not name and not self.signed_in:
            raise forms.ValidationError("Please give your name.", code="required")
        return name

    def clean_email(self) -> str:
        email = self.cleaned_data.get("email") or ""
        return _single_line(email, "Your email").lower()

    def clean_body(self) -> str:
        body = normalise_body(self.cleaned_data["body"])
        if has_control_characters(body):
            raise forms.ValidationError(
                "Your comment contains characters that cannot be shown; please remove them.",
                code="control_character",
            )
        if not body:
            raise forms.ValidationError("Please write a comment.", code="required")
        return body

    def clean_website(self) -> str:
        return _single_line(self.cleaned_data.get("website") or "", "Your website")


class EditForm(forms.Form):
    body = forms.CharField(max_length=5000, strip=False, label="Comment")
    edit_token = forms.CharField(max_length=200)

    clean_body = CommentForm.clean_body


class SubscribeForm(forms.Form):
    email = forms.EmailField(max_length=254, required=False)
    kind = forms.ChoiceField(choices=SubscriptionKind.choices, label="Notify of")

    def __init__(self, *args, signed_in: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.signed_in = signed_in
        self.fields["email"].required = not signed_in

    def clean_email(self) -> str:
        email = self.cleaned_data.get("email") or ""
        return _single_line(email, "Your email").lower()
