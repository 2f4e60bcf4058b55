"""What imports remember: which object each item of a source became (so running an
import twice creates nothing twice), and the admin's import jobs with their progress."""

from django.conf import settings
from django.db import models

from .storage import upload_storage


class ImportedItem(models.Model):
    """One item of an imported site and the object it became here.

    `origin` names the site the file came from (WordPress's base site URL, Ghost's
    site URL, a Masthead export's site id), so two different sites' post 12 stay
    apart.  `object_id` is a string: pages, authors and comments have integer keys,
    subscribers may not.
    """

    class Source(models.TextChoices):
        WORDPRESS = "wordpress", "WordPress"
        GHOST = "ghost", "Ghost"
        MASTHEAD = "masthead", "Masthead export"

    source = models.CharField(max_length=20, choices=Source.choices)
    origin = models.CharField(max_length=300)
    kind = models.CharField(max_length=40)
    source_id = models.CharField(max_length=200)
    object_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "origin", "kind", "source_id"], name="porting_one_row_per_item"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.kind}:{self.source_id} -> {self.object_id}"


class ImportJob(models.Model):
    """An import started from the admin: the uploaded file, its progress and report."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    source = models.CharField(max_length=20, choices=ImportedItem.Source.choices)
    # Private storage (DATA_DIR/imports): an uploaded export holds subscribers' addresses
    # and must never be reachable under the public /media/.
    file = models.FileField(upload_to="imports/%Y/%m/", storage=upload_storage)
    original_name = models.CharField(max_length=255)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    processed = models.PositiveIntegerField(default=0, help_text="Items handled so far.")
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_source_display()} import of {self.original_name}"
