"""``escalation params``: the parameter table, and what the runs of a scenario draw.

For each parameter: its unit, the table's default, the distribution a scenario's runs draw it
from (the calibrated posterior's median and 90% interval, or a fixed value: the scenario's own,
else the default), and whether the documented record narrows it (the ``informed`` flag of
:data:`sim.core.params.TABLE`: the posterior's 90% interval is clearly narrower than the
prior's), was fitted without being narrowed, or is not fitted at all (a judgement value).
"""

from __future__ import annotations

import argparse
import shutil
import textwrap

import numpy as np

from sim.analysis.tables import csv_table, markdown_table, text_table
from sim.cli.common import description
from sim.core.params import TABLE
from sim.inputs.posterior import posterior_draws
from sim.inputs.scenario import Scenario, load_scenario

FORMATS = ("text", "csv", "markdown")
#: What the record does to a parameter.
NARROWED, FITTED, NOT_FITTED = "narrows it", "fitted, prior kept", "not fitted"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``params`` sub-command."""
    p = sub.add_parser(
        "params",
        help="list the parameters: unit, default, what the runs draw, whether the record "
        "informs them",
        description=description(__doc__),
    )
    p.add_argument(
        "--scenario",
        metavar="FILE",
        default=None,
        help="scenario YAML whose draws to show (default: a scenario that draws from the "
        "shipped posterior and fixes nothing, as scenarios/baseline.yaml does)",
    )
    p.add_argument("--format", choices=FORMATS, default="text", help="output format")
    p.set_defaults(func=run)


def _g(x: float) -> str:
    return f"{x:.3g}"


def rows(scenario: Scenario | None = None) -> list[dict[str, str]]:
    """One dict per parameter: name, unit, default, draws, record, source."""
    uses_posterior = scenario.posterior if scenario is not None else True
    post = posterior_draws() if uses_posterior else None
    fixed = dict(scenario.params) if scenario is not None else {}
    out = []
    for name, p in TABLE.items():
        fitted = post is not None and name in post.columns
        if name in fixed:
            draws = f"fixed {_g(float(fixed[name]))} (scenario)"
        elif fitted:
            lo, mid, hi = np.quantile(post[name].to_numpy(dtype=float), [0.05, 0.5, 0.95])
            draws = f"{_g(mid)} [{_g(lo)}–{_g(hi)}]"
        else:
            draws = f"fixed {_g(p.default)}"
        record = NARROWED if p.informed else FITTED if fitted else NOT_FITTED
        out.append(
            {
                "name": name,
                "unit": p.unit,
                "default": _g(p.default),
                "range": f"[{_g(p.low)}, {_g(p.high)}]",
                "draws": draws,
                "record": record,
                "source": p.source,
            }
        )
    return out


def run(args: argparse.Namespace) -> int:
    """Print the table."""
    scenario = load_scenario(args.scenario) if args.scenario else None
    table = rows(scenario)
    if args.format == "csv":
        keys = list(table[0])
        print(csv_table(keys, [[r[k] for k in keys] for r in table]), end="")
        return 0
    if args.format == "markdown":
        keys = ["name", "unit", "default", "range", "draws", "record", "source"]
        head = ["name", "unit", "default", "range", "runs draw (median [90%])", "the record",
                "source"]  # fmt: skip
        body = [[f"`{r['name']}`"] + [r[k] for k in keys[1:]] for r in table]
        print(markdown_table(head, body))
        return 0
    width = min(100, shutil.get_terminal_size((100, 24)).columns)
    head = ["name", "default", "runs draw", "the record", "unit"]
    body = [[r["name"], r["default"], r["draws"], r["record"], r["unit"]] for r in table]
    print(text_table(head, body, width=width, wrap=(4,)))
    where = (
        f"scenario {scenario.name}"
        if scenario is not None
        else "a scenario with 'posterior: true' and no fixed values"
    )
    print()
    print(
        textwrap.fill(
            f"{len(table)} parameters. 'runs draw': what the runs of {where} draw, the "
            "calibrated posterior's median [5th–95th percentile] or a fixed value. 'the "
            f"record': {NARROWED} (the posterior is clearly narrower than the prior), "
            f"{FITTED} (fitted, but the posterior stays about as wide as the prior), "
            f"{NOT_FITTED} (a judgement value). Ranges and sources: --format markdown.",
            width,
        )
    )
    return 0
