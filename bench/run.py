"""`make bench`: measurements against the production server on 127.0.0.1.

Writes a Markdown report to bench/results/ with the machine's core count and the date.
"""

import datetime as dt
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import render  # noqa: E402
from bench.server import ROOT, article_urls, prepare, running_server  # noqa: E402

DATA_DIR = Path(os.environ.get("BENCH_DATA_DIR", ROOT / "var" / "bench"))
PORT = int(os.environ.get("BENCH_PORT", "8765"))


def main() -> None:
    prepare(DATA_DIR)
    urls = article_urls(DATA_DIR)
    with running_server(DATA_DIR, PORT):
        times = render.summarize(render.render_times(PORT, urls))
        weight = render.page_weight(PORT, urls[0])
    today = dt.date.today().isoformat()
    lines = [
        f"# Masthead bench, {today}",
        "",
        f"Machine: {os.cpu_count()} cores. Server: `masthead serve` (granian, WSGI), "
        f"{len(urls)} demo articles.",
        "",
        "## Uncached article page, server time",
        "",
        "| requests | median | p90 | max |",
        "| --- | --- | --- | --- |",
        f"| {times['n']} | {times['median_ms']:.1f} ms | {times['p90_ms']:.1f} ms "
        f"| {times['max_ms']:.1f} ms |",
        "",
        "## Article page weight (transferred, compressed; images excluded)",
        "",
        "| HTML | CSS | JS | total | HTML uncompressed |",
        "| --- | --- | --- | --- | --- |",
        f"| {weight['html']:,} B | {weight['css']:,} B | {weight['js']:,} B "
        f"| {weight['total']:,} B | {weight['html_uncompressed']:,} B |",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    out = ROOT / "bench" / "results" / f"{today}-render.md"
    out.write_text(report)
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
