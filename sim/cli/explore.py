"""``escalation explore``: which policy holds up whatever the record cannot tell?

Runs every policy in many sampled worlds (:mod:`sim.explore.worlds`, :mod:`sim.explore.runner`)
and writes the decision measures, scenario discovery and figures (:mod:`sim.explore.report`).
"""

from __future__ import annotations

import argparse
import importlib.util
import shlex
import sys
from functools import partial
from pathlib import Path

from sim.api import resolve_policies
from sim.cli.common import positive_int, seed_int
from sim.cli.options import add_executor_arguments, execute, local_workers
from sim.errors import UserError
from sim.experiments import budget
from sim.explore.decisions import parse_conditions
from sim.explore.discovery import INSTALL_HINT
from sim.explore.runner import (
    EXPLORE_OUTCOMES,
    UNDEFINED_IN_SOME_WORLDS,
    Exploration,
    ExploreResult,
    run_exploration,
)
from sim.explore.worlds import SAMPLERS, load_world_bounds
from sim.inputs.scenario import load_scenario

DEFAULT_SATISFY = "us_killed<=1,war==0"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``explore`` sub-command."""
    p = sub.add_parser(
        "explore",
        help="run policies across sampled worlds: regret, satisficing, scenario discovery",
        description="Sample worlds (the parameters the record does not inform over their "
        "ranges, the informed ones from the calibrated posterior), run every policy in every "
        "world on common random numbers, and write per-world outcomes, regret, the ranking "
        "and how often it holds, the share of worlds meeting thresholds, PRIM boxes saying "
        "when a policy fails, figures and a manifest.",
    )
    p.add_argument("scenario", help="scenario YAML file (see scenarios/)")
    p.add_argument(
        "--policies",
        default=None,
        metavar="all|scenario|a,b,c",
        help="as for compare; do_nothing is always added",
    )
    p.add_argument("--worlds", type=positive_int, default=200, help="sampled worlds (200)")
    p.add_argument(
        "--replications", type=positive_int, default=20, help="runs per world and policy (20)"
    )
    p.add_argument("--seed", type=seed_int, default=1, help="seed (1)")
    p.add_argument(
        "--sampler",
        choices=SAMPLERS,
        default="lhs",
        help="lhs: Latin hypercube (default); sobol: scrambled Sobol' sequence",
    )
    p.add_argument(
        "--bounds",
        metavar="FILE",
        default=None,
        help="YAML (name: [low, high] | number | posterior) or CSV "
        "(parameter,low,high) choosing how parameters vary",
    )
    p.add_argument(
        "--outcome",
        default="us_killed",
        choices=[o for o in EXPLORE_OUTCOMES if o not in UNDEFINED_IN_SOME_WORLDS],
        metavar="OUTCOME",
        help="outcome the ranking is by (us_killed); any per-world outcome but "
        "lull_after_response, e.g. days_to_war_restricted_mean (more is better there)",
    )
    p.add_argument(
        "--satisfy",
        default=DEFAULT_SATISFY,
        metavar="CONDITIONS",
        help=f"thresholds a policy must meet in a world ('{DEFAULT_SATISFY}'; "
        "per-world means, yes/no outcomes as shares of runs; the days to a first event as "
        "restricted means over the period, e.g. 'days_to_war_restricted_mean>=300': "
        "OUTCOME is first_death_day, days_to_iran_strike, days_to_war or days_to_withdrawal "
        "followed by _restricted_mean; lull_after_response is NaN, so not met, in a world "
        "where the US never struck)",
    )
    p.add_argument(
        "--discover",
        default=None,
        metavar="CONDITIONS",
        help="worlds of interest for PRIM, e.g. 'war>0.05,us_killed>2' or "
        "'days_to_war_restricted_mean<200' (any holds; the outcomes of --satisfy); "
        "default: the worlds where the policy misses --satisfy",
    )
    p.add_argument(
        "--discover-policy",
        default=None,
        metavar="a,b",
        help="policies to run scenario discovery for (default: the top-ranked)",
    )
    p.add_argument(
        "--chunk-worlds",
        type=positive_int,
        default=None,
        help="worlds per chunk (default: about 5,000 runs per chunk); part of the "
        "exploration: the numbers depend on it, not on --workers",
    )
    add_executor_arguments(p, "exploration")
    p.add_argument("--out", default=None, help="result directory (results/<scenario>-explore)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate everything, run the worlds, write the report, print the ranking."""
    from sim.explore.report import exploration_warnings, write_report, write_summary

    scenario = load_scenario(args.scenario)
    policies, _ = resolve_policies(args.policies, scenario)
    outcomes = list(EXPLORE_OUTCOMES)
    satisfy = parse_conditions(args.satisfy, outcomes, "--satisfy")
    discover_if = parse_conditions(args.discover, outcomes, "--discover") if args.discover else []
    targets = []
    if args.discover_policy:
        targets = [s.strip() for s in args.discover_policy.split(",") if s.strip()]
        for t in targets:
            if t not in policies:
                raise UserError(f"--discover-policy: '{t}' is not among --policies")
    if importlib.util.find_spec("ema_workbench") is None:
        raise UserError(INSTALL_HINT)
    bounds = load_world_bounds(args.bounds) if args.bounds else None
    if args.out is None:
        args.out = str(Path("results") / f"{scenario.name}-explore")
    ex = Exploration(
        scenario,
        tuple(policies),
        args.worlds,
        args.replications,
        args.seed,
        args.sampler,
        bounds,
        args.chunk_worlds,
        str(args.scenario),
    )
    cost = budget.exploration_cost(
        len(policies), args.worlds, args.replications, scenario.days,
        ex.m * args.replications, local_workers(args, len(policies) * ex.n_chunks),
    )  # fmt: skip
    budget.check(cost, f"--worlds {args.worlds} --replications {args.replications}",
                 args.allow_large)  # fmt: skip
    words = [a for a in sys.argv[1:] if a != "--resume"] if sys.argv[1:2] == ["explore"] else []
    command = shlex.join(["escalation", *words]) if words else None
    note = (
        f"Scenario '{scenario.name}', {args.worlds:,} worlds ({args.sampler}) × "
        f"{args.replications} replications, seed {args.seed}; common random numbers within "
        "each world. Model output over sampled assumptions, not a forecast."
    )

    def finalise(res: ExploreResult, d: Path) -> list[Path]:
        found = write_report(
            res.worlds,
            res.outcomes,
            d,
            args.outcome,
            satisfy,
            discover_if,
            targets,
            args.seed,
            note,
        )
        res.manifest["report"] = {
            "outcome": args.outcome,
            "satisfy": [str(c) for c in satisfy],
            "discover": [str(c) for c in discover_if],
            "discover_policies": list(found["discoveries"]),
        }
        res.manifest["ranking"] = found["ranking"]["policy"].tolist()
        write_summary(res.exploration, d, command)
        skipped.update({p: w for p, w in found["discoveries"].items() if isinstance(w, str)})
        return []

    skipped: dict[str, str] = {}

    res = execute(
        args,
        partial(run_exploration, ex),
        ["escalation", *words] if words else None,
        command=command,
        finalise=finalise,
    )
    if isinstance(res, int):
        return res
    if not args.quiet:
        print((res.out / "decisions.md").read_text(encoding="utf-8").split("\n# Scenario")[0])
        for p, why in skipped.items():
            print(f"scenario discovery for {p}: {why}")
        for w in exploration_warnings(args.worlds, args.replications, len(ex.spec.explored)):
            print(w, file=sys.stderr)
        print(f"results in {res.out}/ ({len(res.files)} files)")
    return 0
