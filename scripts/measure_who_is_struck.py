"""Measure Iran's answer to a killing by who is killed.

Forces one US action on the first day of a 31-day window of the baseline scenario (the setting
of early 2021, with the calibrated posterior's parameters), leaves Iran, the militias and Iraq
to the model, lets the US do nothing afterwards, and prints the share of runs in which Iran
strikes US forces directly within 30 days. Usage::

    python scripts/measure_who_is_struck.py [--runs 4000] [--seed 1]
"""

from __future__ import annotations

import argparse

import numpy as np

from sim.core import ladder
from sim.core.policies import get_policy
from sim.engines.ensemble import run_ensemble
from sim.experiments.sampling import build_params, chunk_rngs
from sim.inputs.scenario import load_scenario

KILLINGS = {
    "nothing (reference)": ladder.US_NONE,
    "militia fighters (strike in Iraq)": ladder.US_STRIKE_IRAQ,
    "a militia commander (decapitation)": ladder.US_DECAPITATION,
    "an Iranian official (Soleimani)": ladder.US_DECAPITATION_IRAN,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scenario", default="scenarios/baseline.yaml")
    a = ap.parse_args()
    sc = load_scenario(a.scenario)
    sc = sc.model_copy(update={"days": 31})
    print(f"{sc.name}, 31 days from {sc.start}, {a.runs} runs, seed {a.seed}, posterior draws")
    print("US action on day 0                      P(Iranian direct strike within 30 days)")
    for label, code in KILLINGS.items():
        srng, prng = chunk_rngs(a.seed, 0)
        p = build_params(sc, a.runs, prng)
        forced = np.full(sc.days, ladder.US_NONE, dtype=np.int64)
        forced[0] = code
        r = run_ensemble(sc, get_policy("do_nothing"), p, srng, keep_daily=False, forced_us=forced)
        share = float((np.asarray(r.outcomes["iran_strikes"]) > 0).mean())
        se = (share * (1 - share) / a.runs) ** 0.5
        print(f"{label:40s} {share:.3f} (± {1.96 * se:.3f})")


if __name__ == "__main__":
    main()
