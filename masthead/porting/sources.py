"""The importers by source name, loaded on first use."""

from django.utils.module_loading import import_string

IMPORTERS = {
    "wordpress": "masthead.porting.wordpress.WordPressImporter",
    "ghost": "masthead.porting.ghost.GhostImporter",
    "masthead": "masthead.porting.masthead_format.MastheadImporter",
}


def importer_class(source: str):
    try:
        return import_string(IMPORTERS[source])
    except KeyError:
        raise ValueError(
            f"unknown source {source!r}; choose one of {', '.join(IMPORTERS)}"
        ) from None
