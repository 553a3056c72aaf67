"""No orphans: a local worker process ends when the main process ends, however it ends.

The main process makes a pipe for each pool and keeps its only writing end
(:class:`sim.experiments.executors.LocalPool`); each worker gets the reading end and, in
:func:`worker_init`, starts a thread that waits on it. When the main process ends - an
exception, Ctrl-C, SIGTERM, SIGHUP, SIGKILL - the kernel closes its end, the thread reads the
end of the file and ends its worker at once (:func:`os._exit`). With no worker left, the
forkserver and the resource tracker that :mod:`multiprocessing` started end too. Without it, an
idle worker waits for its next task for ever: it holds the writing end of its own task queue,
so it never sees the end of that file.

Only the standard library is imported here, so that a worker (or a test) that needs only this
starts quickly.
"""

from __future__ import annotations

import os
import signal
import threading
from multiprocessing.connection import Connection

#: Exit status of a worker that ends because the main process is gone.
PARENT_GONE_STATUS = 3


def watch_parent(conn: Connection) -> None:
    """Wait until the main process's end of the pipe ``conn`` closes (it ended, or closed its
    pool), then end this process at once."""
    try:
        while True:
            conn.recv_bytes()
    except (EOFError, OSError):
        pass
    os._exit(PARENT_GONE_STATUS)


def worker_init(parent: Connection | None = None) -> None:
    """The initializer of a local worker: Ctrl-C is left to the main process (which stops the
    workers), and a daemon thread runs :func:`watch_parent` on ``parent`` (the reading end of
    the main process's pipe)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        threading.Thread(
            target=watch_parent, args=(parent,), name="escalation-watch-parent", daemon=True
        ).start()
