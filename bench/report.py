"""The `make bench` report as Markdown."""

MIB = 1024 * 1024


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}" if value >= 0.1 else f"{value:.1%}"


def mib(n: int | None) -> str:
    return "n/a" if not n else f"{n / MIB:.0f} MiB"


def ms(value: float) -> str:
    return (
        f"{value:.2f} ms"
        if value < 10
        else f"{value:.1f} ms"
        if value < 100
        else f"{value:,.0f} ms"
    )


def load_table(rows: list[dict], nginx_rps: float) -> list[str]:
    lines = [
        "| # | what | path | requests/s | p50 | p99 | peak RSS (PSS) | vs nginx |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        load = row.get("load")
        if load is None:
            lines.append(f"| {row['n']} | {row['what']} | {row['path']} | {row['skip']} | | | | |")
            continue
        memory = f"{mib(row['rss'])} ({mib(row['pss'])})" if row.get("rss") else "n/a"
        lines.append(
            f"| {row['n']} | {row['what']} | `{row['path']}` | {load.rps:,.0f} "
            f"| {ms(load.p50_ms)} | {ms(load.p99_ms)} | {memory} "
            f"| {pct(load.rps / nginx_rps)} |"
        )
    return lines


def targets_table(targets: list[tuple[str, str, str, bool | None]]) -> list[str]:
    lines = ["| target | required | measured | result |", "| --- | --- | --- | --- |"]
    for name, required, measured, ok in targets:
        verdict = "n/a" if ok is None else "**pass**" if ok else "**FAIL**"
        lines.append(f"| {name} | {required} | {measured} | {verdict} |")
    return lines


def servers_table(results: list[dict]) -> list[str]:
    lines = [
        "| server | workers × threads | cached article | uncached article | floor "
        "| cached p99 | peak RSS (PSS) | score |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        cached, uncached, floor = r["cached"], r["uncached"], r["floor"]
        lines.append(
            f"| {r['server']}{' (default)' if r['default'] else ''} "
            f"| {r['workers']} × {r['threads']} "
            f"| {cached.rps:,.0f}/s | {uncached.rps:,.0f}/s | {floor.rps:,.0f}/s "
            f"| {ms(cached.p99_ms)} | {mib(r['rss'])} ({mib(r['pss'])}) | {r['score']:,.0f} |"
        )
    return lines
