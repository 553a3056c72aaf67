"""The calibrated posterior as a file: reading and checking it, writing it.

A posterior is a CSV table, one row per draw, one column per parameter of the table
(:data:`sim.core.params.TABLE`), every value a number inside the parameter's range. The package
ships one (``sim/data/posterior.csv``: :func:`shipped_posterior_path`); ``escalation calibrate
--write-posterior`` writes others (:func:`write_posterior`), and a scenario's ``posterior``
field may name one. A file that is missing or malformed is an error naming the file (and the
line and column) (:class:`PosteriorError`), never a silent fall-back to the defaults. Which
posterior a scenario draws from, and how draws become parameters, is
:mod:`sim.experiments.sampling`.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.params import TABLE
from sim.errors import UserError
from sim.inputs.files import read_text_file
from sim.inputs.packaged import data_path

POSTERIOR_FILE = "posterior.csv"


#: Posterior files larger than this are refused unread.
MAX_POSTERIOR_BYTES = 100_000_000
#: A posterior is a sample of draws: a file of one draw is a point, not a distribution (fix
#: such values in the scenario's ``params`` instead).
MIN_POSTERIOR_DRAWS = 2


class PosteriorError(UserError):
    """A posterior file that cannot be used; the message names the file (and the column)."""


def shipped_posterior_path() -> Path:
    """The calibrated posterior shipped in the package (``sim/data/posterior.csv``)."""
    return data_path(POSTERIOR_FILE)


def _read_posterior(path: Path) -> pd.DataFrame:
    """Read and check a posterior table (see :func:`posterior_draws`)."""
    if not path.exists() and not path.is_symlink():
        hint = ""
        if path == shipped_posterior_path():
            hint = (
                " (the package ships none: run `escalation calibrate --write-posterior PATH` "
                "and point the scenario's 'posterior' at it, or set posterior: false)"
            )
        raise PosteriorError(f"{path}: the posterior file does not exist{hint}")
    text = read_text_file(path, "posterior file", MAX_POSTERIOR_BYTES, PosteriorError)
    if not text.strip():
        raise PosteriorError(f"{path}: the posterior file is empty")
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv.Error) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PosteriorError(f"{path}: not a valid CSV table ({first})") from None
    if len(df) == 0:
        raise PosteriorError(f"{path}: the posterior has a header but no draws")
    if df.columns.str.startswith("Unnamed:").any():
        raise PosteriorError(f"{path}: the posterior's header has an empty column name")
    for col in df.columns:
        if col not in TABLE:
            raise PosteriorError(f"{path}, column '{col}': not a parameter of the table")
    out = {}
    for col in df.columns:
        values = pd.to_numeric(df[col].str.strip(), errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values)
        p = TABLE[col]
        bad |= (values < p.low) | (values > p.high)
        if bad.any():
            i = int(np.argmax(bad))
            raise PosteriorError(
                f"{path}, line {i + 2}, column '{col}': {df[col].iloc[i]!r} is not a number in "
                f"the parameter's range [{p.low:g}, {p.high:g}]"
            )
        out[col] = values
    if len(df) < MIN_POSTERIOR_DRAWS:
        raise PosteriorError(
            f"{path}: the posterior has {len(df)} draw; a posterior is a sample of at least "
            f"{MIN_POSTERIOR_DRAWS} draws (fix a single value in the scenario's params instead)"
        )
    missing = [c for c in _calibrated_columns(path) if c not in out]
    if missing:
        shown = ", ".join(missing[:3]) + (", ..." if len(missing) > 3 else "")
        raise PosteriorError(
            f"{path}: the posterior lacks {len(missing)} of the {len(_calibrated_columns(path))} "
            f"parameters a calibration fits ({shown}); a posterior names every column of the "
            f"shipped one ({shipped_posterior_path().name}), or set the scenario's "
            "posterior: false"
        )
    return pd.DataFrame(out)


def _calibrated_columns(path: Path) -> list[str]:
    """The parameters a posterior must name: the columns of the shipped posterior (those a
    calibration fits, ``escalation calibrate --write-posterior``); none for the shipped file
    itself, or when the package ships none."""
    shipped = shipped_posterior_path()
    try:
        if path.resolve() == shipped.resolve():
            return []
        with open(shipped, encoding="utf-8-sig") as fh:
            header = fh.readline()
    except OSError:
        return []
    return [c.strip() for c in header.strip().split(",") if c.strip()]


@lru_cache(maxsize=8)
def _cached_posterior(path: str, _mtime_ns: int, _size: int) -> pd.DataFrame:
    """The posterior at ``path``, read once for each modification time and size (the two
    arguments are only part of the cache key: a rewritten file is read again)."""
    return _read_posterior(Path(path))


def posterior_draws(path: str | Path | None = None) -> pd.DataFrame:
    """A posterior table (one row per draw): the shipped one, or the file at ``path``.

    Raises
    ------
    PosteriorError
        naming the file, if it is missing, empty, not UTF-8, not a CSV table, has a column that
        is not a parameter, or a value that is not a number inside the parameter's range.
    """
    p = shipped_posterior_path() if path is None else Path(path)
    try:
        st = p.stat()
    except (OSError, ValueError):  # ValueError: a NUL byte in the name
        return _read_posterior(p)  # raises the error naming the file
    return _cached_posterior(str(p), st.st_mtime_ns, st.st_size).copy()


def write_posterior(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a posterior table to ``path`` atomically (a temporary file beside it, renamed).

    Raises
    ------
    UserError
        naming the path, if it is a folder or cannot be written.
    """
    path = Path(path)
    if path.is_dir():
        raise UserError(f"--write-posterior {path}: is a folder; name a file (posterior.csv)")
    if path.suffix.lower() != ".csv":
        raise UserError(f"--write-posterior {path}: the file name must end in .csv")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise UserError(f"--write-posterior {path}: cannot write there ({exc.strerror})") from None
    try:
        df.to_csv(tmp, index=False)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UserError(f"--write-posterior {path}: cannot write there ({exc.strerror})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
