"""``escalation params``: print the parameter table (name, unit, default, range, source)."""

from __future__ import annotations

import argparse

from sim.core.params import table_markdown


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``params`` sub-command."""
    p = sub.add_parser("params", help="print the parameter table as Markdown")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the table."""
    print(table_markdown())
    return 0
