"""What other apps keep about a reader, so the account can show, export and erase it.

The readers app owns the account; each app that stores something about a reader
(newsletter choices, comment subscriptions, comments, donations) registers a
provider from its AppConfig.ready().  The reader's page includes each provider's
section, "export my data" puts each provider's export under its key, and
"delete my account" calls every erase() inside one transaction before the user
row goes.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest


@dataclass(frozen=True)
class ReaderDataProvider:
    key: str  # the provider's key in the export file, e.g. "newsletters"
    label: str  # a heading for people: "Newsletters"
    # Everything stored about this reader, as JSON-serialisable data.
    export: Callable[[AbstractBaseUser], Any]
    # Remove or anonymise it all; runs inside the account-deletion transaction.
    erase: Callable[[AbstractBaseUser], None]
    # A template included on the reader's page, with extra context from section_context.
    section_template: str = ""
    section_context: Callable[[HttpRequest, AbstractBaseUser], dict] | None = None
    # Called (inside a transaction) after a reader's address changed from old to new.
    email_changed: Callable[[AbstractBaseUser, str, str], None] | None = None
    # A POST from the section's own forms (sent to readers:section with the key):
    # acts for the signed-in reader and returns a message for them, or None.
    handle_post: Callable[[HttpRequest, AbstractBaseUser], str | None] | None = None
    order: int = 100


_providers: dict[str, ReaderDataProvider] = {}


def register(provider: ReaderDataProvider) -> None:
    _providers[provider.key] = provider


def providers() -> list[ReaderDataProvider]:
    return sorted(_providers.values(), key=lambda p: (p.order, p.key))
