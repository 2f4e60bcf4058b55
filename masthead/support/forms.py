"""The donate form: the same fields in the sidebar, after articles and on the support page."""

from django import forms

from . import money, services
from .models import Frequency, SupportSettings

FREQUENCIES = [(Frequency.ONE_TIME, "One-time"), (Frequency.MONTHLY, "Monthly")]


class DonateForm(forms.Form):
    # A preset (radio) or a free amount (number field); a free amount wins when given.
    amount = forms.CharField(required=False, max_length=30)
    custom_amount = forms.CharField(required=False, max_length=30)
    currency = forms.ChoiceField()
    frequency = forms.ChoiceField(choices=FREQUENCIES)
    provider = forms.ChoiceField()
    email = forms.CharField(required=False, max_length=254)
    public_name = forms.CharField(required=False, max_length=services.NAME_MAX)
    message = forms.CharField(required=False, max_length=services.MESSAGE_MAX)
    show_publicly = forms.BooleanField(required=False)

    def __init__(self, data, *, rules: SupportSettings, provider_names: list[str]):
        super().__init__(data)
        self.rules = rules
        self.fields["currency"].choices = [(c, c) for c in rules.currency_list]
        self.fields["provider"].choices = [(n, n) for n in provider_names]
        if not rules.monthly_enabled:
            self.fields["frequency"].choices = FREQUENCIES[:1]
        self.fields["frequency"].error_messages["invalid_choice"] = (
            "Choose one-time or monthly support."
        )
        self.fields["currency"].error_messages["invalid_choice"] = (
            "Choose one of the currencies offered."
        )
        self.fields["provider"].error_messages["invalid_choice"] = (
            "Choose one of the payment methods offered."
        )

    def clean(self):
        data = super().clean()
        text = (data.get("custom_amount") or "").strip() or (data.get("amount") or "").strip()
        currency = data.get("currency")
        if not text:
            self.add_error("custom_amount", "Choose or enter an amount.")
            return data
        if not currency:
            return data
        try:
            minor = money.to_minor(text, currency)
            services.check_amount(minor, currency, self.rules)
        except (money.MoneyError, services.DonationError) as error:
            self.add_error("custom_amount", str(error))
            return data
        data["amount_minor"] = minor
        return data
