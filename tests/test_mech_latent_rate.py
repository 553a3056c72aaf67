"""The militias' shared latent log-rate (the political climate): the rules' bounds, its
stationary law in the engine, its identity when switched off, the spread it adds to monthly
counts, both engines, and the calibration on monthly targets that fits it."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.calibration.priors import ABC_PRIORS, MONTHLY_PRIORS, RATE_PRIORS
from sim.calibration.settings import MONTHLY
from sim.core import draws
from sim.core.layout import SC
from sim.core.params import GROUPS, TABLE, Params
from sim.core.policies import get_policy
from sim.core.rules import militia
from sim.core.state import State
from sim.engines.ensemble import run_ensemble
from sim.engines.mesa.model import run_mesa
from sim.inputs.scenario import load_scenario, scenario_from_dict

QUIET = scenario_from_dict({"name": "quiet", "start": "2021-01-01", "days": 120})
BASELINE = load_scenario("scenarios/baseline.yaml")


# --- the rules -------------------------------------------------------------------------------
def test_standard_normal_has_the_normal_moments_and_quantiles():
    rng = np.random.default_rng(0)
    u1, u2 = rng.random(200_000), rng.random(200_000)
    z = np.array([militia.standard_normal(a, b) for a, b in zip(u1, u2, strict=True)])
    assert np.all(np.isfinite(z))
    assert z.mean() == pytest.approx(0.0, abs=0.01)
    assert z.std() == pytest.approx(1.0, abs=0.01)
    assert np.mean(z < -1.6449) == pytest.approx(0.05, abs=0.003)
    assert np.isfinite(militia.standard_normal(0.0, 0.3))  # the lowest uniform is finite


@given(
    z=st.floats(-6.0, 6.0),
    sd=st.floats(0.01, 2.0),
    days=st.floats(7.0, 730.0),
    eps=st.floats(-5.0, 5.0),
)
@settings(max_examples=200, deadline=None)
def test_the_log_rate_step_reverts_to_zero_and_its_factor_is_positive(z, sd, days, eps):
    keep = math.exp(-1.0 / days)
    nxt = militia.rate_level_update(z, True, sd, keep, eps)
    assert nxt == pytest.approx(keep * z + sd * math.sqrt(1 - keep * keep) * eps)
    # without news it moves toward 0, never past it
    calm = militia.rate_level_update(z, True, sd, keep, 0.0)
    assert abs(calm) <= abs(z) and calm * z >= 0.0
    # a higher level, a higher factor; the factor is positive
    assert militia.rate_factor(z + 0.1, sd) > militia.rate_factor(z, sd) > 0.0
    # the first day draws from the stationary law
    assert militia.rate_level_update(z, False, sd, keep, eps) == sd * eps


def test_zero_spread_gives_a_factor_of_exactly_one():
    for z in (-3.0, 0.0, 0.7):
        assert militia.rate_factor(z, 0.0) == 1.0


def test_the_parameters_and_priors_are_declared():
    assert TABLE["rate_noise_sd"].default == 0.0  # off: every policy result as before
    assert TABLE["rate_noise_days"].unit == "days"
    names = {p.name for p in RATE_PRIORS}
    assert names == {"rate_noise_sd", "rate_noise_days"}
    assert names <= set(MONTHLY.fitted)
    assert not names & {p.name for p in ABC_PRIORS}  # the five articles' fit keeps it off
    assert {p.name for p in MONTHLY_PRIORS} >= set(MONTHLY.fitted) - {"base_rate_scale"}
    sd = next(p for p in RATE_PRIORS if p.name == "rate_noise_sd")
    assert 0.0 < sd.mode < sd.high and sd.dist.ppf(0.95) > 1.0  # a weak prior, off zero
    assert draws.RATE_NOISE != draws.RATE_NOISE_ANGLE


# --- in the engine ---------------------------------------------------------------------------
def _levels(sd: float, days: float, n: int, horizon: int, seed: int = 11) -> np.ndarray:
    """The latent log-rate of ``n`` runs, day by day, shape ``(horizon, n)``."""
    p = Params.build(n, {"rate_noise_sd": sd, "rate_noise_days": days})
    out = np.empty((horizon, n))

    def observe(t, events, state):
        out[t] = state.rate_level

    run_ensemble(QUIET, get_policy("do_nothing"), p, np.random.default_rng(seed),
                 keep_daily=False, observe=observe, tally=False)  # fmt: skip
    return out[:horizon]


def test_the_factor_has_mean_one_and_the_level_its_stationary_sd_and_persistence():
    sd, days, n = 0.8, 30.0, 6000
    z = _levels(sd, days, n, QUIET.days)
    for t in (0, 59, 119):  # stationary from the first day
        assert z[t].std() == pytest.approx(sd, rel=0.05)
        f = np.exp(z[t] - sd * sd / 2)
        se = f.std() / math.sqrt(n)
        assert abs(f.mean() - 1.0) < 4 * se
    # the correlation of the level 30 days apart is exp(-30 / days)
    r = np.corrcoef(z[59], z[89])[0, 1]
    assert r == pytest.approx(math.exp(-30.0 / days), abs=0.04)
    # each run's own path wanders: its time-average spread is below the stationary sd
    assert 0.0 < z.mean(axis=0).std() < sd


def test_switched_off_it_draws_nothing_and_changes_nothing():
    sc = BASELINE
    pol = get_policy("strike_iraq")
    base = Params.build(200, sc.params)
    other = Params.build(200, {**sc.params, "rate_noise_days": 400.0})
    a = run_ensemble(sc, pol, base, np.random.default_rng(5))
    b = run_ensemble(sc, pol, other, np.random.default_rng(5))
    for k in a.outcomes:
        np.testing.assert_array_equal(a.outcomes[k], b.outcomes[k], err_msg=k)
    for k in a.daily:
        np.testing.assert_array_equal(a.daily[k], b.daily[k], err_msg=k)
    state = State.initial(200, base, sc.initial)
    run_ensemble(sc, pol, base, np.random.default_rng(5), state=state)
    assert np.all(state.rate_level == 0.0) and not state.rate_started.any()
    # with the process on, the same draws of every other slot: the runs differ only by it
    on = Params.build(200, {**sc.params, "rate_noise_sd": 0.8})
    c = run_ensemble(sc, pol, on, np.random.default_rng(5))
    assert not np.array_equal(a.daily["attacks"], c.daily["attacks"])


def _month_counts(sd: float, n: int = 3000) -> np.ndarray:
    busy = {f"base_rate.{g}": 0.1 for g in GROUPS}
    p = Params.build(n, {**busy, "rate_noise_sd": sd, "rate_noise_days": 90.0})
    r = run_ensemble(QUIET, get_policy("do_nothing"), p, np.random.default_rng(3))
    daily = r.daily["attacks"]
    return daily[60:90].sum(axis=0)  # the third month


def test_the_monthly_counts_spread_more_with_the_spread_of_the_log_rate():
    vmr = []
    for sd in (0.0, 0.5, 1.0):
        x = _month_counts(sd)
        vmr.append(x.var() / x.mean())
    assert vmr[0] < vmr[1] < vmr[2]
    assert vmr[2] > 2 * vmr[0]
    # the level is kept: the mean count moves far less than its spread
    m0, m1 = _month_counts(0.0).mean(), _month_counts(1.0).mean()
    assert m1 == pytest.approx(m0, rel=0.25)


@pytest.mark.parametrize("policy", ["strike_iraq", "do_nothing", "tit_for_tat"])
def test_both_engines_identical_with_the_process_on(policy):
    sc = BASELINE
    params = Params.build(3, {**sc.params, "rate_noise_sd": 1.2, "rate_noise_days": 20.0,
                              "base_rate.kataib_hezbollah": 0.1})  # fmt: skip
    a = run_mesa(sc, get_policy(policy), params, np.random.default_rng(9))
    b = run_ensemble(sc, get_policy(policy), params, np.random.default_rng(9))
    for k in a.outcomes:
        np.testing.assert_array_equal(a.outcomes[k], b.outcomes[k], err_msg=k)
    for k in a.daily or {}:
        np.testing.assert_array_equal(a.daily[k], b.daily[k], err_msg=k)


def test_a_branch_carries_the_level_forward():
    """A run continued from a state goes on from its level (the state row), not afresh."""
    p = Params.build(500, {"rate_noise_sd": 1.0, "rate_noise_days": 365.0})
    state = State.initial(500, p, QUIET.initial)
    run_ensemble(QUIET, get_policy("do_nothing"), p, np.random.default_rng(1), state=state,
                 keep_daily=False, tally=False)  # fmt: skip
    before = state.rate_level.copy()
    assert state.rate_started.all()
    run_ensemble(QUIET, get_policy("do_nothing"), p, np.random.default_rng(2), state=state,
                 keep_daily=False, tally=False)  # fmt: skip
    keep = math.exp(-QUIET.days / 365.0)
    assert np.corrcoef(before, state.rate_level)[0, 1] == pytest.approx(keep, abs=0.1)
    assert SC.rate_level != SC.rate_started
