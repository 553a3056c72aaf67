"""``escalation policies``: what each US response policy does (from its declaration,
:mod:`sim.core.policies`)."""

from __future__ import annotations

import argparse
import shutil

from sim.analysis.tables import csv_table, markdown_table, text_table
from sim.core.policies import REGISTRY, judgement_parameters

FORMATS = ("text", "csv", "markdown")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``policies`` sub-command."""
    p = sub.add_parser(
        "policies",
        help="list the US response policies: what triggers each, what it does, its source",
        description="List every built-in US response policy: its name (for --policy and "
        "--policies), what triggers it, what the US then does, and where the idea comes from. "
        "Every policy acts after the US response delay, on an attack not yet answered.",
    )
    p.add_argument("--format", choices=FORMATS, default="text", help="output format")
    p.add_argument(
        "--judgement",
        action="store_true",
        help="add the parameters each policy's effect rests on that the record does not inform",
    )
    p.set_defaults(func=run)


def rows(judgement: bool = False) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the table, one row per registered policy in registry order."""
    header = ["name", "trigger", "action", "source"]
    if judgement:
        header.append("judgement parameters")
    out = []
    for name in REGISTRY:
        d = REGISTRY[name]
        row = [name, d.trigger, d.action, d.source]
        if judgement:
            row.append(", ".join(judgement_parameters(name)) or "–")
        out.append(row)
    return header, out


def catalogue_markdown() -> str:
    """The built-in policies as a Markdown table (name, label, trigger, action, source), as
    docs/ODD.md shows them."""
    rows = [[f"`{d.name}`", d.label, d.trigger, d.action, d.source] for d in REGISTRY.values()]
    return markdown_table(["name", "policy", "trigger", "what the US does", "source"], rows)


def run(args: argparse.Namespace) -> int:
    """Print the table."""
    header, body = rows(args.judgement)
    if args.format == "csv":
        print(csv_table(header, body), end="")
    elif args.format == "markdown":
        print(markdown_table(header, body))
    else:
        width = min(100, shutil.get_terminal_size((100, 24)).columns)
        print(text_table(header, body, width=width, wrap=tuple(range(1, len(header)))))
    return 0
