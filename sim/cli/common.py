"""Argument types and helpers shared by the sub-commands."""

from __future__ import annotations

import argparse


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


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the description's paragraphs and line breaks, and appends ``(default: X)`` to every
    option's help unless the help already names its default or there is none to name (None,
    a flag that is off)."""

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
