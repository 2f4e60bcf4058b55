"""The report every import prints (and the admin shows): counts per kind, what was
skipped and why, and warnings."""

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Report:
    source: str
    dry_run: bool = False
    imported: Counter = field(default_factory=Counter)  # kind -> created here
    existing: Counter = field(default_factory=Counter)  # kind -> already imported before
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # kind, item, reason
    warnings: list[str] = field(default_factory=list)

    def created(self, kind: str, n: int = 1) -> None:
        self.imported[kind] += n

    def already(self, kind: str, n: int = 1) -> None:
        self.existing[kind] += n

    def skip(self, kind: str, item: str, reason: str) -> None:
        self.skipped.append((kind, item, reason))

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    @property
    def processed(self) -> int:
        return sum(self.imported.values()) + sum(self.existing.values()) + len(self.skipped)

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "imported": dict(sorted(self.imported.items())),
            "existing": dict(sorted(self.existing.items())),
            "skipped": [{"kind": k, "item": i, "reason": r} for k, i, r in self.skipped],
            "warnings": list(self.warnings),
        }

    def as_text(self) -> str:
        lines = [
            f"{'Dry run: nothing was written. ' if self.dry_run else ''}Import from {self.source}"
        ]
        kinds = sorted(set(self.imported) | set(self.existing))
        for kind in kinds:
            line = f"  {kind}: {self.imported[kind]} imported"
            if self.existing[kind]:
                line += f", {self.existing[kind]} already there"
            lines.append(line)
        if self.skipped:
            lines.append(f"Skipped ({len(self.skipped)}):")
            lines += [f"  {kind} {item}: {reason}" for kind, item, reason in self.skipped]
        if self.warnings:
            lines.append(f"Warnings ({len(self.warnings)}):")
            lines += [f"  {warning}" for warning in self.warnings]
        return "\n".join(lines)
