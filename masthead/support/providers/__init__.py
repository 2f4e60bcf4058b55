"""The payment providers, by name: Stripe, PayPal and the offline test provider."""

from importlib import import_module

from .base import PaymentProvider

_MODULES = {
    "stripe": "masthead.support.providers.stripe_provider",
    "paypal": "masthead.support.providers.paypal_provider",
    "offline": "masthead.support.providers.offline",
}


def get(name: str) -> PaymentProvider:
    """The provider called `name`; KeyError for an unknown one."""
    return import_module(_MODULES[name]).provider


def configured() -> list[PaymentProvider]:
    """The providers a reader may choose here, in a fixed order."""
    found = []
    for name in _MODULES:
        provider = get(name)
        if provider.is_configured():
            found.append(provider)
    return found
