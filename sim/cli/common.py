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
