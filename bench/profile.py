"""Where an uncached article render spends its time: cProfile over Django's full stack.

Runs in a `masthead shell` with the production settings and the page cache off,
through Django's test client (the whole middleware stack and the view, without
the WSGI server), so the report can say what limits the uncached row.
"""

import collections
import re
import subprocess
from pathlib import Path

from bench.server import MASTHEAD, ROOT, bench_env

CODE = """
import cProfile, io, pstats, time
from django.db import connection
from django.test import Client

path, renders = {path!r}, {renders}
client = Client()
for _ in range(3):  # imports, template loading, first-use caches
    assert client.get(path).status_code == 200
queries = []
def record(execute, sql, params, many, context):
    queries.append(sql)
    return execute(sql, params, many, context)
with connection.execute_wrapper(record):
    client.get(path)
started = time.perf_counter()
for _ in range(renders):
    client.get(path)
plain_ms = (time.perf_counter() - started) * 1000 / renders
profile = cProfile.Profile()
profile.enable()
for _ in range(renders):
    client.get(path)
profile.disable()
out = io.StringIO()
stats = pstats.Stats(profile, stream=out)
stats.sort_stats("tottime").print_stats(15)
stats.sort_stats("cumulative").print_stats(30)
print("@@QUERIES", len(queries), "@@MS", round(plain_ms, 1))
for sql in queries:
    print("@@SQL", " ".join(sql.split()))
print("@@PROFILE")
print(out.getvalue())
"""


def profile_render(data_dir: Path, path: str, switch: dict, renders: int = 20) -> list[str]:
    """Markdown lines: queries and time per render, then cProfile's top functions."""
    done = subprocess.run(
        [*MASTHEAD, "shell", "-c", CODE.format(path=path, renders=renders)],
        env=bench_env(data_dir, **switch),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    head, _, profile = done.stdout.partition("@@PROFILE\n")
    summary = next(line for line in head.splitlines() if line.startswith("@@QUERIES"))
    _, queries, _, ms = summary.split()
    tables = collections.Counter(
        match[1] if (match := re.search(r'\bFROM "([^"]+)"', line)) else line.split()[1]
        for line in head.splitlines()
        if line.startswith("@@SQL")
    )
    # Keep pstats' tables, drop its preamble and the long absolute paths.
    site = str(Path(ROOT / ".venv").resolve())
    text = profile.replace(site + "/lib/python3.13/site-packages/", "").replace(str(ROOT) + "/", "")
    return [
        f"{ms} ms per render through Django's test client (no server, no profiler), "
        f"{queries} SQL queries, by table read: "
        + ", ".join(f"`{table}` × {n}" for table, n in tables.most_common())
        + ".",
        "",
        "<details><summary>cProfile, "
        f"{renders} renders (top 15 by own time, top 30 cumulative)</summary>",
        "",
        "```",
        *[line.rstrip() for line in text.strip().splitlines()],
        "```",
        "",
        "</details>",
    ]
