"""A draw is keyed by its slot's name (:mod:`sim.core.draws`): a new slot, wherever it is put in
the lists, changes no draw of the others, and so no run.

The end-to-end check adds slots at the head of both lists (every index shifts) in a child process
that runs the engines uncompiled (``NUMBA_DISABLE_JIT``: the same code, without compiling it
again for the changed layout), and compares its runs with those of the unchanged layout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.core import draws
from sim.core.params import GROUPS

ROOT = Path(__file__).resolve().parents[1]

RUNS = r"""
import json, sys
import numpy as np
np.seterr(over="ignore")  # uint64 arithmetic of the draws wraps, as compiled
from sim.core import draws
if sys.argv[1] == "added":  # new slots first: every existing slot moves to another index
    draws.PER_GROUP = ("added_per_group",) + draws.PER_GROUP
    draws.SINGLE = ("added_single",) + draws.SINGLE[:5] + ("added_middle",) + draws.SINGLE[5:]
    vars(draws).update(draws.layout(draws.PER_GROUP, draws.SINGLE))
from sim.core.params import GROUPS, Params
from sim.core.policies import get_policy
from sim.engines.ensemble import run_ensemble
from sim.engines.mesa.model import run_mesa
from sim.inputs.scenario import scenario_from_dict

sc = scenario_from_dict({"name": "x", "start": "2020-01-01", "days": 45,
                         "initial": {"expulsion_voted": True, "iran_grievance": 1.0}})
params = Params.build(3, {**{f"base_rate.{g}": 0.3 for g in GROUPS}, "truce_rate": 0.01,
                          "p_iraqi_harm": 0.3, "iran_strike_rate": 0.2})
out = {"ATTACK": int(draws.ATTACK), "VOTE": int(draws.VOTE)}
for policy in ("generous_tit_for_tat", "iraqi_accountability"):
    for engine, run in (("ensemble", run_ensemble), ("mesa", run_mesa)):
        r = run(sc, get_policy(policy), params, np.random.default_rng(5))
        out[f"{engine}/{policy}"] = {k: np.asarray(v, dtype=float).tolist()
                                     for k, v in r.outcomes.items()}
print(json.dumps(out))
"""


def _runs(layout: str) -> dict:
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1", "PYTHONPATH": str(ROOT)}
    p = subprocess.run(
        [sys.executable, "-c", RUNS, layout], capture_output=True, text=True, env=env, timeout=600
    )
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout.splitlines()[-1])


def test_a_slot_key_depends_on_its_name_only():
    before = draws.layout()
    more = draws.layout(
        ("new", *draws.PER_GROUP), (*draws.SINGLE[:3], "new_single", *draws.SINGLE[3:]),
        (*GROUPS, "new_group"),
    )  # fmt: skip
    keys = {}
    for lay, groups, per_group, single in (
        (before, GROUPS, draws.PER_GROUP, draws.SINGLE),
        (more, (*GROUPS, "new_group"), ("new", *draws.PER_GROUP),
         (*draws.SINGLE[:3], "new_single", *draws.SINGLE[3:])),
    ):  # fmt: skip
        named = {}
        for n in per_group:
            for g, group in enumerate(groups):
                named[(n, group)] = lay["KEYS"][lay[n.upper()] + g]
        for n in single:
            named[(n, None)] = lay["KEYS"][lay[n.upper()]]
        keys[id(lay)] = named
    old, new = keys[id(before)], keys[id(more)]
    assert all(new[k] == v for k, v in old.items())  # every existing slot keeps its key
    assert len(set(new.values())) == len(new)  # and all keys differ
    assert before["ATTACK"] != more["ATTACK"] and before["VOTE"] != more["VOTE"]  # indices moved


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_an_added_slot_changes_no_run():
    before, after = _runs("as_is"), _runs("added")
    assert after["ATTACK"] != before["ATTACK"] and after["VOTE"] != before["VOTE"]
    for case in (k for k in before if "/" in k):
        for outcome, values in before[case].items():
            assert after[case][outcome] == values, (case, outcome)
    # the runs are not empty: attacks, US actions and prosecutions happened
    assert sum(before["ensemble/generous_tit_for_tat"]["us_strikes"]) > 0
    assert sum(before["ensemble/iraqi_accountability"]["attacks_total"]) > 0
