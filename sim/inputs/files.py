"""Reading a user's file: one message naming the file for every way it can be unusable.

Missing, a folder, a named pipe (FIFO), a device or a socket, unreadable, larger than a limit,
not UTF-8, not valid YAML, a YAML mapping with a key twice, nested too deeply: each raises
:class:`sim.errors.UserError` (or the subclass the caller names) with the file's path first, so
the command line prints one line and exits with status 2.

Only regular files are read. The file is looked at (:func:`os.stat`) before it is opened, so a
FIFO, ``/dev/zero`` or a terminal is refused at once instead of being waited on or read until
memory runs out; it is then opened without blocking (``O_NONBLOCK``: a FIFO swapped in between
the look and the opening cannot hang the command) and looked at again through the open file.
At most the caller's limit of bytes (plus one, to tell that there are more) is ever read,
whatever size the file claims.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import yaml

from sim.errors import UserError

#: A YAML file of the package's inputs (a scenario, bounds) needs no anchors; more than this
#: many alias uses (``*name``) is refused, so that a small file cannot expand into a huge
#: structure for the validators to walk ("billion laughs").
MAX_YAML_ALIASES = 100


class FileProblem(UserError):
    """Why a file cannot be read, without its name (the callers put it in their message)."""


def _kind(mode: int) -> str | None:
    """What a file that is not a regular file is, in words (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"  # pragma: no cover - no other kinds on POSIX


def check_regular(path: str | Path, what: str) -> None:
    """Refuse (:class:`FileProblem`, without the name) anything at ``path`` but a regular file,
    before a library opens it (a Parquet table, a result's manifest): a FIFO would hang it."""
    try:
        kind = _kind(os.stat(path).st_mode)
    except (OSError, ValueError) as exc:
        raise FileProblem(f"cannot read {what} ({getattr(exc, 'strerror', None) or exc})") from None
    if kind is not None:
        raise FileProblem(f"is {kind}, not a regular file; a {what} must be a file")


def read_file_bytes(path: str | Path, what: str, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` bytes.

    Raises
    ------
    FileProblem
        (without the file's name) for a NUL byte in the name, a missing or unreadable file, a
        folder, a FIFO, a device or a socket, or a file larger than ``max_bytes``.
    """
    text = str(path)
    if "\x00" in text:
        raise FileProblem("a file name cannot contain a NUL byte")
    try:
        kind = _kind(os.stat(text).st_mode)
        if kind == "a folder":
            raise FileProblem(f"is a folder, not a {what}")
        if kind is not None:
            raise FileProblem(f"is {kind}, not a regular file; a {what} must be a file")
        fd = os.open(text, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise FileProblem(f"cannot read {what} ({exc.strerror})") from None
    try:
        st = os.fstat(fd)
        kind = _kind(st.st_mode)
        if kind is not None:  # swapped for something else between the look and the opening
            raise FileProblem(f"is {kind}, not a regular file; a {what} must be a file")
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:
            block = os.read(fd, min(1 << 20, max_bytes + 1 - size))
            if not block:
                break
            chunks.append(block)
            size += len(block)
    except OSError as exc:
        raise FileProblem(f"cannot read {what} ({exc.strerror})") from None
    finally:
        os.close(fd)
    if size > max_bytes:
        raise FileProblem(
            f"{max(st.st_size, size):,} bytes is too large for a {what} (at most {max_bytes:,})"
        )
    return b"".join(chunks)


def read_text_file(
    path: str | Path, what: str, max_bytes: int, error: type[UserError] = UserError
) -> str:
    """The UTF-8 text of a regular file (a byte-order mark is dropped).

    ``what`` names the kind of file in the messages ("scenario", "bounds file").
    """
    path = Path(path) if "\x00" not in str(path) else path
    try:
        raw = read_file_bytes(path, what, max_bytes)
    except FileProblem as exc:
        name = repr(str(path)) if "\x00" in str(path) else str(path)
        raise error(f"{name}: {exc}") from None
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


class DuplicateKey(yaml.YAMLError):
    """A mapping that names a key twice (YAML says keys are unique; PyYAML keeps the last)."""

    def __init__(self, key: object, line: int, first: int) -> None:
        super().__init__(f"line {line}: the key {key!r} appears twice (first on line {first})")


class _Loader(yaml.SafeLoader):
    """:class:`yaml.SafeLoader` that refuses a key given twice in one mapping and many aliases,
    and keeps a date that is not a calendar date (``2021-02-29``) as its text, so that the
    reader's own check names the field and says why."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(
                    None, None, f"more than {MAX_YAML_ALIASES} aliases (*name)", mark
                )
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[object, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # '<<': keys merged from an anchor may be overridden
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.setdefault(key, key_node.start_mark.line)
                except TypeError:  # an unhashable key: PyYAML's own error follows
                    continue
                if first != key_node.start_mark.line:
                    raise DuplicateKey(key, key_node.start_mark.line + 1, first + 1)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):  # 2021-02-29, 2021-13-01, 0000-01-01
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def parse_yaml(text: str) -> object:
    """YAML text parsed as :func:`yaml.safe_load` does, but a key twice in one mapping raises
    :class:`DuplicateKey`, more than :data:`MAX_YAML_ALIASES` aliases a YAML error, and a date
    that is not a calendar date stays text."""
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def read_yaml(
    path: str | Path, what: str, max_bytes: int, error: type[UserError] = UserError
) -> object:
    """The parsed content of a YAML file (:func:`parse_yaml`), see :func:`read_text_file`."""
    text = read_text_file(path, what, max_bytes, error)
    try:
        return parse_yaml(text)
    except DuplicateKey as exc:
        raise error(f"{path}, {exc}; a key may appear once in a mapping") from None
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML ({yaml_problem(exc)})") from None
    except (ValueError, TypeError, OverflowError) as exc:
        raise error(f"{path}: not valid YAML ({exc})") from None
    except RecursionError:
        raise error(f"{path}: not valid YAML (nested too deeply)") from None
