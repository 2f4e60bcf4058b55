"""The signup form: one set of rules for the sidebar, the article box, the signup page and fetch."""

from django import forms

from . import subscriptions

LIST_REQUIRED = "Please choose at least one newsletter."


class SignupForm(forms.Form):
    email = forms.CharField(required=False, strip=False)
    name = forms.CharField(required=False, strip=False)
    newsletters = forms.MultipleChoiceField(
        error_messages={
            "required": LIST_REQUIRED,
            "invalid_choice": "There is no newsletter %(value)s to subscribe to.",
            "invalid_list": LIST_REQUIRED,
        }
    )

    def __init__(self, *args, newsletters, signed_in: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.signed_in = signed_in
        self.newsletters = {n.slug: n for n in newsletters}
        self.fields["newsletters"].choices = [(s, n.name) for s, n in self.newsletters.items()]

    def clean_email(self) -> str:
        value = self.cleaned_data.get("email") or ""
        if not value.strip() and self.signed_in:
            return ""  # the account's own address, filled in by the view
        return subscriptions.normalise_email(value)

    def clean_name(self) -> str:
        return subscriptions.clean_name(self.cleaned_data.get("name") or "")

    def chosen(self) -> list:
        return [self.newsletters[slug] for slug in self.cleaned_data["newsletters"]]


class ChooseListsForm(forms.Form):
    """Which lists an address (proven by a manage link or a signed-in session) is on."""

    newsletters = forms.MultipleChoiceField(
        required=False,
        error_messages={"invalid_choice": "There is no newsletter %(value)s to choose."},
    )

    def __init__(self, *args, newsletters, **kwargs):
        super().__init__(*args, **kwargs)
        self.newsletters = {n.slug: n for n in newsletters}
        self.fields["newsletters"].choices = [(s, n.name) for s, n in self.newsletters.items()]

    def chosen(self) -> list:
        return [self.newsletters[slug] for slug in self.cleaned_data["newsletters"]]
