"""nginx serving one saved HTML file: the physical limit every row is compared to."""

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

from bench.server import wait_for_http

CONFIG = """\
daemon off;
{user}
worker_processes auto;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    default_type text/html;
    client_body_temp_path {prefix}/tmp;
    server {{
        listen 127.0.0.1:{port};
        root {prefix}/html;
        location / {{ }}
    }}
}}
"""


def nginx_binary() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if not found:
        raise RuntimeError("nginx is not installed (make bench installs it from Debian)")
    return found


@contextlib.contextmanager
def static_server(prefix: Path, port: int, files: dict[str, bytes]):
    """nginx on 127.0.0.1:`port` with its own config under `prefix`, serving `files`."""
    shutil.rmtree(prefix, ignore_errors=True)
    (prefix / "html").mkdir(parents=True)
    (prefix / "tmp").mkdir()
    for name, body in files.items():
        (prefix / "html" / name).write_bytes(body)
    # As root, nginx's workers drop to "nobody", who may not traverse the work tree.
    user = "user root;" if os.geteuid() == 0 else ""
    conf = prefix / "nginx.conf"
    conf.write_text(CONFIG.format(prefix=prefix, port=port, user=user))
    proc = subprocess.Popen(
        [nginx_binary(), "-p", str(prefix), "-c", str(conf)],
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        wait_static(port, proc, next(iter(files)))
        yield proc
    finally:
        proc.terminate()  # SIGTERM: nginx's fast shutdown
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()


def wait_static(port: int, proc: subprocess.Popen, name: str, timeout: float = 15) -> None:
    wait_for_http(port, f"/{name}", proc, name="nginx", timeout=timeout)
