"""Argument types and helpers shared by the sub-commands.

Light to import: ``escalation --help`` reads it. :func:`check_out_dir` and
:func:`staged_out_dir` (of :mod:`sim.experiments.outdir`, which needs pandas) are loaded when a
command first asks for them.
"""

from __future__ import annotations

import argparse
import os
import re
import textwrap
from pathlib import Path
from typing import NoReturn

from sim.errors import UserError
from sim.experiments import budget

#: Names this module hands on from :mod:`sim.experiments.outdir`, imported on first use.
_LAZY = ("check_out_dir", "staged_out_dir")


def __getattr__(name: str):
    if name in _LAZY:
        from sim.experiments import outdir

        return getattr(outdir, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "OVERWRITE_HELP",
    "HelpFormatter",
    "Parser",
    "add_allow_large_argument",
    "add_overwrite_argument",
    "add_record_argument",
    "check_out_file",
    "description",
    "plain",
    "positive_int",
    "seed_int",
]


def _whole_number(text: str, minimum: int, words: str) -> int:
    try:
        value = int(text)
    except ValueError:
        shown = text if len(text) <= 30 else f"{text[:20]}... ({len(text)} characters)"
        raise argparse.ArgumentTypeError(f"'{shown}' is not a whole number") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be {words}, got {value}")
    return value


def positive_int(text: str) -> int:
    """An integer ≥ 1 (for ``--runs``, ``--workers``, ``--horizon`` ...)."""
    return _whole_number(text, 1, "at least 1")


def seed_int(text: str) -> int:
    """A seed: an integer ≥ 0 (0 is a valid seed)."""
    return _whole_number(text, 0, "0 or more")


def plain(text: str) -> str:
    """Docstring markup out: ``x`` and :role:`x` become x (for --help)."""
    text = re.sub(r":[a-z]+:`~?([^`]+)`", r"\1", text)
    text = re.sub(r"::(\s*\n)", r":\1", text)  # reST literal-block marker
    return text.replace("``", "")


def description(doc: str | None) -> str | None:
    """A sub-command's --help description from its module docstring: the docstring without
    the ``escalation NAME``: prefix of its first line, in plain text."""
    if not doc:
        return None
    text = re.sub(r"^``escalation [a-z]+(?: \[?[A-Z]+\]?)?``:\s*", "", doc.strip())
    return plain(text[:1].upper() + text[1:])


class HelpFormatter(argparse.HelpFormatter):
    """Wraps each paragraph of the description to the terminal, keeps indented lines (examples)
    as they are, and appends ``(default: X)`` to every option's help unless the help already
    names its default or there is none to name (None, a flag that is off)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        out = []
        for para in plain(text).split("\n\n"):
            if para.startswith(" "):
                out.append("\n".join(indent + line for line in para.splitlines()))
            else:
                out.append(textwrap.fill(" ".join(para.split()), width, initial_indent=indent,
                                         subsequent_indent=indent))  # fmt: skip
        return "\n\n".join(out)

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            "%(default)" in text
            or "default" in text.lower()
            or f"({default})" in text
            or default is None
            or default is False
            or default is argparse.SUPPRESS
            or not action.option_strings
        ):
            return text
        if isinstance(default, list | tuple):
            return text + " (default: " + ",".join(str(v) for v in default) + ")"
        return text + " (default: %(default)s)"


class Parser(argparse.ArgumentParser):
    """The parser of every sub-command: :class:`HelpFormatter` unless told otherwise, and a bad
    command line refused in one line (``escalation: error: argument --runs: ...``, status 2),
    like every other refusal, with where to look instead of argparse's usage block."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        """Print ``message`` on one line and exit with status 2."""
        message = " ".join(message.split())
        self.exit(2, f"escalation: error: {message} (see {self.prog} --help)\n")


def add_record_argument(p: argparse.ArgumentParser, default: str, why: str) -> None:
    """Add ``--record seeds|full|DIR`` (:func:`sim.inputs.record.load_record`): which record a
    command reads, with its default and the reason for it in the help."""
    p.add_argument(
        "--record", metavar="seeds|full|DIR", default=default,
        help="the record: 'seeds' (the five articles' rows of the packaged record), 'full' (the "
        f"whole packaged record, sim/data/record) or a record folder (default: {default}; {why})",
    )  # fmt: skip


#: Help of ``--overwrite``, the same for every command that writes a result directory.
OVERWRITE_HELP = (
    "replace an existing non-empty --out (the new results are assembled beside it and "
    "replace it only once complete)"
)


def add_overwrite_argument(p: argparse.ArgumentParser) -> None:
    """Add ``--overwrite`` (see :data:`OVERWRITE_HELP`) to a sub-command's parser."""
    p.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)


def add_allow_large_argument(p: argparse.ArgumentParser) -> None:
    """Add ``--allow-large``: run a request beyond the size limits
    (:mod:`sim.experiments.budget`)."""
    p.add_argument(
        "--allow-large", action="store_true",
        help=f"run a request beyond the size limits (by its estimate, more than "
        f"{budget.MAX_HOURS:g} hours or {100 * budget.MEMORY_SHARE:.0f}%% of this machine's "
        "memory; the "
        "refusal gives the estimate), or with more than "
        f"{budget.WORKERS_PER_CORE} worker processes per core",
    )  # fmt: skip


def check_out_file(path: str | Path, option: str, suffix: str) -> Path:
    """Refuse, before any work, an output file that could not be written: a folder, a wrong
    suffix, or a place whose nearest existing parent is not a writable directory."""
    target = Path(path)
    if target.is_dir():
        raise UserError(f"{option} {target}: is a folder; name a {suffix} file")
    if target.suffix.lower() != suffix:
        raise UserError(f"{option} {target}: the file name must end in {suffix}")
    parent = target.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"{option} {target}: cannot write there ({parent} is not writable)")
    return target
