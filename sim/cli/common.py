"""Argument types and helpers shared by the sub-commands."""

from __future__ import annotations

import argparse
import re
import textwrap


def _whole_number(text: str, minimum: int, words: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
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
    """The parser of every sub-command: :class:`HelpFormatter` unless told otherwise."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)
