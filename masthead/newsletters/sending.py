"""Sending an issue: one delivery row per subscriber, claimed in batches, marked one by one.

The ledger (Delivery) is what makes sending safe to interrupt:

- start_sending() freezes the mail and inserts a queued row for every active
  subscriber, in one transaction with the status change, so an issue that is
  "sending" always has all its rows.
- A sender claims a batch of due rows atomically (PostgreSQL: SELECT ... FOR
  UPDATE SKIP LOCKED; SQLite: the IMMEDIATE transaction serialises writers),
  marking them "sending" under its name with a lease.  Two senders never hold
  the same row.
- Each row is marked "sent" right after the SMTP server accepted its message.
  A sender killed between the two can repeat only that in-flight message, so
  duplicates are bounded by the number of senders.  A row whose lease expired
  (its sender died) is queued again by reclaim_expired().
- An SMTP failure never marks a row sent: a temporary one (connection refused
  or lost, timeouts, 4xx) puts the row and the rest of its batch back in the
  queue with exponential backoff; a permanent one (5xx) counts an attempt and
  gives up after NewsletterSettings.max_attempts, or at once when the server
  says the mailbox does not exist (550, 551, 553).
- The issue becomes "sent" when no row is queued or sending.

Speed is capped by NewsletterSettings.emails_per_minute, counted per minute
in the shared cache, so all workers together respect it.
"""

import base64
import contextlib
import email.policy
import logging
import os
import random
import smtplib
import socket
import threading
import time
from collections.abc import Callable, Iterable
from email.message import EmailMessage as PyEmailMessage
from email.utils import formataddr, formatdate, make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import close_old_connections, connection, transaction
from django.db.models import Count, F, Sum
from django.urls import reverse
from django.utils import timezone

from masthead.core.mail import HEADER_UNSAFE, UnfoldedHeadersMail, count_sent_emails, header_text

from . import rendering, tokens
from .models import (
    Delivery,
    DeliveryStatus,
    Issue,
    IssueStatus,
    NewsletterSettings,
)

logger = logging.getLogger(__name__)

CHUNK = 2000  # rows inserted per bulk_create when an issue starts
MAX_BACKOFF_SECONDS = 3600
REFUSED_MAILBOX = {550, 551, 553}  # the address does not exist: retrying cannot help


class SendingError(Exception):
    """An issue cannot be sent, scheduled or tested as asked."""


def lease_seconds() -> float:
    return float(getattr(settings, "NEWSLETTER_CLAIM_LEASE_SECONDS", 300))


def batch_size() -> int:
    return int(getattr(settings, "NEWSLETTER_BATCH_SIZE", 100))


def retry_base_seconds() -> float:
    return float(getattr(settings, "NEWSLETTER_RETRY_SECONDS", 30))


def backoff(attempts: int) -> float:
    """Seconds to wait before the next try of a row that failed `attempts` times."""
    return min(retry_base_seconds() * 2 ** max(attempts, 0), MAX_BACKOFF_SECONDS)


def sender_name() -> str:
    """Who claims rows: host, process and a random part (several senders per process)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{random.getrandbits(32):08x}"


def _settings() -> NewsletterSettings:
    site = rendering._default_site()
    if site is None:
        return NewsletterSettings()
    return NewsletterSettings.for_site(site)


# --- the message --------------------------------------------------------------------------


class Envelope:
    """What every message of an issue shares: the frozen mail and the sender's headers."""

    def __init__(self, issue: Issue, rendered: rendering.Rendered | None = None):
        newsletter = issue.newsletter
        self.issue_id = issue.pk
        self.newsletter = newsletter
        self.newsletter_id = newsletter.pk
        self.rendered = rendered or rendering.Rendered(
            subject=header_text(issue.subject), html=issue.sent_html, text=issue.sent_text
        )
        publication = rendering._publication()
        default_name, default_address = _split_address(settings.DEFAULT_FROM_EMAIL)
        name = newsletter.sender_name or (publication.name if publication else "") or default_name
        address = newsletter.sender_email or default_address
        self.from_email = formataddr((header_text(name, limit=100), address))
        self.reply_to = [newsletter.reply_to] if newsletter.reply_to else []
        self.domain = address.rpartition("@")[2] or "localhost"
        host = urlsplit(settings.SITE_URL).hostname or "localhost"
        self.list_id = f"{header_text(newsletter.name, limit=80)} <{newsletter.slug}.{host}>"
        self.envelope_from = address
        self._raw_parts: tuple[bytes, bytes, bytes, bytes] | None = None

    def _personal_links(self, subscriber_id: int | None) -> tuple[str, str]:
        if subscriber_id is not None:
            return (
                tokens.unsubscribe_url(subscriber_id, self.newsletter_id),
                tokens.manage_url(subscriber_id),
            )
        # A test copy: its links must not act on anyone's subscription.
        archive = rendering.absolute(
            reverse("newsletters:web_archive", args=[_slug(self.newsletter_id)])
        )
        return archive, archive

    def _prepare_raw(self) -> tuple[bytes, bytes, bytes, bytes]:
        """The headers every message shares, encoded and folded once, and the MIME frame."""
        head = PyEmailMessage(policy=email.policy.SMTP)
        head["From"] = self.from_email
        if self.reply_to:
            head["Reply-To"] = ", ".join(self.reply_to)
        head["Subject"] = self.rendered.subject
        head["MIME-Version"] = "1.0"
        head["List-Id"] = self.list_id
        head["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        head["Auto-Submitted"] = "auto-generated"
        head["Precedence"] = "bulk"
        common = bytes(head).split(b"\r\n\r\n", 1)[0] + b"\r\n"
        boundary = f"==masthead-{self.issue_id}-{random.getrandbits(64):016x}=="
        frame = (
            f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'
            f"--{boundary}\r\n"
            'Content-Type: text/plain; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n"
        ).encode()
        middle = (
            f"\r\n--{boundary}\r\n"
            'Content-Type: text/html; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n"
        ).encode()
        end = f"\r\n--{boundary}--\r\n".encode()
        return common, frame, middle, end

    def raw(self, *, subscriber_id: int, email: str) -> tuple[bytes, str]:
        """The message as SMTP bytes, assembled from parts made once per issue; and its id.

        At 100,000 recipients building each message with the email package costs
        more than sending it; only the recipient, the date, the id and the two
        personal links differ between messages.
        """
        if self._raw_parts is None:
            self._raw_parts = self._prepare_raw()
        common, frame, middle, end = self._raw_parts
        unsubscribe, manage = self._personal_links(subscriber_id)
        content = self.rendered.personalise(unsubscribe_url=unsubscribe, manage_url=manage)
        message_id = make_msgid(idstring=f"issue{self.issue_id}", domain=self.domain)
        raw = b"".join(
            [
                common,
                f"To: {email}\r\nDate: {formatdate(usegmt=True)}\r\n"
                f"Message-ID: {message_id}\r\nList-Unsubscribe: <{unsubscribe}>\r\n".encode(),
                frame,
                _base64_lines(content.text.replace("\r\n", "\n").replace("\n", "\r\n")),
                middle,
                _base64_lines(content.html),
                end,
            ]
        )
        return raw, message_id

    def message(self, *, subscriber_id: int | None, email: str, subject_prefix: str = ""):
        unsubscribe, manage = self._personal_links(subscriber_id)
        content = self.rendered.personalise(unsubscribe_url=unsubscribe, manage_url=manage)
        message_id = make_msgid(idstring=f"issue{self.issue_id}", domain=self.domain)
        message = UnfoldedHeadersMail(
            subject=header_text(subject_prefix + content.subject),
            body=content.text,
            from_email=self.from_email,
            to=[email],
            reply_to=self.reply_to,
            headers={
                "Message-ID": message_id,
                "List-Id": self.list_id,
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Auto-Submitted": "auto-generated",
                "Precedence": "bulk",
            },
        )
        message.unfolded_headers = {"List-Unsubscribe": f"<{unsubscribe}>"}
        message.attach_alternative(content.html, "text/html")
        if subscriber_id is not None:
            # Through django-anymail, ESPs echo metadata in their bounce and complaint
            # webhooks (many report only their own message id), so tracking.py can find
            # the exact delivery.  SMTP backends ignore the attribute.
            message.metadata = {"issue": str(self.issue_id), "subscriber": str(subscriber_id)}
        return message, message_id


def _base64_lines(text: str) -> bytes:
    return base64.encodebytes(text.encode()).replace(b"\n", b"\r\n").rstrip(b"\r\n")


def _slug(newsletter_id: int) -> str:
    from .models import Newsletter

    return Newsletter.objects.values_list("slug", flat=True).get(pk=newsletter_id)


def _split_address(value: str) -> tuple[str, str]:
    from email.utils import parseaddr

    name, address = parseaddr(value)
    return name, address or "newsroom@localhost"


# --- verbs for the admin ------------------------------------------------------------------


def _recipients(newsletter):
    """ListSubscription rows a send goes to: active on the list, address not bounced."""
    from .subscriptions import active_subscriptions

    return active_subscriptions(newsletter)


def _create_deliveries(issue: Issue) -> None:
    """A queued row per recipient, inserted in chunks by ascending subscriber id (flat memory)."""
    rows = _recipients(issue.newsletter).order_by("subscriber_id")
    last = 0
    now = timezone.now()
    while True:
        chunk = list(
            rows.filter(subscriber_id__gt=last).values_list("subscriber_id", "subscriber__email")[
                :CHUNK
            ]
        )
        if not chunk:
            break
        Delivery.objects.bulk_create(
            [
                Delivery(issue=issue, subscriber_id=sid, email=address, next_attempt_at=now)
                for sid, address in chunk
            ],
            ignore_conflicts=True,
        )
        last = chunk[-1][0]


def _startable(issue_id: int, *, lock: bool = False) -> Issue:
    rows = Issue.objects.select_related("newsletter").filter(pk=issue_id)
    current = (rows.select_for_update(of=("self",)) if lock else rows).first()
    if current is None:
        raise SendingError("This issue no longer exists.")
    if current.status not in (IssueStatus.DRAFT, IssueStatus.SCHEDULED):
        state = current.get_status_display().lower()
        raise SendingError(f"This issue is {state}; it cannot start again.")
    return current


def start_sending(issue: Issue, *, user=None) -> Issue:
    """Queue a delivery per active subscriber, freeze the mail, and start the sending.

    Only a draft or a scheduled issue can start; anything else raises SendingError.
    The rows are inserted first, in short transactions (a list of 100,000 would
    otherwise hold SQLite's write lock for seconds); nothing sends them until
    the issue turns "sending", which happens in one transaction with the frozen
    mail and the final count.  Inserting is idempotent, so a start interrupted
    half-way is simply started again.
    """
    _create_deliveries(_startable(issue.pk))
    with transaction.atomic():
        current = _startable(issue.pk, lock=True)
        rendered = rendering.render_issue(current)
        current.sent_html, current.sent_text = rendered.html, rendered.text
        current.status = IssueStatus.SENDING
        current.started_at = timezone.now()
        current.recipients = Delivery.objects.filter(issue_id=current.pk).count()
        current.save(
            update_fields=[
                "sent_html",
                "sent_text",
                "status",
                "started_at",
                "recipients",
                "updated_at",
            ]
        )
        if current.recipients == 0:
            _finish_if_done(current.pk)
        issue_id = current.pk
        transaction.on_commit(lambda: _kick(issue_id), robust=True)
    issue.refresh_from_db()
    return issue


def _kick(issue_id: int) -> None:
    from .tasks import send_issue

    send_issue.enqueue(issue_id=issue_id)


def schedule(issue: Issue, when) -> Issue:
    """Send `issue` at `when` (the worker starts it once that time has come)."""
    if when is None:
        raise SendingError("Choose when to send the issue.")
    updated = Issue.objects.filter(
        pk=issue.pk, status__in=[IssueStatus.DRAFT, IssueStatus.SCHEDULED]
    ).update(status=IssueStatus.SCHEDULED, scheduled_at=when, updated_at=timezone.now())
    if not updated:
        raise SendingError("Only a draft or a scheduled issue can be scheduled.")
    issue.refresh_from_db()
    return issue


def unschedule(issue: Issue) -> Issue:
    updated = Issue.objects.filter(pk=issue.pk, status=IssueStatus.SCHEDULED).update(
        status=IssueStatus.DRAFT, scheduled_at=None, updated_at=timezone.now()
    )
    if not updated:
        raise SendingError("This issue is not scheduled.")
    issue.refresh_from_db()
    return issue


def start_due_issues(now=None) -> list[int]:
    """Start every scheduled issue whose time has come; returns their ids."""
    now = now or timezone.now()
    started = []
    for issue in Issue.objects.filter(status=IssueStatus.SCHEDULED, scheduled_at__lte=now):
        try:
            start_sending(issue)
        except SendingError:
            continue  # another worker started it first
        started.append(issue.pk)
    return started


def progress(issue: Issue) -> dict:
    """Counts per delivery status, total, attempts, recent failures and the times."""
    rows = Delivery.objects.filter(issue_id=issue.pk)
    counts = dict.fromkeys(DeliveryStatus.values, 0)
    for row in rows.values("status").annotate(n=Count("pk")).order_by():
        counts[row["status"]] = row["n"]
    attempts = rows.aggregate(total=Sum("attempts"))["total"] or 0
    issue.refresh_from_db(fields=["status", "started_at", "finished_at", "recipients"])
    total = sum(counts.values())
    failures = list(
        rows.filter(status=DeliveryStatus.FAILED)
        .order_by("-pk")
        .values("email", "attempts", "last_error")[:20]
    )
    retrying = rows.filter(status=DeliveryStatus.QUEUED, attempts__gt=0).count()
    return {
        "status": issue.status,
        "total": total,
        "recipients": issue.recipients,
        **counts,
        "retrying": retrying,
        "attempts": attempts,
        "done": counts[DeliveryStatus.SENT] + counts[DeliveryStatus.FAILED],
        "percent": round(
            100 * (counts[DeliveryStatus.SENT] + counts[DeliveryStatus.FAILED]) / total
        )
        if total
        else 100,
        "recent_failures": failures,
        "started_at": issue.started_at,
        "finished_at": issue.finished_at,
    }


def retryable(issue: Issue):
    """The failed deliveries of `issue` that a retry would send again: only to addresses
    still subscribed, since the others were closed on purpose."""
    still = _recipients(issue.newsletter).values("subscriber_id")
    return Delivery.objects.filter(
        issue_id=issue.pk, status=DeliveryStatus.FAILED, subscriber_id__in=still
    )


def retry_failed(issue: Issue) -> int:
    """Queue the failed deliveries of `issue` again with fresh attempts; returns how many."""
    with transaction.atomic():
        count = retryable(issue).update(
            status=DeliveryStatus.QUEUED,
            attempts=0,
            next_attempt_at=timezone.now(),
            claimed_by="",
            claimed_at=None,
        )
        if count:
            Issue.objects.filter(pk=issue.pk, status=IssueStatus.SENT).update(
                status=IssueStatus.SENDING, finished_at=None
            )
            issue_id = issue.pk
            transaction.on_commit(lambda: _kick(issue_id), robust=True)
    issue.refresh_from_db()
    return count


def send_test(issue: Issue, address: str) -> str:
    """Mail one copy of `issue` to `address` now, "[Test]" in the subject; returns its Message-ID.

    Raises SendingError when the address is unusable or the SMTP server refuses.
    """
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    address = (address or "").strip().lower()
    if not address or len(address) > 254 or HEADER_UNSAFE.search(address):
        raise SendingError("Enter a valid email address.")
    try:
        validate_email(address)
    except ValidationError as exc:
        raise SendingError("Enter a valid email address.") from exc
    rendered = rendering.render_issue(issue)
    envelope = Envelope(issue, rendered)
    message, message_id = envelope.message(
        subscriber_id=None, email=address, subject_prefix="[Test] "
    )
    try:
        with mail.mailers.default as backend:
            sent = backend.send_messages([message])
    except (smtplib.SMTPException, OSError) as exc:
        raise SendingError(f"The test mail could not be sent: {_describe(exc)}") from exc
    if not sent:
        raise SendingError("The test mail could not be sent: the mail server did not accept it.")
    return message_id


# --- claiming ---------------------------------------------------------------------------


def reclaim_expired(now=None) -> int:
    """Queue again the rows whose sender stopped renewing its lease (it died); returns how many."""
    now = now or timezone.now()
    expired = now - timezone.timedelta(seconds=lease_seconds())
    return Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=expired).update(
        status=DeliveryStatus.QUEUED, claimed_by="", claimed_at=None
    )


def claim_batch(*, issue_id: int, owner: str, size: int | None = None) -> list[Delivery]:
    """Take up to `size` due queued rows of the issue for `owner`; no other sender gets them."""
    size = size or batch_size()
    now = timezone.now()
    with transaction.atomic():
        due = Delivery.objects.filter(
            issue_id=issue_id, status=DeliveryStatus.QUEUED, next_attempt_at__lte=now
        ).order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:size])
        if not ids:
            return []
        Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.QUEUED).update(
            status=DeliveryStatus.SENDING, claimed_by=owner, claimed_at=now
        )
    return list(
        Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.SENDING, claimed_by=owner)
        .order_by("pk")
        .only("pk", "subscriber_id", "email", "attempts")
    )


def _renew(ids: Iterable[int], owner: str) -> None:
    Delivery.objects.filter(
        pk__in=list(ids), status=DeliveryStatus.SENDING, claimed_by=owner
    ).update(claimed_at=timezone.now())


def _requeue(ids: list[int], owner: str, *, delay: float) -> None:
    if ids:
        Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.SENDING, claimed_by=owner).update(
            status=DeliveryStatus.QUEUED,
            claimed_by="",
            claimed_at=None,
            next_attempt_at=timezone.now() + timezone.timedelta(seconds=delay),
        )


def _finish_if_done(issue_id: int) -> bool:
    """Mark the issue sent once no row is queued or sending; True if it is (now) sent."""
    pending = Delivery.objects.filter(
        issue_id=issue_id, status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING]
    ).exists()
    if pending:
        return False
    finished = Issue.objects.filter(pk=issue_id, status=IssueStatus.SENDING).update(
        status=IssueStatus.SENT, finished_at=timezone.now()
    )
    if finished:
        from masthead.core.pagecache.generation import bump_generation

        bump_generation()  # the archive page lists the new issue
    return True


# --- rate ----------------------------------------------------------------------------------


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def wait_for_rate(
    per_minute: int, stop: threading.Event | None = None, on_wait: Callable[[], None] | None = None
) -> None:
    """Take one of this minute's `per_minute` places (shared by all workers), waiting if full.

    `on_wait` runs before each pause (the sender renews its lease there): the
    pauses are shorter than a third of the lease, so a sender waiting for the
    next minute is never taken for a dead one.
    """
    if per_minute <= 0:
        return
    while True:
        now = time.time()
        minute = int(now // 60)
        key = f"newsletters:rate:{minute}"
        cache.add(key, 0, timeout=180)
        try:
            used = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.add(key, 1, timeout=180)
            used = 1
        if used <= per_minute:
            return
        if stop is not None and stop.is_set():
            raise _Stopped
        if on_wait is not None:
            on_wait()
        _sleep(min(max((minute + 1) * 60 - now, 0.01), max(lease_seconds() / 3, 0.05)))


class _Stopped(Exception):
    pass


# --- sending a batch -------------------------------------------------------------------


def _describe(exc: BaseException) -> str:
    code, text = _smtp_code(exc)
    detail = text or str(exc) or type(exc).__name__
    return header_text(f"{code} {detail}" if code else f"{type(exc).__name__}: {detail}", limit=290)


def _smtp_code(exc: BaseException) -> tuple[int | None, str]:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        for code, text in exc.recipients.values():
            return code, text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error
        return exc.smtp_code, text.decode("utf-8", "replace") if isinstance(text, bytes) else str(
            text
        )
    return None, ""


def _is_connection_failure(exc: BaseException) -> bool:
    """The server or the link failed (not this recipient): the rest of the batch waits too."""
    code, _ = _smtp_code(exc)
    if code == 421:
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPResponseException):
        return False
    return isinstance(exc, smtplib.SMTPException | OSError)


def send_batch(
    *,
    issue_id: int,
    rows: list[Delivery],
    owner: str,
    envelope: Envelope,
    options: NewsletterSettings,
    stop: threading.Event | None = None,
) -> int:
    """Send the claimed `rows` over one SMTP connection; returns how many were accepted."""
    rows = _drop_unsubscribed(rows, owner, envelope)
    pending = [row.pk for row in rows]
    if not rows:
        return 0
    try:
        backend = mail.mailers.default
        backend.open()
    except (smtplib.SMTPException, OSError) as exc:
        # Nothing was attempted: the rows wait without spending an attempt.
        logger.warning("Newsletter %s: cannot reach the mail server: %s", issue_id, _describe(exc))
        _requeue(pending, owner, delay=backoff(0))
        return 0
    # Django's SMTP backend: its open connection takes the assembled bytes directly.
    smtp = getattr(backend, "connection", None) if isinstance(backend, SMTPBackend) else None
    accepted = 0
    # Mail written straight to the SMTP connection bypasses the counting backend.
    sent_raw = 0
    renew_every = max(lease_seconds() / 3, 0.05)
    renewed = time.monotonic()
    try:
        for index, row in enumerate(rows):
            if stop is not None and stop.is_set():
                _requeue(pending[index:], owner, delay=0)
                break
            if time.monotonic() - renewed > renew_every:
                _renew(pending[index:], owner)
                renewed = time.monotonic()
            try:
                wait_for_rate(
                    options.emails_per_minute,
                    stop,
                    on_wait=lambda rest=pending[index:]: _renew(rest, owner),
                )
            except _Stopped:
                _requeue(pending[index:], owner, delay=0)
                break
            try:
                if smtp is not None and row.email.isascii() and row.subscriber_id is not None:
                    raw, message_id = envelope.raw(subscriber_id=row.subscriber_id, email=row.email)
                    smtp.sendmail(envelope.envelope_from, [row.email], raw)
                    delivered = 1
                    sent_raw += 1
                else:
                    message, message_id = envelope.message(
                        subscriber_id=row.subscriber_id, email=row.email
                    )
                    delivered = backend.send_messages([message])
            except (smtplib.SMTPException, OSError) as exc:
                if _is_connection_failure(exc):
                    _fail_temporarily(row, owner, exc, options)
                    _requeue(pending[index + 1 :], owner, delay=backoff(0))
                    break
                _fail_for_recipient(row, owner, exc, options)
                continue
            if not delivered:  # the backend gave up without an exception
                _fail_temporarily(row, owner, RuntimeError("not accepted"), options)
                _requeue(pending[index + 1 :], owner, delay=backoff(0))
                break
            Delivery.objects.filter(pk=row.pk).update(
                status=DeliveryStatus.SENT,
                sent_at=timezone.now(),
                message_id=message_id[:200],
                attempts=F("attempts") + 1,
                claimed_by="",
                last_error="",
            )
            accepted += 1
    finally:
        with contextlib.suppress(Exception):  # a dead connection may fail to close
            backend.close()
        count_sent_emails(sent_raw)
    return accepted


def _drop_unsubscribed(rows: list[Delivery], owner: str, envelope: Envelope) -> list[Delivery]:
    """The rows whose subscriber is still subscribed; the others are closed, unsent.

    A send of 100,000 takes minutes: whoever unsubscribed, bounced or deleted
    their account since it started must not get it.
    """
    ids = [row.subscriber_id for row in rows if row.subscriber_id is not None]
    still = set(
        _recipients(envelope.newsletter)
        .filter(subscriber_id__in=ids)
        .values_list("subscriber_id", flat=True)
    )
    gone = [row.pk for row in rows if row.subscriber_id not in still]
    if gone:
        Delivery.objects.filter(pk__in=gone, claimed_by=owner).update(
            status=DeliveryStatus.FAILED,
            last_error="Not sent: no longer subscribed when its turn came.",
            claimed_by="",
            claimed_at=None,
        )
    return [row for row in rows if row.subscriber_id in still]


def _fail_temporarily(row: Delivery, owner: str, exc: BaseException, options) -> None:
    attempts = row.attempts + 1
    gone = attempts >= options.max_attempts
    Delivery.objects.filter(pk=row.pk, claimed_by=owner).update(
        status=DeliveryStatus.FAILED if gone else DeliveryStatus.QUEUED,
        attempts=attempts,
        last_error=_describe(exc),
        claimed_by="",
        claimed_at=None,
        next_attempt_at=timezone.now() + timezone.timedelta(seconds=backoff(attempts)),
    )


def _fail_for_recipient(row: Delivery, owner: str, exc: BaseException, options) -> None:
    code, _ = _smtp_code(exc)
    if code is not None and 400 <= code < 500:
        _fail_temporarily(row, owner, exc, options)
        return
    attempts = row.attempts + 1
    gone = code in REFUSED_MAILBOX or attempts >= options.max_attempts
    Delivery.objects.filter(pk=row.pk, claimed_by=owner).update(
        status=DeliveryStatus.FAILED if gone else DeliveryStatus.QUEUED,
        attempts=attempts,
        last_error=_describe(exc),
        claimed_by="",
        claimed_at=None,
        next_attempt_at=timezone.now() + timezone.timedelta(seconds=backoff(attempts)),
    )


# --- the sending loop ---------------------------------------------------------------------


def sending_issue_ids() -> list[int]:
    return list(
        Issue.objects.filter(status=IssueStatus.SENDING)
        .order_by("started_at", "pk")
        .values_list("pk", flat=True)
    )


def send_available(
    *, owner: str | None = None, issue_id: int | None = None, stop: threading.Event | None = None
) -> int:
    """Send batches until nothing is due now; returns how many messages were accepted."""
    owner = owner or sender_name()
    total = 0
    envelopes: dict[int, Envelope] = {}
    while not (stop is not None and stop.is_set()):
        options = _settings()
        progressed = False
        for pk in [issue_id] if issue_id is not None else sending_issue_ids():
            rows = claim_batch(issue_id=pk, owner=owner)
            if not rows:
                _finish_if_done(pk)
                continue
            if pk not in envelopes:
                issue = Issue.objects.select_related("newsletter").get(pk=pk)
                envelopes[pk] = Envelope(issue)
            total += send_batch(
                issue_id=pk,
                rows=rows,
                owner=owner,
                envelope=envelopes[pk],
                options=options,
                stop=stop,
            )
            progressed = True
            _finish_if_done(pk)
        if not progressed:
            break
    return total


def has_unfinished_work() -> bool:
    return Issue.objects.filter(status__in=[IssueStatus.SENDING]).exists()


def maintenance() -> None:
    """The periodic part: start due scheduled issues, reclaim rows of dead senders."""
    start_due_issues()
    reclaim_expired()
    for pk in sending_issue_ids():
        _finish_if_done(pk)


def run(
    *,
    concurrency: int = 1,
    until_done: bool = False,
    stop: threading.Event | None = None,
    idle_seconds: float = 1.0,
) -> int:
    """The sending loop of a worker: maintenance, then `concurrency` senders, until stopped.

    With `until_done`, returns once no issue is left sending (or scheduled and due).
    """
    stop = stop or threading.Event()
    total = 0
    lock = threading.Lock()

    def sender(own_thread: bool = False) -> None:
        nonlocal total
        try:
            sent = send_available(owner=sender_name(), stop=stop)
        finally:
            # A thread's connection dies with it only if closed: PostgreSQL would
            # keep one idle session per finished sender.
            if own_thread:
                connection.close()
            else:
                _release_connection()
        with lock:
            total += sent

    while not stop.is_set():
        maintenance()
        if concurrency <= 1:
            sender()
        else:
            threads = [
                threading.Thread(target=sender, args=(True,), name=f"newsletter-sender-{n}")
                for n in range(concurrency)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        _release_connection()
        if until_done and not has_unfinished_work() and not _due_scheduled():
            break
        stop.wait(min(idle_seconds, _next_due_in()))
    return total


def _release_connection() -> None:
    """Drop this thread's connection between rounds if stale, but never inside a transaction.

    (A caller's atomic block, a test's included, would otherwise be cut off.)
    """
    if not connection.in_atomic_block:
        close_old_connections()


def _due_scheduled() -> bool:
    return Issue.objects.filter(
        status=IssueStatus.SCHEDULED, scheduled_at__lte=timezone.now()
    ).exists()


def _next_due_in() -> float:
    """Seconds until the earliest queued row is due (the loop sleeps no longer than that)."""
    soonest = (
        Delivery.objects.filter(status=DeliveryStatus.QUEUED, issue__status=IssueStatus.SENDING)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if soonest is None:
        return 60.0
    return max((soonest - timezone.now()).total_seconds(), 0.05)


# --- in the `masthead worker` process -------------------------------------------------------

_background: threading.Thread | None = None
_background_lock = threading.Lock()


def periodic() -> None:
    """The worker's periodic job: maintenance, and a sender thread in this process while needed.

    The sender runs inside the worker process, so stopping (or killing) the
    worker stops the sending with it; the ledger lets the next worker resume.
    """
    global _background
    maintenance()
    if not has_unfinished_work():
        return
    with _background_lock:
        if _background is not None and _background.is_alive():
            return

        def loop() -> None:
            try:
                send_available()
            finally:
                connection.close()

        _background = threading.Thread(target=loop, name="newsletter-sender", daemon=True)
        _background.start()
