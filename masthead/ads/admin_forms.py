"""Admin forms for campaigns, creatives and the ads report.

Creatives are checked per kind, their HTML is stored sanitised, and third-party tags —
scripts the site would run for an ad network — are an administrator's decision alone:
other editors can neither enter a tag, nor change one, nor turn a creative into one; a
tag creative is read-only to them except for pausing it.
"""

import datetime as dt
from urllib.parse import urlsplit

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm

from . import reports
from .models import Campaign, Creative
from .sanitise import clean_html as sanitised

TAG_REFUSED = "Only an administrator may enter or change a third-party ad tag."
KIND_REFUSED = "Only an administrator may make a third-party ad tag creative."


def _is_admin(user) -> bool:
    return bool(user and user.is_superuser)


class CampaignForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["weight"].min_value = 1
        self.fields["weight"].max_value = 1000
        self.fields["weight"].widget.attrs.update(min=1, max=1000)
        for name in ("daily_impression_cap", "visitor_daily_cap"):
            self.fields[name].widget.attrs["min"] = 1

    def clean_weight(self):
        weight = self.cleaned_data["weight"]
        if weight is not None and not 1 <= weight <= 1000:
            raise forms.ValidationError("Choose a weight from 1 to 1000.")
        return weight

    def _positive_cap(self, name):
        cap = self.cleaned_data.get(name)
        if cap is not None and cap < 1:
            raise forms.ValidationError("A cap is at least 1; leave it empty for no cap.")
        return cap

    def clean_daily_impression_cap(self):
        return self._positive_cap("daily_impression_cap")

    def clean_visitor_daily_cap(self):
        return self._positive_cap("visitor_daily_cap")

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "The campaign must end after it starts.")
        return data


# What each kind needs; the rest of the form is ignored for that kind.
REQUIRED_BY_KIND = {
    Creative.Kind.IMAGE: ("image", "alt_text", "link_url"),
    Creative.Kind.HTML: ("html", "link_url"),
    Creative.Kind.TAG: ("tag",),
    Creative.Kind.HOUSE: ("house_target",),
}
REQUIRED_MESSAGES = {
    "image": "An image ad needs an image.",
    "alt_text": "Describe the image for readers who cannot see it.",
    "link_url": "Where should a click go?",
    "html": "Enter the ad's HTML.",
    "tag": "Paste the ad network's tag.",
    "house_target": "Choose where the house ad leads.",
}


class CreativeForm(WagtailAdminModelForm):
    html_was_cleaned = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_admin = _is_admin(self.for_user)
        existing_tag = self.instance.pk and self.instance.kind == Creative.Kind.TAG
        if "tag" in self.fields and not self.is_admin:
            tag = self.fields["tag"]
            tag.disabled = True
            tag.help_text = "Only an administrator may enter or change a third-party ad tag."
        if existing_tag and not self.is_admin:
            for name, field in self.fields.items():
                if name != "active":
                    field.disabled = True
        if "placements" in self.fields:
            # The size matters when choosing: a banner drawn for 728 × 90 is cropped in a square.
            self.fields["placements"].label_from_instance = lambda p: f"{p.name} ({p.size})"
        if "weight" in self.fields:
            self.fields["weight"].min_value = 1
            self.fields["weight"].max_value = 100

    def clean(self):
        data = super().clean()
        if not self.is_admin:
            self._refuse_tag_changes(data)
        kind = data.get("kind")
        for name in REQUIRED_BY_KIND.get(kind, ()):
            if name in self.fields and not data.get(name) and name not in self.errors:
                self.add_error(name, REQUIRED_MESSAGES[name])
        return data

    def _refuse_tag_changes(self, data):
        # Disabled fields already keep their stored values; a POST that carries a tag or
        # asks for the tag kind anyway is refused outright, so nobody mistakes it for saved.
        submitted_tag = self.data.get(self.add_prefix("tag"), "")
        if submitted_tag.strip() and submitted_tag.strip() != (self.instance.tag or "").strip():
            self.add_error(None, TAG_REFUSED)
        was_tag = self.instance.pk and self.instance.kind == Creative.Kind.TAG
        if data.get("kind") == Creative.Kind.TAG and not was_tag:
            self.add_error("kind", KIND_REFUSED)

    def clean_link_url(self):
        url = self.cleaned_data.get("link_url", "")
        if url and urlsplit(url).scheme.lower() not in ("http", "https"):
            raise forms.ValidationError("Enter a web address starting with http:// or https://.")
        return url

    def clean_html(self):
        markup = self.cleaned_data.get("html", "")
        cleaned = sanitised(markup)
        self.html_was_cleaned = cleaned != markup.strip()
        return cleaned

    def clean_weight(self):
        weight = self.cleaned_data["weight"]
        if weight is not None and not 1 <= weight <= 100:
            raise forms.ValidationError("Choose a weight from 1 to 100.")
        return weight


class ReportForm(forms.Form):
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.order_by("name", "pk"),
        required=False,
        empty_label="All campaigns",
    )
    creative = forms.ModelChoiceField(
        queryset=Creative.objects.select_related("campaign").order_by("campaign__name", "name"),
        required=False,
        empty_label="All creatives",
    )
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The end comes after the start.")
            elif (end - start).days >= reports.MAX_DAYS:
                self.add_error("start", "Choose at most three years.")
        creative, campaign = data.get("creative"), data.get("campaign")
        if creative and campaign and creative.campaign_id != campaign.pk:
            self.add_error("creative", "This creative belongs to another campaign.")
        return data

    @classmethod
    def from_query(cls, query) -> "ReportForm":
        """The form bound to the query with the default range filled in when absent."""
        start, end = reports.default_range()
        data = {
            "campaign": query.get("campaign", ""),
            "creative": query.get("creative", ""),
            "start": query.get("start") or start.isoformat(),
            "end": query.get("end") or end.isoformat(),
        }
        return cls(data)

    def chosen(self) -> tuple[Campaign | None, Creative | None, dt.date, dt.date]:
        data = self.cleaned_data
        return data.get("campaign"), data.get("creative"), data["start"], data["end"]
