"""Load with wrk: bounded runs against loopback, parsed into rate and latency."""

import dataclasses
import re
import subprocess
from pathlib import Path

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}

# Per-thread ids make every generated request unique across wrk's threads.
THREAD_IDS = """
local next_id = 0
function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
end
local n = 0
"""

# A distinct query string per request: no URL-keyed cache can answer it.
CACHE_BUST_LUA = (
    THREAD_IDS
    + """
function request()
  n = n + 1
  return wrk.format(nil, wrk.path .. "?bench=" .. tid .. "-" .. n)
end
"""
)


@dataclasses.dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    socket_errors: int
    bad_status: int


def parse(output: str) -> Load:
    def latency(percent: str) -> float:
        match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
        if not match:
            raise ValueError(f"no {percent}% latency in wrk output:\n{output}")
        return float(match[1]) * UNITS[match[2]]

    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Load(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
        p50_ms=latency("50"),
        p99_ms=latency("99"),
        requests=int(re.search(r"(\d+) requests in", output)[1]),
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
        bad_status=int(bad[1]) if bad else 0,
    )


def wrk(
    url: str,
    *,
    seconds: float,
    connections: int,
    threads: int,
    script: str | None = None,
    workdir: Path,
) -> Load:
    """One wrk run of `seconds` against `url` (loopback only); never longer than that + 30 s."""
    if not url.startswith(("http://127.", "http://localhost")):
        raise ValueError(f"the bench loads loopback addresses only, not {url}")
    # A 10 s timeout (wrk's default is 2 s) keeps slow rows measured rather than
    # reported as socket timeouts with no latency at all.
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s"]
    argv.append("--latency")
    if script:
        path = workdir / f"wrk-{abs(hash(script))}.lua"
        path.write_text(script)
        argv += ["-s", str(path)]
    done = subprocess.run(
        [*argv, url], capture_output=True, text=True, timeout=seconds + 30, check=True
    )
    # Every raw wrk report is kept beside the data for a second look.
    with (workdir / "wrk.log").open("a") as log:
        log.write(f"$ {' '.join(argv)} {url}\n{done.stdout}\n")
    return parse(done.stdout)
