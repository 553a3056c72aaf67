"""The files an exploration writes beside its tables: decisions, discovery, figures, summary.

:func:`write_report` is what ``escalation explore`` calls once the worlds have run (and what a
notebook can call on a loaded exploration): regret of every policy on every outcome defined in
every world, the ranking on the chosen outcome with how often it holds, the satisficing shares,
scenario discovery for the chosen policies, and the three figures. :func:`write_summary` then writes
``summary.md``: the header every command's summary opens with
(:func:`sim.experiments.provenance.summary_header`), then the decisions and discovery.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sim.errors import UserError
from sim.experiments.provenance import summary_header
from sim.experiments.store import safe_name, write_parquet_atomic
from sim.explore import figures
from sim.explore.decisions import (
    Condition,
    decisions_markdown,
    ranking,
    regret_summary,
)
from sim.explore.discovery import discover, discovery_markdown, interest, varying_columns
from sim.explore.runner import EXPLORE_OUTCOMES, UNDEFINED_IN_SOME_WORLDS, Exploration


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
    # regret compares policies within a world: not for an outcome undefined in some worlds
    names = [
        o for o in EXPLORE_OUTCOMES if o in outcomes.columns and o not in UNDEFINED_IN_SOME_WORLDS
    ]
    if outcome in UNDEFINED_IN_SOME_WORLDS:
        raise UserError(f"--outcome {outcome}: undefined in some worlds, no regret or ranking")
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


#: Fewest worlds for shares of worlds (robustness, the ranking's stability) and PRIM's boxes to
#: be read with any confidence (a share of 90% from 100 worlds is ±6 points).
MIN_WORLDS = 100


def exploration_warnings(worlds: int, replications: int, explored: int = 0) -> list[str]:
    """Warnings for an exploration too small for what it reports (terminal and summary.md)."""
    from sim.explore.robustness import MIN_REPLICATIONS

    out = []
    if worlds < MIN_WORLDS:
        out.append(
            f"warning: {worlds:,} worlds (under {MIN_WORLDS}): the shares of worlds, the "
            "ranking's stability and the PRIM boxes are rough"
            + (f" across {explored} explored parameters" if explored else "")
            + "; use more --worlds"
        )
    if replications < MIN_REPLICATIONS:
        out.append(
            f"warning: {replications} replications per world (under {MIN_REPLICATIONS}): a "
            "world's values carry Monte Carlo noise that can flip a difference's sign; use "
            "more --replications before reading flips as effects of the parameters"
        )
    return out


def write_summary(ex: Exploration, d: Path, command: str | None = None) -> Path:
    """Write ``d/summary.md``: the common header (scenario, period, seed, runs per policy,
    units), the exploration's design, then ``decisions.md`` (written by :func:`write_report`)
    one heading level down. Returns the path."""
    d = Path(d)
    sc = ex.scenario
    header = summary_header(
        f"Exploration of '{sc.name}': {len(ex.policies)} policies in {ex.worlds:,} worlds",
        scenario=sc.name,
        start=sc.start,
        end=sc.end,
        seed=ex.seed,
        runs=ex.worlds * ex.replications,
        policies=ex.policies,
        extra=[
            f"Worlds: {ex.worlds:,} ({ex.sampler}) × {ex.replications} replications, common "
            "random numbers within each world; outcomes are per-world means over the "
            "replications (yes/no outcomes: shares of runs; days to a first event: restricted "
            "means, a run without the event counting the whole period)",
            f"Explored parameters: {len(ex.spec.explored)}; from the posterior: "
            f"{len(ex.spec.from_posterior)}; fixed: {len(ex.spec.fixed)}",
        ],
    )
    body = (d / "decisions.md").read_text(encoding="utf-8")
    demoted = "\n".join("#" + line if line.startswith("#") else line for line in body.split("\n"))
    lines = [header, f"Command: `{command}`" if command else "", ""]
    for w in exploration_warnings(ex.worlds, ex.replications, len(ex.spec.explored)):
        lines += ["**Warning**: " + w.removeprefix("warning: ") + ".", ""]
    lines += [demoted.rstrip(), ""]
    path = d / "summary.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
