"""Subscribers in and out as CSV: a streamed export safe to open in a spreadsheet, and an
import that reads the upload line by line, checks every row before changing anything, and
never subscribes again an address that unsubscribed, bounced or complained."""

import codecs
import csv
import dataclasses
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from masthead.core.spreadsheet import safe_cell

from .models import Newsletter, Subscriber, SubscriberStatus, SubscriptionStatus

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
# Addresses per import task (one commit each).
CHUNK_ROWS = 500
# How many problem rows the report lists one by one; the rest are counted.
REPORT_LIMIT = 200
NAME_MAX_LENGTH = 100
EMAIL_HEADERS = {"email", "e-mail", "email address", "e-mail address", "mail"}
NAME_HEADERS = {"name", "full name"}
EXPORT_HEADER = [
    "email",
    "name",
    "status",
    "newsletter",
    "subscription_status",
    "source",
    "requested_at",
    "confirmed_at",
    "unsubscribed_at",
]


class CsvProblem(Exception):
    """The file as a whole cannot be imported; the message is for the editor."""


class RowInvalid(Exception):
    pass


# --- export ---------------------------------------------------------------


def export_rows(
    subscribers: QuerySet, *, newsletter: Newsletter | None = None, subscription_status: str = ""
) -> Iterator[list[str]]:
    """One row per (subscriber, list), or one bare row for an address on no list; only the
    rows of the chosen list and status when the listing was filtered by them."""
    yield EXPORT_HEADER
    rows = (
        subscribers.order_by("email", "subscriptions__newsletter__sort_order")
        .values_list(
            "email",
            "name",
            "status",
            "subscriptions__newsletter_id",
            "subscriptions__newsletter__slug",
            "subscriptions__status",
            "subscriptions__source",
            "subscriptions__requested_at",
            "subscriptions__confirmed_at",
            "subscriptions__unsubscribed_at",
        )
        .iterator(chunk_size=2000)
    )
    for email, name, status, list_id, slug, sub_status, *rest in rows:
        if newsletter is not None and list_id != newsletter.pk:
            continue
        if subscription_status and sub_status != subscription_status:
            continue
        yield [safe_cell(v) for v in (email, name, status, slug, sub_status, *rest)]


# --- import: reading ------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Row:
    line: int
    email: str
    name: str


def _text_lines(upload) -> Iterator[str]:
    """The upload's lines as text, decoded as they are read (one line in memory at a time)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    upload.seek(0)
    # File.__iter__ reads in chunks and splits on any line ending, keeping it: csv needs
    # the endings to read a quoted value that spans lines.
    for raw in upload:
        try:
            text = decoder.decode(raw)
        except UnicodeDecodeError:
            raise CsvProblem(
                "The file is not UTF-8 text. In Excel, save it as “CSV UTF-8”; "
                "in other programs choose the UTF-8 encoding."
            ) from None
        if "\x00" in text:
            raise CsvProblem("This is not a CSV text file (it contains binary data).")
        yield text
    try:
        tail = decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise CsvProblem(
            "The file is not UTF-8 text: it ends in the middle of a character."
        ) from None
    if tail:
        yield tail


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_rows(upload) -> Iterator[Row]:
    """The data rows of an uploaded CSV, in order, with the line each starts on.

    Raises CsvProblem for a file that cannot be read as a whole; a row's own problems
    are found by clean_row.
    """
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise CsvProblem(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    lines = _text_lines(upload)
    first = next(lines, None)
    while first is not None and not first.strip():
        first = next(lines, None)
    if first is None:
        raise CsvProblem("The file is empty.")

    def again():
        yield first
        yield from lines

    reader = csv.reader(again(), delimiter=_delimiter(first), strict=True)
    try:
        header = [cell.strip().lower() for cell in next(reader)]
        email_at = next((i for i, h in enumerate(header) if h in EMAIL_HEADERS), None)
        if email_at is None:
            raise CsvProblem(
                "The first row must name the columns, and one of them must be “email”."
            )
        name_at = next((i for i, h in enumerate(header) if h in NAME_HEADERS), None)
        count = 0
        previous_end = reader.line_num
        for cells in reader:
            line = previous_end + 1
            previous_end = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            count += 1
            if count > MAX_ROWS:
                raise CsvProblem(f"The file has more than {MAX_ROWS:,} rows; split it.")
            yield Row(
                line=line,
                email=cells[email_at] if email_at < len(cells) else "",
                name=cells[name_at] if name_at is not None and name_at < len(cells) else "",
            )
    except csv.Error as error:
        raise CsvProblem(f"Line {reader.line_num} cannot be read as CSV ({error}).") from None


def check_upload(upload) -> int:
    """Reads the whole upload once, so a file that breaks half-way changes nothing;
    returns the number of data rows."""
    count = sum(1 for _ in read_rows(upload))
    if not count:
        raise CsvProblem("The file has a header row but no addresses.")
    upload.seek(0)
    return count


def clean_row(row: Row) -> tuple[str, str]:
    """(email, name) of a row, or RowInvalid saying what is wrong with it."""
    from .subscriptions import normalise_email

    raw = row.email.strip()
    if not raw:
        raise RowInvalid("no email address")
    if "\r" in raw or "\n" in raw:
        raise RowInvalid("a line break in the email address")
    try:
        email = normalise_email(raw)
    except ValidationError as error:
        raise RowInvalid(f"{raw[:80]!r}: {' '.join(error.messages)}") from None
    name = " ".join(row.name.split()) if not _has_control(row.name) else None
    if name is None:
        raise RowInvalid(f"{email}: a line break or control character in the name")
    if len(name) > NAME_MAX_LENGTH:
        raise RowInvalid(f"{email}: the name is longer than {NAME_MAX_LENGTH} characters")
    return email, name


def _has_control(text: str) -> bool:
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in text)


# --- import: applying -----------------------------------------------------


@dataclasses.dataclass
class ImportReport:
    rows: int = 0
    added: int = 0
    already: int = 0
    invalid_count: int = 0
    invalid: list = dataclasses.field(default_factory=list)  # (line, reason)
    refused_count: int = 0
    refused: list = dataclasses.field(default_factory=list)  # (line, email, why)
    duplicate_count: int = 0
    duplicates: list = dataclasses.field(default_factory=list)  # line numbers

    def note_invalid(self, line: int, reason: str) -> None:
        self.invalid_count += 1
        if len(self.invalid) < REPORT_LIMIT:
            self.invalid.append((line, reason))

    def note_refused(self, line: int, email: str, why: str) -> None:
        self.refused_count += 1
        if len(self.refused) < REPORT_LIMIT:
            self.refused.append((line, email, why))

    def note_duplicate(self, line: int) -> None:
        self.duplicate_count += 1
        if len(self.duplicates) < REPORT_LIMIT:
            self.duplicates.append(line)

    def merge(self, other: "ImportReport") -> None:
        """Add a part's outcome (a part knows only its rows' added / already / refused)."""
        self.added += other.added
        self.already += other.already
        self.refused_count += other.refused_count
        room = REPORT_LIMIT - len(self.refused)
        self.refused.extend(other.refused[: max(room, 0)])

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ImportReport":
        fields = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in fields})


def valid_chunks(upload, report: ImportReport) -> Iterator[list[list]]:
    """The upload's valid, first-seen addresses as [line, email, name] rows, CHUNK_ROWS at
    a time; invalid and repeated rows are noted in `report` instead."""
    seen: set[str] = set()
    chunk: list[list] = []
    for row in read_rows(upload):
        report.rows += 1
        try:
            email, name = clean_row(row)
        except RowInvalid as invalid:
            report.note_invalid(row.line, str(invalid))
            continue
        if email in seen:
            report.note_duplicate(row.line)
            continue
        seen.add(email)
        chunk.append([row.line, email, name])
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def apply_chunk(rows, *, newsletters: list[Newsletter], consented: bool) -> ImportReport:
    """Subscribe one chunk of [line, email, name] rows to `newsletters`, in one commit.

    consented=False asks each address to confirm (double opt-in, through the signup
    service and its mail tasks, enqueued when the chunk commits); consented=True
    subscribes them at once with an import consent record. Either way an address that
    bounced or complained, or that unsubscribed from a list, is left as it is and reported.
    """
    report = ImportReport()
    with transaction.atomic():
        _apply_chunk(rows, newsletters=newsletters, consented=consented, report=report)
    return report


def _apply_chunk(chunk, *, newsletters, consented, report) -> None:
    from . import subscriptions

    known = {
        s.email: s
        for s in Subscriber.objects.filter(email__in=[email for _, email, _ in chunk])
        .prefetch_related("subscriptions")
        .only("pk", "email", "status")
    }
    for line, email, name in chunk:
        subscriber = known.get(email)
        states = {}
        if subscriber is not None:
            if subscriber.status != SubscriberStatus.ACTIVE:
                report.note_refused(line, email, SubscriberStatus(subscriber.status).label.lower())
                continue
            states = {s.newsletter_id: s.status for s in subscriber.subscriptions.all()}
        wanted = []
        for newsletter in newsletters:
            state = states.get(newsletter.pk)
            if state == SubscriptionStatus.UNSUBSCRIBED:
                report.note_refused(line, email, f"unsubscribed from {newsletter.name}")
            elif state != SubscriptionStatus.ACTIVE:
                wanted.append(newsletter)
        if not wanted:
            if all(states.get(n.pk) == SubscriptionStatus.ACTIVE for n in newsletters):
                report.already += 1
            continue
        if consented:
            subscriptions.import_confirmed(
                email=email, newsletters=wanted, name=name, source="import"
            )
        else:
            subscriptions.request_subscription(
                email=email, newsletters=wanted, source="import", name=name
            )
        report.added += 1
