"""What every importer shares: one transaction per item, the report, progress, dry runs.

An importer yields Steps; each step imports one item inside its own transaction
(a savepoint when the run is a dry run), so one bad item is reported and skipped
while everything before and after it is kept.  A dry run does the same work in
one outer transaction that is rolled back at the end, and downloads no files.
"""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from .report import Report

log = logging.getLogger(__name__)

PROGRESS_EVERY = 25  # items between progress callbacks


@dataclass(frozen=True, slots=True)
class Step:
    kind: str  # "post", "page", "comment", ... (the report's key)
    label: str  # how the report names the item: its source id and title
    apply: Callable[[], None]  # imports the item; raises Skip(reason) to skip it


class Skip(Exception):  # noqa: N818 - a verdict, not an error
    """Raised by a step that decided not to import its item; the message is the reason."""


class _DryRunRollback(Exception):
    pass


class Importer:
    source: str = ""

    def __init__(
        self,
        path: str | Path,
        *,
        dry_run: bool = False,
        download: bool = True,
        progress: Callable[[Report], None] | None = None,
    ) -> None:
        self.path = Path(path)
        self.dry_run = dry_run
        self.download = download and not dry_run
        self.progress = progress
        self.report = Report(source=self.source, dry_run=dry_run)

    def steps(self) -> Iterator[Step]:
        """Yield one Step per item, reading the file as a stream."""
        raise NotImplementedError

    def finish(self) -> None:
        """Work that needs every item seen first (e.g. links between items); runs in a
        transaction of its own after the last step."""

    def run(self) -> Report:
        if not self.dry_run:
            self._run_steps()
            return self.report
        try:
            with transaction.atomic():
                self._run_steps()
                raise _DryRunRollback
        except _DryRunRollback:
            pass
        return self.report

    def _run_steps(self) -> None:
        for handled, step in enumerate(self.steps(), start=1):
            try:
                with transaction.atomic():
                    step.apply()
            except Skip as skip:
                self.report.skip(step.kind, step.label, str(skip))
            except Exception as exc:  # one bad item must not lose the others
                log.warning("import of %s %s failed", step.kind, step.label, exc_info=True)
                self.report.skip(step.kind, step.label, f"failed: {exc}")
            if self.progress is not None and handled % PROGRESS_EVERY == 0:
                self.progress(self.report)
        with transaction.atomic():
            self.finish()
        if self.progress is not None:
            self.progress(self.report)
