"""{% donate_box "sidebar" as box %}: what a donate form needs, or None when it is off here."""

from django import template

from .. import money, providers
from ..models import SupportSettings

register = template.Library()

_FLAGS = {"sidebar": "widget_in_sidebar", "article": "widget_after_articles"}


def box_context(rules: SupportSettings, where: str, form=None) -> dict | None:
    if not rules.enabled:
        return None
    methods = providers.configured()
    if not methods:
        return None
    currencies = [
        {"code": c, "symbol": money.SYMBOLS.get(c, c + " "), "exponent": money.exponent(c)}
        for c in rules.currency_list
        if c in money.EXPONENTS
    ]
    if not currencies:
        return None
    presets = rules.preset_list
    default_preset = presets[min(2, len(presets) - 1)] if presets else None
    first = currencies[0]["code"]
    quick = None
    if rules.quick_amount and rules.minimum_amount <= rules.quick_amount <= rules.maximum_amount:
        quick = {
            "amount": rules.quick_amount,
            "display": money.format_amount(money.to_minor(rules.quick_amount, first), first),
        }
    data = form.data if form is not None else {}
    return {
        "where": where,
        "rules": rules,
        "providers": methods,
        "currencies": currencies,
        "presets": presets,
        "picked_amount": str(data.get("amount", "")) if form is not None else str(default_preset),
        "custom_amount": data.get("custom_amount", "") if form is not None else "",
        "picked_currency": data.get("currency", first) if form is not None else first,
        "picked_frequency": data.get("frequency", "once") if form is not None else "once",
        "picked_provider": data.get("provider", methods[0].name)
        if form is not None
        else methods[0].name,
        "minimum": rules.minimum_amount,
        "maximum": min(rules.maximum_amount, money.HARD_MAXIMUM_MAJOR),
        "slider_max": min(rules.maximum_amount, max(presets or [100]) * 4),
        "quick": quick,
        "quick_currency": first,
        "form": form,
    }


@register.simple_tag(takes_context=True)
def donate_box(context, where: str):
    request = context.get("request")
    if request is None:
        return None
    rules = SupportSettings.for_request(request)
    if where in ("sidebar", "assets") and request.path.startswith("/support/"):
        return None  # the support pages carry the full form and their own assets
    if where == "assets":
        wanted = rules.widget_in_sidebar or rules.widget_after_articles
        return bool(wanted and box_context(rules, "sidebar"))
    flag = _FLAGS.get(where)
    if flag and not getattr(rules, flag):
        return None
    return box_context(rules, where)


@register.filter
def progress_step(percent: int) -> int:
    return int(percent) - int(percent) % 5
