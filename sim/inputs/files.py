"""Reading a user's text file: one message naming the file for every way it can be unusable.

Missing, a folder, unreadable, larger than a limit, not UTF-8, not valid YAML, nested too
deeply: each raises :class:`sim.errors.UserError` (or the subclass the caller names) with the
file's path first, so the command line prints one line and exits with status 2.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from sim.errors import UserError


def read_text_file(
    path: str | Path, what: str, max_bytes: int, error: type[UserError] = UserError
) -> str:
    """The UTF-8 text of a file (a byte-order mark is dropped).

    ``what`` names the kind of file in the messages ("scenario", "bounds file").
    """
    path = Path(path)
    if "\x00" in str(path):
        raise error(f"{str(path)!r}: a file name cannot contain a NUL byte")
    try:
        if path.is_dir():
            raise error(f"{path}: is a folder, not a {what}")
        size = path.stat().st_size
        if size > max_bytes:
            raise error(f"{path}: {size:,} bytes is too large for a {what} (at most {max_bytes:,})")
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot read {what} ({exc.strerror})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(
            f"{path}: not UTF-8 text (line {line}, byte {exc.start}: "
            f"{raw[exc.start : exc.start + 1]!r}); save the file as UTF-8"
        ) from None


def yaml_problem(exc: yaml.YAMLError) -> str:
    """A YAML error on one line: where (1-based line, column) and what."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return where + problem


def read_yaml(
    path: str | Path, what: str, max_bytes: int, error: type[UserError] = UserError
) -> object:
    """The parsed content of a YAML file (:func:`yaml.safe_load`), see :func:`read_text_file`."""
    text = read_text_file(path, what, max_bytes, error)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML ({yaml_problem(exc)})") from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a date like 2021-02-30
        raise error(f"{path}: not valid YAML ({exc})") from None
    except RecursionError:
        raise error(f"{path}: not valid YAML (nested too deeply)") from None
