"""The admin's import upload form: which kind of file, the file itself (checked by its
name and its first bytes, within the size limit), dry run and downloads."""

from pathlib import Path

from django import forms
from django.template.defaultfilters import filesizeformat

from .jobs import max_upload_bytes
from .models import ImportedItem

EXTENSIONS = {"wordpress": ".xml", "ghost": ".json", "masthead": ".json"}
SNIFF_BYTES = 4096
BOMS = (b"\xef\xbb\xbf",)


def first_bytes(upload) -> bytes:
    """The file's first non-blank bytes (after a UTF-8 byte order mark)."""
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    for bom in BOMS:
        head = head.removeprefix(bom)
    return head.lstrip()


class ImportForm(forms.Form):
    source = forms.ChoiceField(
        label="What are you importing?",
        choices=[
            ("wordpress", "WordPress export (.xml, from Tools → Export → All content)"),
            ("ghost", "Ghost export (.json, from Settings → Advanced → Export content)"),
            ("masthead", "Masthead export (.json, from masthead export)"),
        ],
        widget=forms.RadioSelect,
    )
    file = forms.FileField(label="Export file")
    dry_run = forms.BooleanField(
        label="Dry run",
        required=False,
        initial=True,
        help_text="Check the file and show what would be imported, without writing anything.",
    )
    download = forms.BooleanField(
        label="Download images and attachments",
        required=False,
        initial=True,
        help_text="Fetch images from the old site. Unticked, their original URLs are recorded "
        "in the report instead.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = filesizeformat(max_upload_bytes())
        self.fields["file"].help_text = f"Up to {limit}."

    def clean(self):
        cleaned = super().clean()
        source, upload = cleaned.get("source"), cleaned.get("file")
        if source not in ImportedItem.Source.values or upload is None:
            return cleaned
        limit = max_upload_bytes()
        if upload.size > limit:
            self.add_error(
                "file",
                f"This file is {filesizeformat(upload.size)}; the limit is "
                f"{filesizeformat(limit)} (the PORTING_MAX_UPLOAD_MB setting). Larger sites "
                "can be imported from the server's shell with `masthead import`.",
            )
            return cleaned
        expected = EXTENSIONS[source]
        if Path(upload.name).suffix.lower() != expected:
            self.add_error(
                "file", f"A {self._label(source)} is a {expected} file; this one is {upload.name}."
            )
            return cleaned
        head = first_bytes(upload)
        if source == "wordpress" and not head.startswith(b"<"):
            self.add_error(
                "file", "This file is not XML: a WordPress export starts with <?xml or <rss."
            )
        elif source != "wordpress" and not head.startswith(b"{"):
            self.add_error(
                "file",
                f"This file is not a JSON object: a {self._label(source)} starts with {{.",
            )
        return cleaned

    @staticmethod
    def _label(source: str) -> str:
        return {"wordpress": "WordPress export", "ghost": "Ghost export"}.get(
            source, "Masthead export"
        )


class RunForRealForm(forms.Form):
    download = forms.BooleanField(
        label="Download images and attachments", required=False, initial=True
    )
