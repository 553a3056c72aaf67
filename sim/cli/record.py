"""``escalation record [FILE]``: validate an event record and print a readable summary.

The summary counts what the model is calibrated to: attacks on US or coalition targets in Iraq
and the actions of the model's actors (the US, Iran, the militias, the Iraqi government). Rows
about third parties or places outside the model (the Israel–Hamas war, strikes in Beirut or
Tehran by others, attacks outside Iraq) are context: they are listed apart and counted in
nothing else. ``--json`` prints the same as JSON.
"""

from __future__ import annotations

import argparse
import json

import pandas as pd

from sim.analysis.tables import text_table
from sim.cli.common import description
from sim.inputs.record import load_events, summarise

#: Actors of the record that the model has (anything else is a third party).
MODEL_ACTORS = ("us", "iran", "iraq_gov", "militia", "unknown", "badr")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``record`` sub-command."""
    p = sub.add_parser(
        "record",
        help="validate an event record and summarise it",
        description=description(__doc__),
    )
    p.add_argument("file", nargs="?", help="event table (default: the packaged record)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=run)


def is_context(events: pd.DataFrame) -> pd.Series:
    """Rows about third parties (an actor the model does not have, or an attack outside Iraq
    by anyone but the US)."""
    from sim.core.params import GROUPS

    actors = {*MODEL_ACTORS, *GROUPS}
    third = ~events["actor"].isin(actors)
    abroad = events["is_attack"] & ~events["in_iraq"] & (events["actor"] != "us")
    return third | abroad


def _date(x) -> str:
    return pd.Timestamp(x).date().isoformat()


def summary(events: pd.DataFrame) -> dict[str, object]:
    """The summary: model rows through :func:`sim.inputs.record.summarise`, context apart."""
    ctx = is_context(events)
    model = events[~ctx]
    s = summarise(model)
    out: dict[str, object] = {
        "rows": len(events),
        "first_date": _date(events["day"].min()),
        "last_date": _date(events["day"].max()),
        "model_rows": len(model),
        **{k: v for k, v in s.items() if k not in ("n_events", "first_date", "last_date")},
        "context_rows": [
            {
                "date": _date(r.day),
                "actor": r.actor,
                "action": r.action,
                "target": r.target,
                "location": r.location,
            }
            for r in events[ctx].itertuples()
        ],
    }
    return out


def run(args: argparse.Namespace) -> int:
    """Load, validate and summarise."""
    events = load_events(args.file)
    s = summary(events)
    if args.json:
        print(json.dumps(s, indent=2))
        return 0
    name = args.file or "the packaged record (sim/data/events.csv)"
    print(f"{name}: valid, {s['rows']} rows from {s['first_date']} to {s['last_date']}")
    print()
    print(f"Attacks on US or coalition targets in Iraq: {s['n_attacks']} "
          f"({s['n_lethal_attacks']} lethal)")  # fmt: skip
    print(f"Americans killed: {s['us_killed']}; wounded: at least {s['us_wounded_low']}")
    strikes = s["us_strikes"]
    print(
        f"US strikes: {strikes['us_strike_syria']} in Syria, {strikes['us_strike_iraq']} inside "
        f"Iraq, {strikes['decapitation']} decapitation, {strikes['us_strike_iran']} on Iran"
    )
    print()
    print(f"Rows of the model's actors ({s['model_rows']}), by action:")
    rows = [[a, str(n)] for a, n in s["by_action"].items()]
    print(text_table(["action", "rows"], rows))
    ctx = s["context_rows"]
    print()
    print(f"Context rows (third parties, or attacks outside Iraq), counted above in nothing "
          f"({len(ctx)}):")  # fmt: skip
    if ctx:
        body = [[c["date"], c["actor"], c["action"], c["target"], c["location"]] for c in ctx]
        print(text_table(["date", "actor", "action", "target", "location"], body, wrap=(4,)))
    return 0
