"""The day is written once (:mod:`sim.core.day`) and both engines play it in its order.

The order in which the engines call the phases is recorded by running them as plain Python
(numba's ``NUMBA_DISABLE_JIT``, in a child process: the same code, uncompiled) with every phase
of :mod:`sim.core.day` wrapped; the Mesa model's ``step`` is read as source. The militia groups'
order within a day changes nothing, exactly: the Mesa model shuffles them every day (the
recording shows it) and gives the ensemble's numbers run for run, whatever its shuffling seed.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.core import day
from sim.core.params import GROUPS, Params
from sim.engines.mesa.model import EscalationModel
from sim.inputs.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
G = len(GROUPS)

RECORD = r"""
import json, os, sys
import numpy as np
np.seterr(over="ignore")  # uint64 arithmetic of the draws wraps, as compiled
from sim.core import day
from sim.core.params import Params
from sim.core.policies import Decision, Policy, get_policy
from sim.engines.ensemble import run_ensemble
from sim.engines.mesa.model import EscalationModel
from sim.inputs.scenario import scenario_from_dict


class InPython(Policy):
    name = "in_python"

    def decide(self, obs, params, u):
        n = len(obs.pending_severity)
        return Decision(np.full(n, 1), np.ones(n), np.zeros(n, bool))


calls = []
for name in day.PHASES:
    def wrapped(*args, _f=getattr(day, name), _name=name):
        group = args[2] if _name in ("militia_act", "militia_update") else None
        calls.append([_name, group])
        return _f(*args)
    setattr(day, name, wrapped)

sc = scenario_from_dict({"name": "x", "start": "2021-01-01", "days": 4})
out = {}
for engine, policy in (("ensemble", "tit_for_tat"), ("python", None), ("mesa", "tit_for_tat")):
    calls.clear()
    pol = InPython() if policy is None else get_policy(policy)
    if engine == "mesa":
        m = EscalationModel(sc, pol, Params.build(1), rng=3, collect=False)
        for _ in range(sc.days):
            m.step()
    else:
        run_ensemble(sc, pol, Params.build(1), np.random.default_rng(1))
    out[engine] = list(calls)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def recorded():
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1", "PYTHONPATH": str(ROOT)}
    p = subprocess.run(
        [sys.executable, "-c", RECORD], capture_output=True, text=True, env=env, timeout=300
    )
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout.splitlines()[-1])


def _one_day() -> list[str]:
    per_group = {"militia_act", "militia_update"}
    return [p for p in day.PHASES for _ in range(G if p in per_group else 1)]


def test_both_engines_call_the_phases_in_the_days_order(recorded):
    days = 4
    expected = _one_day() * days
    for engine in ("ensemble", "mesa"):
        assert [c[0] for c in recorded[engine]] == expected, engine
    # a Python policy decides between the two parts of the day: every phase but us_decide
    assert [c[0] for c in recorded["python"]] == [p for p in expected if p != "us_decide"]


def test_the_mesa_step_reads_as_the_day():
    src = inspect.getsource(EscalationModel.step)
    assert "getattr" not in src
    names = []
    for line in src.splitlines():
        m = re.search(r'shuffle_do\("(\w+)"\)', line)
        m = m or re.search(r"self\.(?:\w+\.)?(\w+)\(\)", line)
        if m:
            names.append(m.group(1))
    assert names == list(day.PHASES)
    # and the day lists its phases once: run_day calls them in PHASES' order
    body = inspect.getsource(day.run_day)
    assert re.findall(r"^\s+(\w+)\(i", body, flags=re.M) == list(day.PHASES)


def test_the_groups_act_in_a_shuffled_order_in_mesa(recorded):
    orders = set()
    for phase in ("militia_act", "militia_update"):
        groups = [c[1] for c in recorded["mesa"] if c[0] == phase]
        days = [tuple(groups[k : k + G]) for k in range(0, len(groups), G)]
        assert all(sorted(d) == list(range(G)) for d in days)  # each group once a day
        orders |= set(days)
        ens = [c[1] for c in recorded["ensemble"] if c[0] == phase]
        assert ens == list(range(G)) * 4  # the ensemble: in index order
    assert len(orders) > 1  # Mesa shuffled them


@pytest.mark.parametrize(
    "scenario,policy",
    [
        ("baseline", "tit_for_tat"),
        ("late_2019", "negotiate_withdrawal"),
        ("mid_2024", "strike_iraq"),
    ],
)
def test_the_order_of_the_groups_changes_no_outcome(scenario, policy):
    """Mesa models of the same run (same draw key) with different shuffling seeds: the groups
    act in different orders every day, the outcomes are identical."""
    sc = load_scenario(scenario)
    params = Params.build(1, {**sc.params, "base_rate.front_groups": 0.2, "truce_rate": 0.01})
    results = []
    for seed in (1, 2, 3):
        m = EscalationModel(sc, policy, params, rng=seed, collect=False, key=77, run=0)
        for _ in range(sc.days):
            m.step()
        results.append(m.result())
    for r in results[1:]:
        for k, v in results[0].outcomes.items():
            np.testing.assert_array_equal(v, r.outcomes[k], err_msg=k)
        for k, v in results[0].daily.items():
            np.testing.assert_array_equal(v, r.daily[k], err_msg=k)
    assert results[0].outcomes["attacks_total"][0] > 0  # the groups did act
