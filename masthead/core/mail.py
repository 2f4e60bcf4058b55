"""Mail pieces every app needs: header-safe text, one-line List-Unsubscribe headers, and
the count of sent mail that /prometheus reports."""

import email.policy
import functools
import logging
import re

from django.core import mail
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# Every C0 and C1 control, CR and LF included, and the Unicode line separators.
HEADER_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
SUBJECT_MAX = 180


def header_text(value: str, *, limit: int = SUBJECT_MAX) -> str:
    """`value` made safe for a mail header: one line, no controls, at most `limit` characters.

    Names readers typed and titles editors wrote reach headers; Django would
    refuse a newline, but refusing would lose the mail, and cleaning keeps it.
    """
    single = " ".join(HEADER_UNSAFE.sub(" ", str(value)).split())
    return single if len(single) <= limit else single[: limit - 1].rstrip() + "…"


class UnfoldedHeadersMail(mail.EmailMultiAlternatives):
    """A mail whose `unfolded_headers` are written on one line, exactly as given.

    Python folds a header longer than 78 characters, and a value with no space
    in it (a List-Unsubscribe URL) it can only fold into RFC 2047 encoded words,
    which mail clients do not decode in that header: the one-click button would
    not appear.  RFC 5322 allows lines of up to 998 characters, so such headers
    are stored raw and exempted from refolding; every other header is folded
    as usual.
    """

    unfolded_headers: dict[str, str]

    def message(self, *, policy=email.policy.default):
        msg = super().message(policy=policy)
        unfolded = getattr(self, "unfolded_headers", {})
        if unfolded:
            msg.policy = msg.policy.clone(refold_source="none")
            for name, value in unfolded.items():
                if HEADER_UNSAFE.search(value) or len(value) > 900:
                    raise ValueError(f"Refusing an unsafe {name} header")
                msg.set_raw(name, value)
        return msg


# --- counting sent mail, for /prometheus ------------------------------------------------

SENT_COUNTER_KEY = "ops:emails-sent"


def count_sent_emails(count: int) -> None:
    """Add `count` accepted emails to the total every app server reports.

    Workers on other machines send most mail (newsletters), so the total lives in
    the shared default cache, not in this process.  Counting must never cost a mail:
    a cache outage only loses the count.
    """
    if count <= 0:
        return
    from django.core.cache import caches

    cache = caches["default"]
    try:
        cache.add(SENT_COUNTER_KEY, 0, timeout=None)
        cache.incr(SENT_COUNTER_KEY, count)
    except Exception as exc:
        logger.warning("could not count %d sent emails: %s", count, exc)


def sent_emails_total() -> int:
    from django.core.cache import caches

    return int(caches["default"].get(SENT_COUNTER_KEY) or 0)


@functools.cache
def _counting_class(backend_path: str) -> type:
    base = import_string(backend_path)

    def send_messages(self, email_messages):
        sent = base.send_messages(self, email_messages)
        if sent:
            count_sent_emails(sent)
        return sent

    return type(base.__name__, (base,), {"send_messages": send_messages, "__module__": __name__})


def counting_backend(*, backend: str, **options):
    """A MAILERS "BACKEND" that is `backend` (a dotted path) counting what it sends.

    It returns an instance of a subclass of `backend`, so code that checks for
    Django's SMTP backend (newsletter sending's fast path) still recognises it:
        MAILERS = {"default": {"BACKEND": "masthead.core.mail.counting_backend",
                               "OPTIONS": {"backend": "...smtp.EmailBackend", "host": ...}}}
    """
    return _counting_class(backend)(**options)
