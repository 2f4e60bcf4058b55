"""The import ledger: which object each source item became (ImportedItem rows)."""

from .models import ImportedItem


class Ledger:
    """Lookups and records for one source site (`source`, `origin`)."""

    def __init__(self, source: str, origin: str) -> None:
        self.source = source
        self.origin = origin[:300]

    def get(self, kind: str, source_id) -> str | None:
        """The id of what item `source_id` of `kind` became, or None if never imported."""
        row = (
            ImportedItem.objects.filter(
                source=self.source, origin=self.origin, kind=kind, source_id=str(source_id)
            )
            .values_list("object_id", flat=True)
            .first()
        )
        return row

    def remember(self, kind: str, source_id, object_id) -> None:
        ImportedItem.objects.update_or_create(
            source=self.source,
            origin=self.origin,
            kind=kind,
            source_id=str(source_id),
            defaults={"object_id": str(object_id)},
        )
