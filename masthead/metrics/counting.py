"""The SQL that counting shares: claims that make replays count once, and upserts that
add counts into per-key rows.  Used by article views and by ad impressions and clicks.

Events are anything with `visitor` (a hash) and `at` (Unix seconds).
"""

from collections import Counter
from itertools import islice

from django.db import connection

BATCH_ROWS = 500  # rows per upsert statement, well under SQLite's bound-parameter limit


def chunks(rows: list, size: int = BATCH_ROWS):
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def split_rounds(events: list, window: int) -> list[list]:
    """Split a batch so no visitor appears twice in one upsert (PostgreSQL refuses that),
    dropping repeats inside the window as the database would."""
    rounds: list[list] = []
    last: dict[str, tuple[int, int]] = {}  # visitor -> (time of last kept view, its round)
    for event in sorted(events, key=lambda e: e.at):
        previous = last.get(event.visitor)
        if previous is not None and event.at < previous[0] + window:
            continue
        index = 0 if previous is None else previous[1] + 1
        if index == len(rounds):
            rounds.append([])
        rounds[index].append(event)
        last[event.visitor] = (event.at, index)
    return rounds


def claim_visitors(model, events: list, window: int) -> set[str]:
    """Take the claims these events need in `model` (a table of visitor primary keys
    and Unix `expires`, like ViewClaim); returns the visitors whose event counts."""
    table = connection.ops.quote_name(model._meta.db_table)
    won: set[str] = set()
    with connection.cursor() as cursor:
        for chunk in chunks(events):
            values = ", ".join(["(%s, %s)"] * len(chunk))
            params = [p for e in chunk for p in (e.visitor, e.at + window)]
            # A claim is taken when there is none, or the one there expired by the time
            # of this view; RETURNING lists exactly the rows inserted or updated.
            cursor.execute(
                f"INSERT INTO {table} (visitor, expires) VALUES {values} "  # noqa: S608
                f"ON CONFLICT (visitor) DO UPDATE SET expires = excluded.expires "
                f"WHERE {table}.expires <= excluded.expires - %s RETURNING visitor",
                [*params, window],
            )
            won.update(row[0] for row in cursor.fetchall())
    return won


def add_counts(model, key_columns: tuple[str, ...], counts: Counter) -> None:
    """Add `counts` ({key tuple: views}) into `model`'s rows with one upsert per chunk."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [*key_columns, "views"]
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    rows = [(*key, views) for key, views in sorted(counts.items())]
    with connection.cursor() as cursor:
        for chunk in chunks(rows):
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
                f"VALUES {', '.join([placeholders] * len(chunk))} "
                f"ON CONFLICT ({', '.join(key_columns)}) "
                f"DO UPDATE SET views = {table}.views + excluded.views",
                [value for row in chunk for value in row],
            )
