"""The chunk store: where a chunked run's chunks live until the results are assembled.

Layout of a run (an experiment, an exploration: :mod:`sim.experiments.pipeline`) writing to
``OUT``::

    OUT.partial/
        state.json                            what run this is (checked by --resume)
        chunks/<policy>/chunk-00000.parquet   one chunk's table (per-run outcomes of an
                                              experiment, per-world means of an exploration)
        chunks/<policy>/chunk-00000.hist.npz  an experiment chunk's per-day histograms
                                              (sim.experiments.histogram.DailyHistogram)
        chunks/<policy>/chunk-00000.daily.npz its daily series (only with --keep-daily)
        final/                                the result directory being assembled
    OUT/                                      the finished result (final/ renamed atomically)

Every file is written atomically (a temporary file in the same directory, then
:func:`os.replace`), so a chunk file that exists is complete: a run killed at any moment can be
resumed. The table is written last, and a chunk counts as done only when every file its kind
of run keeps exists.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import UserError
from sim.experiments.histogram import save_npz
from sim.experiments.provenance import file_mode

STATE_FILE = "state.json"


class OutputError(UserError):
    """An output directory that cannot be used (exists, unwritable, in a stale state)."""


# --- failed writes -----------------------------------------------------------------------------

#: Errors that say the place cannot take what is written (a full disk, a quota, a file-size
#: limit, a read-only file system, an I/O error), whatever the path.
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO})


def _errno(err: OSError) -> int | None:
    """The errno of an OSError, also when a library put it only in the message (pyarrow:
    "Error writing bytes to file. Detail: [errno 28] No space left on device")."""
    if err.errno:
        return err.errno
    m = re.search(r"errno (\d+)", str(err), re.IGNORECASE)
    return int(m.group(1)) if m else None


def write_failure(exc: BaseException, *places: Path) -> OSError | None:
    """The OSError behind a failed write, or None if ``exc`` is not one.

    ``exc`` itself or an exception in its chain (matplotlib's PDF writer ends a failed write
    with an AttributeError raised while it cleans up after the OSError) that says the place is
    full, read-only or failing (:data:`WRITE_ERRNOS`), or any OSError about a file under one of
    ``places``.
    """
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, OSError):
            if _errno(e) in WRITE_ERRNOS:
                return e
            name = e.filename
            if name is not None and any(
                Path(os.fsdecode(name)).absolute().is_relative_to(Path(p).absolute())
                for p in places
            ):
                return e
        e = e.__cause__ or e.__context__
    return None


def failure_reason(err: OSError, staged: Path | None = None, final: Path | None = None) -> str:
    """What went wrong with a write, in a few words, with the file when known: "No space
    left on device: results/x/outcomes.parquet" (a file under the folder ``staged`` named by
    its place under ``final``, where it was to be published)."""
    code = _errno(err)
    why = os.strerror(code) if code else (str(err).strip().splitlines() or ["failed"])[0]
    if not err.filename:
        return why
    name = Path(os.fsdecode(err.filename))
    if staged is not None and final is not None:
        try:
            name = Path(final) / name.absolute().relative_to(Path(staged).absolute())
        except ValueError:
            pass
    return f"{why}: {name}"


# --- atomic writes -----------------------------------------------------------------------------


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success, move it onto ``path`` atomically.

    On an exception the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, file_mode())  # mkstemp makes it 0600; results are 0644
        os.replace(tmp_path, path)
    except OSError as exc:
        tmp_path.unlink(missing_ok=True)
        code = _errno(exc)
        if code and exc.filename in (None, str(tmp_path)):  # say which file (pyarrow does not)
            raise OSError(code, os.strerror(code), str(path)) from exc
        raise
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_json_atomic(path: Path, obj: Any) -> None:
    """Write ``obj`` as indented UTF-8 JSON to ``path`` atomically."""
    text = json.dumps(obj, indent=2, sort_keys=False, default=str, ensure_ascii=False) + "\n"
    write_bytes_atomic(path, text.encode("utf-8"))


def write_parquet_atomic(df: pd.DataFrame, path: Path) -> None:
    """Write a DataFrame to Parquet atomically (pyarrow, no index)."""
    with atomic_path(path) as tmp:
        df.to_parquet(tmp, index=False, engine="pyarrow")


def write_npz_atomic(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write arrays to a compressed ``.npz`` atomically (fast deflate:
    :func:`sim.experiments.histogram.save_npz`)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        save_npz(fh, arrays)


def write_with_atomic(path: Path, writer: Callable[[Path], object]) -> None:
    """Call ``writer(tmp_path)`` and move the file it wrote onto ``path`` atomically."""
    with atomic_path(path) as tmp:
        writer(tmp)


# --- output directory checks ---------------------------------------------------------------------


def partial_dir(out: Path) -> Path:
    """The working directory of a chunked run writing to ``out``."""
    out = Path(out)
    return out.with_name(out.name + ".partial")


#: The longest file name most file systems allow, bytes.
NAME_MAX = 255
#: What the run adds to the name of ``--out`` (``OUT.partial``, ``.OUT.lock``, ``.OUT.tmp-*``).
_SUFFIX_BYTES = len(".partial") + len(".tmp-") + 12


def check_place(out: Path | str) -> None:
    """Refuse an ``--out`` that names no folder the results could take the place of, or lies
    where nothing can be written.

    Raises
    ------
    OutputError
        for a NUL byte in the name; ``/``, ``.``, ``..`` or a name ending in one of them; a name
        too long for the file system; a path through a broken link or a file; or a nearest
        existing parent that is not a writable directory (a read-only file system included).
    """
    text = str(out)
    if "\x00" in text:
        raise OutputError(f"--out {text!r}: a folder name cannot contain a NUL byte")
    out = Path(out)
    if out.name in ("", ".", ".."):
        what = "the root folder" if out.absolute() == Path(out.absolute().anchor) else "not a name"
        raise OutputError(
            f"--out {out}: {what}; name a folder for the results (the command creates it, or "
            "replaces it with --overwrite)"
        )
    if len(os.fsencode(out.name)) + _SUFFIX_BYTES > NAME_MAX:
        raise OutputError(
            f"--out {out.name[:40]}...: the folder name is too long (at most "
            f"{NAME_MAX - _SUFFIX_BYTES} bytes)"
        )
    try:
        parent = out.absolute().parent
        while not parent.exists():
            if parent.is_symlink():  # a dangling link
                raise OutputError(f"--out {out}: {parent} is a broken link")
            parent = parent.parent
        if not parent.is_dir():
            raise OutputError(f"--out {out}: cannot create it, {parent} is a file, not a directory")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise OutputError(f"--out {out}: cannot create it, {parent} is not writable")
    except OSError as exc:  # a path too long, a loop of links
        raise OutputError(f"--out {out}: cannot use it ({exc.strerror})") from None


def check_output(out: Path, overwrite: bool, resume: bool) -> None:
    """Refuse an output place that cannot be used, before any work starts (its name and
    parent: :func:`check_place`).

    Raises
    ------
    OutputError
        if ``out`` exists (without ``overwrite``), is not a directory, if a stale
        ``out.partial`` exists without ``resume`` or ``overwrite``, or :func:`check_place`
        refuses it.
    """
    check_place(out)
    out = Path(out)
    part = partial_dir(out)
    if out.exists() or out.is_symlink():
        if not out.is_dir():
            raise OutputError(f"--out {out}: exists and is not a directory")
        if not overwrite:
            raise OutputError(
                f"--out {out}: the directory exists already; add --overwrite to replace it "
                "or choose another --out"
            )
    if part.exists() and not (resume or overwrite):
        raise OutputError(
            f"--out {out}: an interrupted experiment was left in {part}; add --resume to "
            "continue it or --overwrite to start again"
        )


def make_dirs(path: Path, label: str) -> list[Path]:
    """Create ``path`` and its missing parents; return those created (for clean-up).

    Raises
    ------
    OutputError
        naming ``label`` (the user's ``--out``) if the directory cannot be created.
    """
    path = Path(path).absolute()
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    created = []
    try:
        for d in reversed(missing):
            d.mkdir()
            created.append(d)
    except OSError as exc:
        remove_dirs(created)
        raise OutputError(f"--out {label}: cannot create {d} ({exc.strerror})") from None
    return created


def remove_dirs(created: list[Path]) -> None:
    """Remove directories made by :func:`make_dirs` (deepest first), if they are empty."""
    for d in reversed(created):
        try:
            d.rmdir()
        except OSError:
            pass


# --- the store ------------------------------------------------------------------------------------


def safe_name(name: str) -> str:
    """A policy name as a directory name (import paths may hold ':' or '/')."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def describe_differences(old: dict, new: dict) -> str:
    """The keys whose values differ between two states, with both values."""
    diffs = []
    for k in sorted(set(old) | set(new)):
        if old.get(k) != new.get(k):
            diffs.append(f"{k}: was {old.get(k)!r}, now {new.get(k)!r}")
    return "; ".join(diffs)


class ChunkStore:
    """The ``OUT.partial`` directory of one chunked run."""

    def __init__(self, out: Path) -> None:
        self.out = Path(out)
        self.root = partial_dir(self.out)
        self.chunks = self.root / "chunks"
        self.final = self.root / "final"
        self.state_path = self.root / STATE_FILE

    # state --------------------------------------------------------------------------------------
    def read_state(self) -> dict | None:
        """The stored run description, or None if there is none (or it is unreadable)."""
        try:
            return json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def write_state(self, state: dict) -> None:
        """Store the run description."""
        write_json_atomic(self.state_path, state)

    def open(
        self, core: dict, started: str, resume: bool, policies: list[str], what: str
    ) -> tuple[dict, bool]:
        """Start or resume the run that ``core`` (its numbers' definition) describes.

        With ``resume`` a stored state equal to ``core`` is kept (its chunks are reused, its
        start time stays); a different one is refused, naming what differs. Otherwise (or over
        a directory without a readable state) the directory starts afresh. Then the state is
        written and a directory made for each policy's chunks.

        Returns
        -------
        state : ``core`` and the time the run first started
        resumed : whether stored chunks are reused

        Raises
        ------
        OutputError
            for a stored ``what`` ("experiment", "exploration") with other settings, or a
            place that cannot be written.
        """
        state = {**core, "started": started}
        resumed = False
        if self.root.exists():
            old = self.read_state()
            if resume and old is not None:
                old_core = {k: v for k, v in old.items() if k != "started"}
                if old_core != core:
                    raise OutputError(
                        f"--resume: {self.root} holds a different {what} "
                        f"({describe_differences(old_core, core)}); rerun with the original "
                        "settings, or use --overwrite to start again"
                    )
                state["started"], resumed = old.get("started", started), True
            else:  # --overwrite, or --resume over a directory without a readable state
                self.discard()
        created = make_dirs(self.root, str(self.out))
        try:
            self.write_state(state)
            self.prepare(list(policies))
        except OSError as exc:
            self.discard()
            remove_dirs(created)
            raise OutputError(f"--out {self.out}: cannot write there ({exc.strerror})") from None
        return state, resumed

    # chunks -------------------------------------------------------------------------------------
    def policy_dir(self, policy: str) -> Path:
        """Directory of one policy's chunks."""
        return self.chunks / safe_name(policy)

    def chunk_paths(self, policy: str, chunk: int) -> dict[str, Path]:
        """Paths of one chunk's files: ``outcomes``, ``hist`` and ``daily``."""
        d = self.policy_dir(policy)
        stem = f"chunk-{chunk:05d}"
        return {
            "outcomes": d / f"{stem}.parquet",
            "hist": d / f"{stem}.hist.npz",
            "daily": d / f"{stem}.daily.npz",
        }

    def chunk_done(self, policy: str, chunk: int, files: Iterable[str]) -> bool:
        """Whether the files of a chunk named by ``files`` (keys of :meth:`chunk_paths`) have
        all been written."""
        paths = self.chunk_paths(policy, chunk)
        return all(paths[k].is_file() for k in files)

    def prepare(self, policies: list[str]) -> None:
        """Create the chunk directories."""
        for p in policies:
            self.policy_dir(p).mkdir(parents=True, exist_ok=True)

    def write_chunk(
        self,
        policy: str,
        chunk: int,
        outcomes: pd.DataFrame,
        hist_writer: Callable[[Path], object] | None = None,
        daily: dict[str, np.ndarray] | None = None,
    ) -> None:
        """Write one chunk's files atomically: daily series, histogram (those given), then
        the outcome table last."""
        paths = self.chunk_paths(policy, chunk)
        if daily is not None:
            write_npz_atomic(paths["daily"], daily)
        if hist_writer is not None:
            write_with_atomic(paths["hist"], hist_writer)
        write_parquet_atomic(outcomes, paths["outcomes"])

    def read_outcomes(self, policy: str, chunk: int) -> pd.DataFrame:
        """A stored chunk's outcome table."""
        return pd.read_parquet(self.chunk_paths(policy, chunk)["outcomes"])

    def read_daily(self, policy: str, chunk: int) -> dict[str, np.ndarray]:
        """A stored chunk's daily series."""
        with np.load(self.chunk_paths(policy, chunk)["daily"]) as z:
            return {k: z[k] for k in z.files}

    # final ----------------------------------------------------------------------------------------
    def fresh_final(self) -> Path:
        """An empty ``final`` directory to assemble the results in."""
        if self.final.exists():
            shutil.rmtree(self.final)
        self.final.mkdir(parents=True)
        return self.final

    def publish(self) -> Path:
        """Move ``final`` to ``out`` atomically (replacing an old ``out``), then drop the rest.

        An existing ``out`` (allowed by ``--overwrite``) is first renamed aside and removed only
        once the new results are in place.
        """
        old = None
        if self.out.exists() or self.out.is_symlink():
            old = self.root / "previous"
            if old.exists():
                shutil.rmtree(old)
            os.replace(self.out, old)
        try:
            os.replace(self.final, self.out)
        except BaseException:
            if old is not None:  # put the old result back
                os.replace(old, self.out)
            raise
        shutil.rmtree(self.root, ignore_errors=True)
        return self.out

    def discard(self) -> None:
        """Remove the whole working directory."""
        shutil.rmtree(self.root, ignore_errors=True)
