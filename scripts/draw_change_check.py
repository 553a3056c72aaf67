"""Does a change of the random draws leave the distribution of the outcomes as it was?

A change to the generator of the draws (:mod:`sim.core.draws`) changes every run, so the numbers
cannot stay identical; what must stay is their distribution. Run ``--write`` on the code before
the change and on the code after it, then ``--compare`` the two files: for each policy and
outcome, Welch's t-test of the two means (the runs of the two files are independent samples:
the same parameter draws, different random draws) and, for the counts, the two-sample
Kolmogorov–Smirnov test; the smallest p-value is judged with Holm's correction over all tests.

Usage::

    python scripts/draw_change_check.py --write before.npz      # on the old code
    python scripts/draw_change_check.py --write after.npz       # on the new code
    python scripts/draw_change_check.py --compare before.npz after.npz
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from scipy import stats

from sim.core.policies import get_policy
from sim.engines.ensemble import run_ensemble
from sim.experiments.sampling import build_params, chunk_rngs
from sim.inputs.scenario import load_scenario

POLICIES = ("do_nothing", "strike_iraq", "hold_iran_accountable", "negotiate_withdrawal")
OUTCOMES = (
    "attacks_total",
    "attacks_lethal",
    "us_killed",
    "us_wounded",
    "us_strikes",
    "iraqi_harmed",
    "max_rung",
    "truce_days",
    "war",
    "withdrawal",
    "expulsion_vote",
)
SEED = 5


def compute(runs: int, seed: int = SEED) -> dict[str, np.ndarray]:
    sc = load_scenario("baseline")
    out = {}
    for policy in POLICIES:
        draws, prng = chunk_rngs(seed, 0)
        r = run_ensemble(sc, get_policy(policy), build_params(sc, runs, prng), draws)
        for k in OUTCOMES:
            out[f"{policy}/{k}"] = np.asarray(r.outcomes[k], dtype=float)
    return out


def compare(before: dict[str, np.ndarray], after: dict[str, np.ndarray]) -> int:
    rows = []
    for key in before:
        a, b = before[key], after[key]
        if a.std() == 0 and b.std() == 0:
            rows.append((key, a.mean(), b.mean(), 1.0, 1.0))
            continue
        t = stats.ttest_ind(a, b, equal_var=False).pvalue
        ks = stats.ks_2samp(a, b).pvalue if len(np.unique(a)) > 2 else np.nan
        rows.append((key, a.mean(), b.mean(), t, ks))
    pvals = np.array([p for r in rows for p in r[3:] if np.isfinite(p)])
    m = len(pvals)
    holm = np.minimum(1.0, np.sort(pvals) * (m - np.arange(m)))  # Holm step-down, smallest first
    smallest = float(np.maximum.accumulate(holm)[0])
    print(
        f"{'policy/outcome':42s} {'mean before':>12s} {'mean after':>12s} {'t p':>7s} {'KS p':>7s}"
    )
    for key, ma, mb, t, ks in rows:
        ks_text = f"{ks:7.3f}" if np.isfinite(ks) else "      –"
        print(f"{key:42s} {ma:12.4f} {mb:12.4f} {t:7.3f} {ks_text}")
    print(
        f"{m} tests; smallest p {pvals.min():.4f}, Holm-adjusted {smallest:.3f}; "
        f"{(pvals < 0.05).sum()} below 0.05 (the tests are correlated: every policy of one file "
        "shares its draws, and a policy's outcomes move together)"
    )
    return 0 if smallest >= 0.05 else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--write", metavar="FILE")
    g.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"))
    ap.add_argument("--runs", type=int, default=20_000, help="runs per policy (default 20,000)")
    ap.add_argument("--seed", type=int, default=SEED, help=f"seed of the runs (default {SEED})")
    args = ap.parse_args(argv)
    if args.write:
        np.savez_compressed(args.write, **compute(args.runs, args.seed))
        print(f"wrote {args.write}")
        return 0
    with np.load(args.compare[0]) as a, np.load(args.compare[1]) as b:
        return compare({k: a[k] for k in a.files}, {k: b[k] for k in b.files})


if __name__ == "__main__":
    sys.exit(main())
