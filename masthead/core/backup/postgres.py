"""PostgreSQL: pg_dump / pg_restore of DATABASE_URL.

The connection details go to the tools through libpq's environment variables
(PGPASSWORD among them), never on the command line, where `ps` would show them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from .archive import BackupError

TOOL_DIRS = "/usr/lib/postgresql/*/bin"


def libpq_env(settings_dict: dict) -> dict[str, str]:
    env = dict(os.environ)
    values = {
        "PGHOST": settings_dict.get("HOST") or "",
        "PGPORT": str(settings_dict.get("PORT") or ""),
        "PGUSER": settings_dict.get("USER") or "",
        "PGPASSWORD": settings_dict.get("PASSWORD") or "",
        "PGDATABASE": settings_dict.get("NAME") or "",
    }
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
    ):
        if options.get(option):
            values[variable] = str(options[option])
    env.update({key: value for key, value in values.items() if value})
    return env


def _major(binary: str) -> int | None:
    try:
        out = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=30
        ).stdout
    except OSError:
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else None


def find_tool(name: str, server_major: int) -> str:
    """The pg_dump/pg_restore for this server: the same major version if installed,
    else the newest one not older than the server (older tools refuse newer servers)."""
    candidates = [str(p) for p in sorted(Path("/").glob(TOOL_DIRS.lstrip("/") + "/" + name))]
    on_path = shutil.which(name)
    if on_path:
        candidates.insert(0, on_path)
    versions = {c: _major(c) for c in dict.fromkeys(candidates)}
    versions = {c: v for c, v in versions.items() if v is not None}
    if not versions:
        raise BackupError(
            f"{name} was not found (looked on PATH and in {TOOL_DIRS}): install PostgreSQL's "
            f"client tools for version {server_major}, e.g. `apt install postgresql-client-"
            f"{server_major}`"
        )
    same = [c for c, v in versions.items() if v == server_major]
    if same:
        return same[0]
    newer = sorted((v, c) for c, v in versions.items() if v > server_major)
    if newer:
        return newer[-1][1]
    found = ", ".join(f"{c} ({v})" for c, v in versions.items())
    raise BackupError(
        f"the server runs PostgreSQL {server_major} but only older {name} was found: {found}; "
        f"install postgresql-client-{server_major}"
    )


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(argv, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()[-2000:]
        raise BackupError(f"{what} failed (exit {result.returncode}):\n{detail}")


def dump(*, settings_dict: dict, server_major: int, dest: Path, snapshot_id: str | None) -> None:
    """pg_dump in custom format; with `snapshot_id`, exactly the state a transaction of
    ours holds open (the one the manifest's counts were read in)."""
    argv = [
        find_tool("pg_dump", server_major),
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        f"--file={dest}",
    ]
    if snapshot_id:
        argv.append(f"--snapshot={snapshot_id}")
    _run(argv, libpq_env(settings_dict), "pg_dump")


def check_dump(*, dump_path: Path, server_major: int) -> None:
    """pg_restore --list reads the dump's table of contents: a damaged dump fails here."""
    argv = [find_tool("pg_restore", server_major), "--list", str(dump_path)]
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"the PostgreSQL dump in the archive is unreadable: {result.stderr}")


def restore(*, settings_dict: dict, server_major: int, dump_path: Path, clean: bool) -> None:
    argv = [
        find_tool("pg_restore", server_major),
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={settings_dict['NAME']}",
    ]
    if clean:
        argv += ["--clean", "--if-exists"]
    argv.append(str(dump_path))
    _run(argv, libpq_env(settings_dict), "pg_restore")
