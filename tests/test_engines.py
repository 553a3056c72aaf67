"""The two engines agree: run for run on shared draws, and in distribution on independent ones.

Both engines call the same rulebook in the same daily order. Given the same integer seed, a Mesa
model and a one-run ensemble draw identical uniforms, so their outcomes must be identical. The
distributional test then compares independent samples with a two-sample Kolmogorov–Smirnov
test, in a configuration where it is powerful enough to catch a 2% shift of a mean, which the
last test demonstrates with a deliberately perturbed parameter.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.core.params import GROUPS, Params
from sim.core.policies import all_policies, get_policy
from sim.engines.ensemble import run_ensemble
from sim.engines.mesa.model import EscalationModel, run_mesa
from sim.inputs.scenario import load_scenario, scenario_from_dict

YEAR = scenario_from_dict({"name": "year", "start": "2019-10-01", "days": 365})
# Many attacks with binomial-like counts (no self-excitation, no consolidation), so the
# coefficient of variation of the attack count is ~4% and a 2% shift is ~0.45 sd.
BUSY = {f"base_rate.{g}": 0.3 for g in GROUPS} | {"self_excitation": 0.0, "consolidation_step": 0.0}
N_MESA = 150
N_ENSEMBLE = 20_000
OUTCOMES = ("attacks_total", "attacks_lethal", "us_killed", "us_wounded")
# family-wise 1% over the outcomes compared (Bonferroni); the power test uses the same level
ALPHA = 0.01 / len(OUTCOMES)


def mesa_once(scenario, policy: str, seed: int, overrides=None):
    m = EscalationModel(scenario, policy, Params.build(1, overrides), rng=seed, collect=False)
    for _ in range(scenario.days):
        m.step()
    return m.result()


@pytest.mark.parametrize("policy", all_policies())
def test_engines_identical_run_for_run_on_shared_draws(policy):
    for path, seeds in (("scenarios/baseline.yaml", range(3)), ("scenarios/mid_2024.yaml", [7])):
        sc = load_scenario(path)
        for seed in seeds:
            a = mesa_once(sc, policy, seed)
            b = run_ensemble(sc, get_policy(policy), Params.build(1), np.random.default_rng(seed))
            for k in b.outcomes:
                np.testing.assert_array_equal(a.outcomes[k], b.outcomes[k], err_msg=k)
            for k in b.daily:
                np.testing.assert_array_equal(a.daily[k], b.daily[k], err_msg=k)


def test_mesa_same_seed_same_run():
    a = mesa_once(YEAR, "tit_for_tat", 11)
    b = mesa_once(YEAR, "tit_for_tat", 11)
    c = mesa_once(YEAR, "tit_for_tat", 12)
    assert all(np.array_equal(a.daily[k], b.daily[k]) for k in a.daily)
    assert not all(np.array_equal(a.daily[k], c.daily[k]) for k in a.daily)


@pytest.fixture(scope="module")
def mesa_busy():
    return run_mesa(YEAR, get_policy("do_nothing"), Params.build(N_MESA, BUSY),
                    np.random.default_rng(2024))  # fmt: skip


def ensemble(policy: str, overrides, seed: int, n: int = N_ENSEMBLE):
    return run_ensemble(YEAR, get_policy(policy), Params.build(n, overrides),
                        np.random.default_rng(seed), keep_daily=False)  # fmt: skip


@pytest.mark.slow
def test_distributions_agree_on_independent_draws(mesa_busy):
    ens = ensemble("do_nothing", BUSY, 99)
    for k in OUTCOMES:
        p = stats.ks_2samp(mesa_busy.outcomes[k], ens.outcomes[k]).pvalue
        assert p > ALPHA, (k, p)


@pytest.mark.slow
@pytest.mark.parametrize("policy", ["strike_iraq", "decapitation", "generous_tit_for_tat"])
def test_distributions_agree_under_responding_policies(policy):
    sc = load_scenario("scenarios/baseline.yaml")
    mesa = run_mesa(sc, get_policy(policy), Params.build(60), np.random.default_rng(5))
    ens = run_ensemble(sc, get_policy(policy), Params.build(N_ENSEMBLE),
                       np.random.default_rng(6), keep_daily=False)  # fmt: skip
    for k in ("attacks_total", "us_killed", "us_strikes", "max_rung"):
        p = stats.ks_2samp(mesa.outcomes[k], ens.outcomes[k]).pvalue
        assert p > ALPHA, (policy, k, p)


@pytest.mark.slow
def test_a_two_percent_shift_would_be_caught(mesa_busy):
    """Power: lowering the base rates so that the mean attack count falls by 2% at most is
    detected by the same test on the same Mesa sample."""
    reference = ensemble("do_nothing", BUSY, 99).outcomes["attacks_total"]
    shifted_params = {k: v * 0.978 if k.startswith("base_rate") else v for k, v in BUSY.items()}
    shifted = ensemble("do_nothing", shifted_params, 99).outcomes["attacks_total"]
    shift = shifted.mean() / reference.mean() - 1
    assert -0.02 <= shift < -0.015  # a shift of (at most) 2% of the mean
    p = stats.ks_2samp(mesa_busy.outcomes["attacks_total"], shifted).pvalue
    assert p < ALPHA, p
