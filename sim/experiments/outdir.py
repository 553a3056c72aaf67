"""The result directory of a command that writes it in one go (replay, branch, calibrate,
sensitivity, validate): refused before any work if it cannot be used, assembled beside
``--out`` and moved into place only once complete, so that nothing is half-written.

While it is assembled and moved, the output's lock is held
(:class:`sim.experiments.lock.OutputLock`): a second command writing the same ``--out`` is
refused, naming the first. A write that fails (a full disk, a read-only file system) is one
:class:`sim.experiments.store.OutputError` naming the file, and the folder being assembled is
removed.

(``run``, ``compare`` and ``explore`` write chunk by chunk and can resume:
:func:`sim.experiments.store.check_output` and :class:`sim.experiments.store.ChunkStore`.)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.errors import UserError
from sim.experiments.lock import OutputLock
from sim.experiments.store import OutputError, check_place, failure_reason, write_failure


def check_out_dir(path: str | Path, overwrite: bool) -> Path:
    """Refuse an output place before any work: an existing non-empty directory without
    ``overwrite``, a path that exists and is not a directory, or a name or parent that cannot
    be used (:func:`sim.experiments.store.check_place`) (:class:`sim.errors.UserError` naming
    ``--out``)."""
    check_place(path)
    out = Path(path)
    if out.exists() or out.is_symlink():
        if not out.is_dir():
            raise UserError(f"--out {out}: exists and is not a directory")
        if not overwrite and any(out.iterdir()):
            raise UserError(
                f"--out {out}: already exists and is not empty; add --overwrite to "
                "replace it or choose another --out"
            )
    return out


@contextmanager
def staged_out_dir(path: str | Path, overwrite: bool) -> Iterator[Path]:
    """Yield a fresh directory beside ``--out`` to write the results into; on success it
    replaces ``--out`` (an old one is removed only then); on any error it is removed and
    ``--out`` is left as it was, so nothing is half-written. The output's lock is held
    throughout; a failed write becomes an :class:`sim.experiments.store.OutputError`."""
    check_place(path)
    with OutputLock(path):
        out = check_out_dir(path, overwrite)
        parent = out.absolute().parent
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; give it the usual mode
        except OSError as exc:
            raise OutputError(
                f"--out {out}: cannot create the directory ({failure_reason(exc)})"
            ) from None
        try:
            yield tmp
            old = None
            if out.exists() or out.is_symlink():
                old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=parent))
                os.replace(out, old / out.name)
            try:
                os.replace(tmp, out)
            except BaseException:
                if old is not None:  # put the old result back
                    os.replace(old / out.name, out)
                raise
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except BaseException as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            err = write_failure(exc, tmp, out) if isinstance(exc, Exception) else None
            if err is None:
                raise
            raise OutputError(
                f"--out {out}: cannot write the result ({failure_reason(err, tmp, out)}); nothing "
                "was written"
            ) from None
