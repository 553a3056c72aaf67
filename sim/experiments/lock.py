"""One writer per result folder: a lock beside ``OUT``, held from the first check to the end.

Every command that writes a result folder ``OUT`` (``--out``) takes an exclusive lock on the
file ``.OUT.lock`` in OUT's parent folder before it looks at ``OUT`` or ``OUT.partial``, and
holds it for the whole run: while the chunks are computed in ``OUT.partial`` (``run``,
``compare``, ``explore``), while the result is assembled, and while it replaces ``OUT``
(:meth:`sim.experiments.store.ChunkStore.publish`,
:func:`sim.experiments.outdir.staged_out_dir`). So ``OUT.partial`` is never opened, resumed or
removed by one process while another uses it, and a published ``OUT`` is always the work of
one run, matching its manifest.

A second writer of the same ``OUT`` is refused at once, with ``--overwrite`` or without, by a
message naming the process that holds the lock: its pid, its command line and when it started
(the holder writes them into the lock file). ``--overwrite`` replaces a finished result, never
a running one.

The lock is :func:`fcntl.flock` on the open lock file: the kernel releases it when its process
ends in any way (an exception, Ctrl-C, SIGTERM, SIGKILL), so a lock never outlives its process
and there is nothing stale to clear by hand. The lock file is removed when the command ends
(after a SIGKILL it stays behind, unlocked and harmless: the next command takes it). Worker
processes do not inherit it (the file is opened close-on-exec and the workers are started by
a fresh forkserver or spawn). Where :mod:`fcntl` does not exist (Windows) no lock is taken.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from pathlib import Path

from sim.experiments.provenance import utc_now
from sim.experiments.store import OutputError, check_place, make_dirs, remove_dirs

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

#: How long a refused writer waits for the holder to write who it is (a holder that has just
#: taken the lock may not have written it yet), seconds.
HOLDER_WAIT = 1.0


def lock_path(out: Path) -> Path:
    """The lock file of the result folder ``out``: ``.OUT.lock`` beside it."""
    out = Path(out)
    return out.absolute().parent / f".{out.name}.lock"


def _command() -> str:
    """This process's command line, as the user typed it (``escalation compare ...``)."""
    if not sys.argv:
        return "(unknown)"
    return shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]])


def _holder(fd: int) -> str:
    """Who holds the lock on ``fd``, in words (from what the holder wrote into the file)."""
    deadline = time.monotonic() + HOLDER_WAIT
    while True:
        try:
            info = json.loads(os.pread(fd, 65536, 0).decode("utf-8"))
            return f"pid {info['pid']}, started {info['started']}: {info['command']}"
        except (OSError, ValueError, KeyError, TypeError):
            if time.monotonic() > deadline:
                return "a process that has not said which"
            time.sleep(0.05)


class OutputLock:
    """The lock of one result folder (see the module docstring); a context manager.

    Entering takes the lock (creating the parent folders it needs) or raises
    :class:`sim.experiments.store.OutputError` naming the process that holds it; leaving
    removes the lock file, releases the lock and removes parent folders it created that are
    still empty.
    """

    def __init__(self, out: Path | str) -> None:
        self.out = Path(out)
        self.path = lock_path(self.out)
        self._fd: int | None = None
        self._created: list[Path] = []

    def acquire(self) -> None:
        """Take the lock, or raise :class:`OutputError` at once if another process holds it."""
        check_place(self.out)
        self._created = make_dirs(self.path.parent, str(self.out))
        try:
            self._fd = self._lock()
        except BaseException:
            remove_dirs(self._created)
            raise
        info = {"pid": os.getpid(), "started": utc_now(), "command": _command()}
        try:
            os.ftruncate(self._fd, 0)
            os.pwrite(self._fd, json.dumps(info).encode("utf-8"), 0)
        except OSError:
            pass  # a full disk: the lock holds all the same; a refused writer says less

    def _lock(self) -> int:
        if fcntl is None:  # pragma: no cover - Windows
            return os.open(os.devnull, os.O_RDONLY)
        for _ in range(10):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise OutputError(
                    f"--out {self.out}: cannot create its lock file {self.path} ({exc.strerror})"
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _holder(fd)
                os.close(fd)
                raise OutputError(
                    f"--out {self.out}: another process is writing it ({holder}); wait for it "
                    "to finish or choose another --out (--overwrite does not stop a running "
                    "command)"
                ) from None
            except OSError as exc:
                os.close(fd)
                raise OutputError(
                    f"--out {self.out}: cannot lock {self.path} ({exc.strerror})"
                ) from None
            try:  # a holder that has just finished removed the file we opened: take the new one
                if os.path.samestat(os.fstat(fd), os.stat(self.path)):
                    return fd
            except FileNotFoundError:
                pass
            os.close(fd)
        raise OutputError(f"--out {self.out}: cannot lock {self.path} (it keeps being replaced)")

    def release(self) -> None:
        """Remove the lock file and release the lock (and the parent folders made for it)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        if fcntl is not None:
            try:
                self.path.unlink()
            except OSError:
                pass
        os.close(fd)
        remove_dirs(self._created)
        self._created = []

    def __enter__(self) -> OutputLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
