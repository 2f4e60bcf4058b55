from django import forms


class CodeForm(forms.Form):
    """A code from the authenticator app, or one of the backup codes."""

    code = forms.CharField(
        label="Code",
        max_length=64,
        help_text="The 6-digit code from your authenticator app, or one of your backup codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


class AppCodeForm(CodeForm):
    """Only the authenticator app's code (while setting it up)."""

    code = forms.CharField(
        label="Code from the app",
        max_length=16,
        help_text="The 6-digit code your authenticator app shows for this account.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
            }
        ),
    )
