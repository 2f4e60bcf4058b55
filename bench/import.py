"""Import speed and memory: a 10,000-post WordPress export (and Ghost export, when
the Ghost importer is installed) into a fresh SQLite site.

Each file is written as a stream by bench/porting_files.py (a few paragraphs, one
category, two tags, an author and two comments per post; the Ghost file has no
comments, which Ghost keeps outside its export).  Then `masthead import SOURCE FILE
--no-download` runs as its own process on a freshly migrated data dir; its peak
resident set comes from wait4 (the kernel's own high-water mark for that process).
Reported: posts per second over the whole command (start-up included), the peak
RSS, the file size, and that every post became an article.

    .venv/bin/python bench/import.py   # alone: bench/results/<date>-import.md
"""

import datetime as dt
import importlib.util
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import porting_files, report  # noqa: E402

POSTS = int(os.environ.get("BENCH_IMPORT_POSTS", "10000"))
TIMEOUT = float(os.environ.get("BENCH_IMPORT_TIMEOUT", "3600"))
ROOT = porting_files.ROOT
LOAD_BEFORE = 0.0
WRITERS = {
    "wordpress": ("xml", porting_files.write_wxr),
    "ghost": ("json", porting_files.write_ghost),
}
MODULES = {"wordpress": "masthead.porting.wordpress", "ghost": "masthead.porting.ghost"}


def log(message: str) -> None:
    print(f"[bench import] {message}", file=sys.stderr, flush=True)


def available() -> list[str]:
    """The sources whose importer exists in this checkout."""
    return [source for source, module in MODULES.items() if importlib.util.find_spec(module)]


def run(source: str, template: Path, work: Path) -> dict:
    suffix, write = WRITERS[source]
    export = write(work / f"{source}-{POSTS}.{suffix}", POSTS)
    data = work / f"site-{source}"
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(template, data)
    log(f"{source}: importing {POSTS:,} posts from {export.name}")
    done = porting_files.masthead(
        data, "import", source, str(export), "--no-download", timeout=TIMEOUT
    )
    if done["code"] != 0:
        raise RuntimeError(f"{source} import failed:\n{done['stderr'][-3000:]}")
    articles = porting_files.count_rows(data, "newsroom_articlepage")
    comments = porting_files.count_rows(data, "discussion_comment")
    result = {
        "source": source,
        "posts": POSTS,
        "bytes": export.stat().st_size,
        "seconds": done["seconds"],
        "rate": POSTS / done["seconds"],
        "rss": done["rss"],
        "articles": articles,
        "comments": comments,
    }
    log(
        f"{source}: {result['rate']:,.0f} posts/s ({done['seconds']:,.0f} s), peak RSS "
        f"{report.mib(done['rss'])}, {articles:,} articles, {comments:,} comments"
    )
    shutil.rmtree(data, ignore_errors=True)
    export.unlink()
    return result


def measure(work: Path) -> list[dict]:
    global LOAD_BEFORE
    LOAD_BEFORE = os.getloadavg()[0]
    work.mkdir(parents=True, exist_ok=True)
    template = work / "template"
    shutil.rmtree(template, ignore_errors=True)
    log("migrating a fresh database")
    porting_files.migrated(template)
    try:
        return [run(source, template, work) for source in available()]
    finally:
        shutil.rmtree(template, ignore_errors=True)


def section(results: list[dict]) -> list[str]:
    lines = [
        f"## Import of {POSTS:,} posts",
        "",
        "`masthead import SOURCE FILE --no-download` as its own process on a freshly migrated "
        "SQLite (WAL) site, production settings; each post has four paragraphs and a heading, "
        "one category, two tags, an author and (WordPress) two comments, one a reply. Rate: "
        "posts per second over the whole command, start-up included. Memory: the process's "
        "peak resident set from wait4. "
        f"Load average (1 min) before: {LOAD_BEFORE:.2f} on {os.cpu_count()} cores.",
        "",
        "| source | file | posts/s | time | peak RSS | articles | comments |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['source']} | {report.mib(r['bytes'])} | {r['rate']:,.0f} "
            f"| {r['seconds']:,.0f} s | {report.mib(r['rss'])} | {r['articles']:,} "
            f"| {r['comments']:,} |"
        )
    if not results:
        lines.append("| (no importer installed) | | | | | | |")
    return lines


def main() -> None:
    work = Path(os.environ.get("BENCH_DATA_DIR", ROOT / "var" / "bench")) / "import"
    lines = [f"# Masthead import bench, {dt.date.today().isoformat()}", "", *section(measure(work))]
    text = "\n".join(lines) + "\n"
    print(text)
    out = ROOT / "bench" / "results" / f"{dt.date.today().isoformat()}-import.md"
    out.write_text(text)
    log(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
