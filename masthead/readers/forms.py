from django import forms

from .addresses import MAX_LENGTH, normalise_email
from .avatar_images import avatar_file


class EmailField(forms.CharField):
    """One address, normalised; its own checks give the reasons (CR/LF, length, shape)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Email address")
        # The widget's maxlength is a hint; the server checks length itself, with a message.
        kwargs.setdefault(
            "widget",
            forms.EmailInput(
                attrs={"autocomplete": "email", "maxlength": MAX_LENGTH, "spellcheck": "false"}
            ),
        )
        super().__init__(strip=False, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return normalise_email(value) if value else value


class SignInForm(forms.Form):
    email = EmailField(
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "autofocus": True, "spellcheck": "false"}
        )
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)


class EmailChangeForm(forms.Form):
    email = EmailField(label="New email address")

    def __init__(self, *args, current: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current.lower()

    def clean_email(self):
        email = self.cleaned_data["email"]
        if email == self.current:
            raise forms.ValidationError("This is already your address.", code="unchanged")
        return email


class DisplayNameForm(forms.Form):
    display_name = forms.CharField(
        label="Display name",
        max_length=80,
        required=False,
        help_text="Shown with your comments. Without one, they are signed “Reader”.",
    )

    def clean_display_name(self):
        value = self.cleaned_data["display_name"].strip()
        if any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F or ch in "\u2028\u2029" for ch in value):
            raise forms.ValidationError("A name cannot contain line breaks or control characters.")
        return " ".join(value.split())


class AvatarForm(forms.Form):
    avatar = forms.FileField(
        label="Choose a picture",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/gif,image/webp,image/avif"}
        ),
    )

    def clean_avatar(self):
        return avatar_file(self.cleaned_data["avatar"])


class DeleteAccountForm(forms.Form):
    email = forms.CharField(label="Type your email address to confirm", max_length=300, strip=True)

    def __init__(self, *args, current: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current.lower()

    def clean_email(self):
        if self.cleaned_data["email"].strip().lower() != self.current:
            raise forms.ValidationError(
                "That is not your account's address. Type it exactly to confirm."
            )
        return self.cleaned_data["email"]
