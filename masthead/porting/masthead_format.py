"""The Masthead export format (docs/export-format.md): `export_site` writes it,
`MastheadImporter` reads it back.  The writer (export_writer) also holds what both
sides share; the reader is masthead_reader."""

from .export_writer import FORMAT, VERSION, ExportFormatError, export_site
from .masthead_reader import MastheadImporter

__all__ = ["FORMAT", "VERSION", "ExportFormatError", "MastheadImporter", "export_site"]
