"""Run granian with Django loaded once in the parent, before the workers fork.

Granian forks its workers and each one loads the WSGI target; when the target
is already imported, every worker shares the parent's memory pages (about
110 MiB of Django and Wagtail modules) copy-on-write instead of building its
own.  gc.freeze() keeps the collector from touching, and so copying, them.

    python -m masthead.core.granian_server HOST PORT WORKERS THREADS
"""

import gc
import os
import sys


def main(argv: list[str]) -> None:
    host, port, workers, threads = argv[1], int(argv[2]), int(argv[3]), int(argv[4])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "masthead.settings")
    from django.db import connections

    import masthead.wsgi  # noqa: F401  (the preload itself)
    from masthead.metrics.bots import compile_patterns

    # Built once here, the crawler regex (a few MiB) is shared by every worker.
    compile_patterns()

    # Nothing may carry an open connection across fork.
    connections.close_all()
    gc.collect()
    gc.freeze()

    from granian import Granian
    from granian.constants import HTTPModes, Interfaces
    from granian.log import LogLevels

    Granian(
        "masthead.wsgi:application",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        http=HTTPModes.http1,
        websockets=False,
        log_level=LogLevels.warning,
    ).serve()


if __name__ == "__main__":
    main(sys.argv)
