"""The files an exploration writes beside its tables: decisions, discovery, figures.

:func:`write_report` is what ``escalation explore`` calls once the worlds have run (and what a
notebook can call on a loaded exploration): regret of every policy on every outcome, the
ranking on the chosen outcome with how often it holds, the satisficing shares, scenario
discovery for the chosen policies, and the three figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sim.errors import UserError
from sim.experiments.store import safe_name, write_parquet_atomic
from sim.explore import figures
from sim.explore.decisions import (
    Condition,
    decisions_markdown,
    ranking,
    regret_summary,
)
from sim.explore.discovery import discover, discovery_markdown, interest, varying_columns
from sim.explore.runner import EXPLORE_OUTCOMES


def question(policy: str, conditions: Sequence[Condition], failing: bool) -> str:
    """The discovery question in words."""
    if failing:
        return f"When does {policy} miss the thresholds ({', '.join(map(str, conditions))})?"
    return f"When does {policy} lead to {' or '.join(map(str, conditions))}?"


def write_report(
    worlds: pd.DataFrame,
    outcomes: pd.DataFrame,
    d: Path,
    outcome: str,
    satisfy: Sequence[Condition],
    discover_if: Sequence[Condition] = (),
    discover_policies: Sequence[str] = (),
    seed: int = 0,
    note: str = "",
) -> dict[str, object]:
    """Write the decision tables, discovery and figures into ``d``; return what was found
    (``regret``, ``ranking``, ``discoveries``: policy → Discovery or the reason there is none).

    ``discover_if``: the worlds of interest are those where any of these conditions holds for
    the policy; empty: those where the policy misses a ``satisfy`` threshold. Without
    ``discover_policies`` the minimax-regret policy on ``outcome`` is analysed.
    """
    d = Path(d)
    names = [o for o in EXPLORE_OUTCOMES if o in outcomes.columns]
    regret = regret_summary(outcomes, names)
    write_parquet_atomic(regret, d / "regret.parquet")
    regret.to_csv(d / "regret.csv", index=False)
    rank = ranking(outcomes, outcome, satisfy)
    rank.to_csv(d / "ranking.csv", index=False)
    order = list(rank["policy"])
    md = [
        decisions_markdown(rank, outcome, satisfy, worlds.shape[0]),
        "",
        "# Scenario discovery",
        "",
    ]
    x = worlds.sort_values("world").reset_index(drop=True)[varying_columns(worlds)]
    found: dict[str, object] = {}
    for p in discover_policies or order[:1]:
        if discover_if:
            y = interest(outcomes, p, discover_if, any_of=True)
            q = question(p, discover_if, failing=False)
        else:
            y = ~interest(outcomes, p, satisfy, any_of=False)
            q = question(p, satisfy, failing=True)
        try:
            disc = discover(x, y.to_numpy(), q, seed=seed)
        except UserError as exc:  # nothing, or everything, is of interest
            why = str(exc).removeprefix(f"{q}: ")
            found[p] = why
            md += [f"## {q}", "", why[:1].upper() + why[1:] + ".", ""]
            continue
        found[p] = disc
        md.append(discovery_markdown(disc))
        stem = f"prim_{safe_name(p)}"
        disc.trajectory.to_csv(d / f"{stem}_trajectory.csv", index=False)
        disc.limits.to_csv(d / f"{stem}_box.csv", index=False)
        disc.scores.to_csv(d / f"{stem}_feature_scores.csv")
        disc.cart.to_csv(d / f"{stem}_cart.csv", index=False)
        figures.save(figures.prim_figure(disc, note), d / stem)
    (d / "decisions.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    figures.save(figures.regret_figure(outcomes, order, note=note), d / "regret")
    figures.save(figures.ranking_figure(rank, outcome, note), d / "ranking")
    return {"regret": regret, "ranking": rank, "discoveries": found}
