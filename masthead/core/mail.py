"""Mail pieces every app needs: header-safe text, and one-line List-Unsubscribe headers."""

import email.policy
import re

from django.core import mail

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
