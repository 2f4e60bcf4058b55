"""Reading a Ghost export file as a stream, and the text of Ghost's editor formats.

Ghost's JSON export is one object; its tables (posts, users, tags, members, ...)
sit under "db"[0]["data"] (Ghost 2-5), "db"["data"] (some Ghost 1 exports) or
"data" at the top (Ghost 0.x).  read_small_tables makes one full pass: it checks
that the whole file is valid JSON and a Ghost export before anything is imported,
and keeps the small relation tables; stream_table then yields the rows of one
large table (posts, members, comments) one at a time.
"""

import datetime as dt
import html as html_lib
import json
from collections import defaultdict
from collections.abc import Iterator

import ijson
from django.core.management.base import CommandError

# Where the tables live: Ghost 2-5 wrap the export in a list, some Ghost 1 exports in
# an object, Ghost 0.x put meta and data at the top.
DATA_PREFIXES = ("db.item.data", "db.data", "data")
# Kept in memory as id maps (small even for large sites); posts, members and
# comments are streamed.
SMALL_TABLES = (
    "users",
    "roles",
    "roles_users",
    "tags",
    "posts_tags",
    "posts_authors",
    "posts_meta",
    "newsletters",
    "members_newsletters",
    "settings",
)
# Only these columns of the small tables are kept.
KEEP = {
    "posts_meta": ("post_id", "feature_image_alt", "feature_image_caption"),
    "posts_tags": ("post_id", "tag_id", "sort_order"),
    "posts_authors": ("post_id", "author_id", "sort_order"),
    "members_newsletters": ("member_id", "newsletter_id"),
}
GHOST_TABLES = {"posts", "users", "tags", "posts_tags", "settings"}


class GhostExportError(CommandError):
    """The file cannot be imported at all (not JSON, not a Ghost export); a CommandError,
    so the command prints the message alone."""


def as_text(value, limit: int | None = None) -> str:
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    return text[:limit] if limit else text


def ghost_time(value) -> dt.datetime | None:
    """A Ghost time: ISO 8601 text (UTC), or milliseconds since 1970 in Ghost 0.x."""
    if value in (None, ""):
        return None
    try:
        if isinstance(value, int | float):
            return dt.datetime.fromtimestamp(value / 1000, tz=dt.UTC)
        parsed = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def sort_key(row: dict):
    order = row.get("sort_order")
    return order if isinstance(order, int | float) else 0


# --- reading the file -------------------------------------------------------------


def read_small_tables(path) -> tuple[str, dict[str, list[dict]]]:
    """One full pass over the file: check it is JSON and a Ghost export, and return
    (the prefix of its data object, the small tables).  Raises GhostExportError."""
    wanted = {
        f"{prefix}.{table}.item": (prefix, table)
        for prefix in DATA_PREFIXES
        for table in SMALL_TABLES
    }
    tables: dict[str, list[dict]] = {table: [] for table in SMALL_TABLES}
    seen_tables: dict[str, set[str]] = defaultdict(set)
    builder = building = None
    try:
        with open(path, "rb") as stream:
            for prefix, event, value in ijson.parse(stream, use_float=True):
                if prefix == "" and event not in ("start_map", "map_key", "end_map"):
                    raise GhostExportError("this is not a Ghost export (not a JSON object)")
                if event == "map_key" and prefix in DATA_PREFIXES:
                    seen_tables[prefix].add(value)
                if building is not None:
                    builder.event(event, value)
                    if event == "end_map" and prefix == building[0]:
                        table = building[1]
                        row = builder.value
                        if table in KEEP:
                            row = {key: row.get(key) for key in KEEP[table]}
                        tables[table].append(row)
                        building = None
                    continue
                if event == "start_map" and prefix in wanted:
                    builder = ijson.ObjectBuilder()
                    builder.event(event, value)
                    building = (prefix, wanted[prefix][1])
    except ijson.JSONError as exc:
        raise GhostExportError(f"the file is not valid JSON ({exc})") from None
    except UnicodeDecodeError:
        raise GhostExportError("the file is not UTF-8 text") from None
    found = [p for p in DATA_PREFIXES if seen_tables[p] & GHOST_TABLES]
    if not found:
        raise GhostExportError(
            "this is not a Ghost export: no db/data object with posts, tags or users"
        )
    return found[0], tables


def stream_table(path, data_prefix: str, table: str) -> Iterator[dict]:
    with open(path, "rb") as stream:
        for row in ijson.items(stream, f"{data_prefix}.{table}.item", use_float=True):
            if isinstance(row, dict):
                yield row


# --- body text from Ghost's editor formats -----------------------------------------


def lexical_paragraphs(document: str) -> list[str]:
    """The text of each top-level block of a Lexical document (Ghost 5's editor)."""
    try:
        root = json.loads(document)["root"]
    except (ValueError, TypeError, KeyError):
        return []

    def texts(node) -> Iterator[str]:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                yield node["text"]
            for child in node.get("children") or ():
                yield from texts(child)

    return [t for t in ("".join(texts(block)).strip() for block in root.get("children") or ()) if t]


def mobiledoc_paragraphs(document: str) -> list[str]:
    """The text of each markup and list section of a Mobiledoc document (Ghost 1-4)."""
    try:
        doc = json.loads(document)
        sections = doc["sections"]
    except (ValueError, TypeError, KeyError):
        return []

    def marker_text(markers) -> str:
        return "".join(
            m[3]
            for m in markers or ()
            if isinstance(m, list) and len(m) > 3 and isinstance(m[3], str)
        )

    out = []
    for section in sections:
        if not isinstance(section, list) or not section:
            continue
        if section[0] == 1 and len(section) > 2:  # markup section: [1, tag, markers]
            out.append(marker_text(section[2]))
        elif section[0] == 3 and len(section) > 2:  # list section: [3, tag, [markers...]]
            out += [marker_text(item) for item in section[2] or ()]
    return [t.strip() for t in out if t.strip()]


def paragraphs_to_blocks(paragraphs: list[str]) -> list:
    return [("paragraph", f"<p>{html_lib.escape(text)}</p>") for text in paragraphs]
