"""Amounts of money: integers in the currency's minor unit, never floats.

ISO 4217 gives each currency its number of decimals ("exponent"): 2 for USD
and EUR (cents), 0 for JPY and KRW (no minor unit), 3 for BHD.  Providers take
amounts in minor units (Stripe) or as decimal strings (PayPal); both are
derived from the integer here.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# The currencies a site may offer, with their ISO 4217 exponent.  Stripe's and
# PayPal's lists overlap on these; a site picks a subset in SupportSettings.
EXPONENTS = {
    "USD": 2, "EUR": 2, "GBP": 2, "CHF": 2, "CAD": 2, "AUD": 2, "NZD": 2, "SEK": 2,
    "NOK": 2, "DKK": 2, "PLN": 2, "CZK": 2, "HUF": 2, "BRL": 2, "MXN": 2, "INR": 2,
    "ZAR": 2, "SGD": 2, "HKD": 2, "ILS": 2, "JPY": 0, "KRW": 0, "TWD": 2, "BHD": 3,
}  # fmt: skip
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CHF": "CHF ", "KRW": "₩"}
# The largest amount accepted anywhere, in major units, whatever a site sets.
HARD_MAXIMUM_MAJOR = 1_000_000


class MoneyError(ValueError):
    """An amount or currency that cannot be used, with a message for people."""


def exponent(currency: str) -> int:
    try:
        return EXPONENTS[currency]
    except KeyError:
        raise MoneyError(f"{currency!r} is not a currency we accept.") from None


def to_minor(major: str | int | Decimal, currency: str) -> int:
    """'12.50' USD -> 1250; refuses anything that is not a plain positive number."""
    places = exponent(currency)
    try:
        value = Decimal(str(major).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise MoneyError("Please give the amount as a number, like 10 or 12.50.") from None
    if not value.is_finite():
        raise MoneyError("Please give the amount as a number, like 10 or 12.50.")
    if value <= 0:
        raise MoneyError("The amount must be more than zero.")
    if value > HARD_MAXIMUM_MAJOR:
        raise MoneyError("That amount is larger than we can accept.")
    if value != value.quantize(Decimal(1).scaleb(-places)):
        if places == 0:
            raise MoneyError(f"{currency} amounts are whole numbers.")
        raise MoneyError(f"{currency} amounts have at most {places} decimal places.")
    return int((value * (10**places)).to_integral_value(rounding=ROUND_HALF_UP))


def to_major(minor: int, currency: str) -> Decimal:
    """1250 USD -> Decimal('12.50'); 1250 JPY -> Decimal('1250')."""
    places = exponent(currency)
    return (Decimal(minor) / (10**places)).quantize(Decimal(1).scaleb(-places))


def format_amount(minor: int, currency: str) -> str:
    """For people: '$12.50', '€10', 'JPY 1,250' (whole amounts shown without decimals)."""
    major = to_major(minor, currency)
    text = f"{major:,.0f}" if major == major.to_integral_value() else f"{major:,}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{currency} {text}"
