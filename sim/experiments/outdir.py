"""The result directory of a command that writes it in one go (replay, branch, calibrate,
sensitivity, validate): refused before any work if it cannot be used, assembled beside
``--out`` and moved into place only once complete, so that nothing is half-written.

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


def check_out_dir(path: str | Path, overwrite: bool) -> Path:
    """Refuse an output place before any work: an existing non-empty directory without
    ``overwrite``, a path that exists and is not a directory, or a parent that cannot be
    written (:class:`sim.errors.UserError` naming ``--out``)."""
    out = Path(path)
    if out.exists() or out.is_symlink():
        if not out.is_dir():
            raise UserError(f"--out {out}: exists and is not a directory")
        if not overwrite and any(out.iterdir()):
            raise UserError(
                f"--out {out}: already exists and is not empty; add --overwrite to "
                "replace it or choose another --out"
            )
    parent = out.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise UserError(f"--out {out}: cannot create it, {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"--out {out}: cannot create it, {parent} is not writable")
    return out


@contextmanager
def staged_out_dir(path: str | Path, overwrite: bool) -> Iterator[Path]:
    """Yield a fresh directory beside ``--out`` to write the results into; on success it
    replaces ``--out`` (an old one is removed only then); on any error it is removed and
    ``--out`` is left as it was, so nothing is half-written."""
    out = check_out_dir(path, overwrite)
    parent = out.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; give it the usual mode
    except OSError as exc:
        raise UserError(f"--out {out}: cannot create the directory ({exc.strerror})") from None
    try:
        yield tmp
        old = None
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=parent))
            os.replace(out, old / out.name)
        os.replace(tmp, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
