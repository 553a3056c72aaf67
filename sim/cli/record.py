"""``escalation record [FILE]``: validate an event record and print its summary."""

from __future__ import annotations

import argparse
import json

from sim.inputs.record import load_events, summarise


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``record`` sub-command."""
    p = sub.add_parser("record", help="validate an event record and summarise it")
    p.add_argument("file", nargs="?", help="event table (default: the packaged record)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load, validate and summarise."""
    summary = summarise(load_events(args.file))
    print(json.dumps(summary, indent=2, default=str))
    return 0
