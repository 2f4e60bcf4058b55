"""Money in minor units: every function, with zero-decimal (JPY) and 3-decimal (BHD) currencies."""

from decimal import Decimal

import pytest

from masthead.support import money


@pytest.mark.parametrize(
    ("major", "currency", "minor"),
    [
        ("12.50", "USD", 1250),
        ("12,50", "EUR", 1250),
        (10, "USD", 1000),
        ("0.01", "USD", 1),
        ("1250", "JPY", 1250),
        (" 7 ", "KRW", 7),
        ("1.234", "BHD", 1234),
        ("0.001", "BHD", 1),
        (Decimal("99.9"), "GBP", 9990),
        ("1000000", "USD", 100_000_000),
    ],
)
def test_to_minor(major, currency, minor):
    assert money.to_minor(major, currency) == minor


@pytest.mark.parametrize(
    ("major", "currency", "message"),
    [
        ("-5", "USD", "more than zero"),
        ("0", "USD", "more than zero"),
        ("0.00", "EUR", "more than zero"),
        ("1000000.01", "USD", "larger than"),
        ("1e9", "USD", "larger than"),
        ("abc", "USD", "as a number"),
        ("", "USD", "as a number"),
        ("NaN", "USD", "as a number"),
        ("Infinity", "USD", "as a number"),
        ("-Infinity", "USD", "as a number"),
        ("12.345", "USD", "at most 2 decimal"),
        ("12.5", "JPY", "whole numbers"),
        ("1.2345", "BHD", "at most 3 decimal"),
        ("10", "XYZ", "not a currency"),
        ("10", "usd", "not a currency"),
    ],
)
def test_to_minor_refuses(major, currency, message):
    with pytest.raises(money.MoneyError, match=message):
        money.to_minor(major, currency)


def test_exponent():
    assert money.exponent("USD") == 2
    assert money.exponent("JPY") == 0
    assert money.exponent("BHD") == 3
    with pytest.raises(money.MoneyError):
        money.exponent("XXX")


@pytest.mark.parametrize(
    ("minor", "currency", "major"),
    [
        (1250, "USD", Decimal("12.50")),
        (1, "EUR", Decimal("0.01")),
        (1250, "JPY", Decimal("1250")),
        (1234, "BHD", Decimal("1.234")),
    ],
)
def test_to_major(minor, currency, major):
    assert money.to_major(minor, currency) == major
    assert str(money.to_major(minor, currency)) == str(major)


def test_round_trip_for_every_currency():
    for currency, places in money.EXPONENTS.items():
        minor = 123456
        assert money.to_minor(money.to_major(minor, currency), currency) == minor, currency
        assert places in (0, 2, 3)


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (2500, "USD", "$25"),
        (1250, "USD", "$12.50"),
        (1000, "EUR", "€10"),
        (1250, "JPY", "¥1,250"),
        (123456789, "USD", "$1,234,567.89"),
        (1234, "BHD", "BHD 1.234"),
        (5000, "SEK", "SEK 50"),
    ],
)
def test_format_amount(minor, currency, text):
    assert money.format_amount(minor, currency) == text
