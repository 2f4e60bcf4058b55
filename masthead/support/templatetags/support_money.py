from django import template

from .. import money

register = template.Library()


@register.filter(name="money")
def money_filter(minor, currency: str) -> str:
    """{{ amount|money:currency }}: minor units shown as people read them."""
    try:
        return money.format_amount(int(minor), currency)
    except (TypeError, ValueError):
        return ""
