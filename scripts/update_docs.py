"""Regenerate the counts and tables that the docs state, from the code that defines them.

A generated part of a Markdown file sits between two marker comments, which Markdown does not
show::

    <!-- gen:NAME -->...<!-- /gen -->

(inline, for a number in a sentence, or around a block of lines, for a table). The script
rewrites every such part with what :data:`GENERATORS` makes of ``NAME``; an unknown name is an
error. What it generates: the number of parameters and of built-in policies, the table of the
escalation ladder's rungs, the table of the policies and the parameter table
(``docs/ODD.md``).

Run::

    .venv/bin/python scripts/update_docs.py            # rewrite the files
    .venv/bin/python scripts/update_docs.py --check    # exit 1 and name the stale parts

``--check`` is run by the test suite (``tests/test_tree.py``): a change to the parameters, the
policies or the ladder that leaves a doc stale fails until this script is run.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The files that hold generated parts.
FILES: tuple[str, ...] = ("README.md", "docs/ODD.md", "notebooks/README.md")
MARKER = re.compile(r"(<!-- gen:([a-z0-9-]+) -->)(.*?)(<!-- /gen -->)", re.DOTALL)


def _parameters() -> str:
    from sim.core.params import TABLE

    return str(len(TABLE))


def _policies() -> str:
    from sim.core.policies import all_policies

    return str(len(all_policies()))


def _rung_table() -> str:
    from sim.analysis.tables import markdown_table
    from sim.core.ladder import RUNG_LABELS

    return markdown_table(
        ["rung", "what happened that day"], [[str(r), t] for r, t in RUNG_LABELS.items()]
    )


def _policy_table() -> str:
    from sim.cli.policies import catalogue_markdown

    return catalogue_markdown()


def _parameter_table() -> str:
    from sim.core.params import table_markdown

    return table_markdown()


#: What each marker name generates; a block's text goes on lines of its own.
GENERATORS: dict[str, tuple[Callable[[], str], bool]] = {
    "parameters": (_parameters, False),
    "policies": (_policies, False),
    "rung-table": (_rung_table, True),
    "policy-table": (_policy_table, True),
    "parameter-table": (_parameter_table, True),
}


def render(text: str, where: str) -> tuple[str, list[str]]:
    """``text`` with every generated part rewritten, and the names of the parts that changed.

    Raises
    ------
    SystemExit
        for a marker with a name :data:`GENERATORS` does not know.
    """
    changed: list[str] = []
    cache: dict[str, str] = {}

    def fill(m: re.Match[str]) -> str:
        opening, name, old, closing = m.group(1), m.group(2), m.group(3), m.group(4)
        if name not in GENERATORS:
            raise SystemExit(f"{where}: unknown generated part '{name}' (known: "
                             f"{', '.join(GENERATORS)})")  # fmt: skip
        make, block = GENERATORS[name]
        if name not in cache:
            cache[name] = make().strip("\n")
        new = f"\n{cache[name]}\n" if block else cache[name]
        if new != old:
            changed.append(name)
        return opening + new + closing

    return MARKER.sub(fill, text), changed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    stale = []
    found = 0
    for rel in FILES:
        path = ROOT / rel
        text = path.read_text(encoding="utf-8")
        found += len(MARKER.findall(text))
        new, changed = render(text, rel)
        if changed:
            stale.append(f"{rel}: {', '.join(changed)}")
            if not args.check:
                path.write_text(new, encoding="utf-8")
    if found == 0:
        print("update_docs: no generated part found (markers removed?)", file=sys.stderr)
        return 1
    if stale and args.check:
        print("update_docs: out of date (run .venv/bin/python scripts/update_docs.py):",
              *stale, sep="\n  ", file=sys.stderr)  # fmt: skip
        return 1
    for line in stale:
        print(f"update_docs: rewrote {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
