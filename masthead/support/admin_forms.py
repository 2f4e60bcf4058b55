"""Forms of the support admin: the totals report's range and the refund confirmation."""

import datetime as dt

from django import forms

from . import money, reports
from .models import Donation

MAX_REPORT_DAYS = 366 * 10


class TotalsForm(forms.Form):
    period = forms.ChoiceField(label="Per", choices=reports.PERIOD_CHOICES, initial="month")
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The end comes after the start.")
            elif (end - start).days > MAX_REPORT_DAYS:
                self.add_error("start", "Choose at most ten years.")
            elif data.get("period") == "day" and (end - start).days > 366:
                self.add_error("period", "Per day, choose at most a year.")
        return data

    @classmethod
    def from_query(cls, query) -> tuple["TotalsForm", str, dt.date, dt.date]:
        """The form bound to the query (defaults filled in), and the period and range to
        show: the defaults whenever the query is missing or wrong."""
        start, end = reports.default_range()
        data = {
            "period": query.get("period") or "month",
            "start": query.get("start") or start.isoformat(),
            "end": query.get("end") or end.isoformat(),
        }
        form = cls(data)
        if form.is_valid():
            return (
                form,
                form.cleaned_data["period"],
                form.cleaned_data["start"],
                form.cleaned_data["end"],
            )
        return form, "month", start, end


class RefundForm(forms.Form):
    amount = forms.CharField(
        label="Amount refunded",
        max_length=20,
        help_text="In the donation's currency. The whole amount unless you refunded part of it.",
    )

    def __init__(self, *args, donation: Donation, **kwargs):
        self.donation = donation
        kwargs.setdefault(
            "initial", {"amount": str(money.to_major(donation.amount, donation.currency))}
        )
        super().__init__(*args, **kwargs)

    def clean_amount(self) -> int:
        donation = self.donation
        try:
            minor = money.to_minor(self.cleaned_data["amount"], donation.currency)
        except money.MoneyError as error:
            raise forms.ValidationError(str(error)) from None
        if minor > donation.amount:
            raise forms.ValidationError(
                f"At most the donation's amount, {donation.display_amount}."
            )
        return minor
