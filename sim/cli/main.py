"""The ``escalation`` command line.

Each sub-command lives in its own module under :mod:`sim.cli` and exposes
``register(subparsers)``, which adds its parser and sets ``func(args) -> int``. Bad input of any
kind raises :class:`sim.errors.UserError`; this module prints its one-line message and exits
with status 2, without a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from sim import __version__
from sim.cli.common import HelpFormatter, Parser
from sim.errors import UserError

#: Sub-command modules, in the order ``escalation --help`` lists them.
COMMANDS: tuple[str, ...] = (
    "run",
    "compare",
    "params",
    "record",
    "sensitivity",
    "explore",
    "calibrate",
    "replay",
    "branch",
    "validate",
    "dashboard",
    "policies",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered."""
    parser = Parser(
        prog="escalation",
        description="Simulate US–Iran–militia escalation in Iraq and compare US response "
        "policies. Explores assumptions; it is not a forecast.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=Parser
    )
    for name in COMMANDS:
        importlib.import_module(f"sim.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = int(args.func(args) or 0)
        sys.stdout.flush()
        return status
    except UserError as exc:
        print(f"escalation: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (``escalation params | head``): not an error. Point stdout at
        # /dev/null so that the interpreter's final flush does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
