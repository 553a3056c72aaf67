"""The two engines run one day: run for run on shared draws, in distribution on independent ones.

Both engines run the phases of :mod:`sim.core.day`; a Mesa model given the chunk key and run
index of ensemble run ``k`` draws what that run draws, so their outcomes must be identical, for
every policy, every shipped scenario and every forced path of a replay. The ensemble's numbers
must not depend on the number of threads or on how runs are split. The distributional test then
compares independent samples with a two-sample Kolmogorov–Smirnov test, in a configuration where
it is powerful enough to catch a 2% shift of a mean, which the last test demonstrates with a
deliberately perturbed parameter.
"""

from __future__ import annotations

from pathlib import Path

import numba
import numpy as np
import pytest
from scipy import stats

from sim.core import ladder
from sim.core.kernels import threads
from sim.core.layout import SC, G
from sim.core.params import GROUPS, Params
from sim.core.policies import all_policies, get_policy
from sim.engines.ensemble import run_ensemble
from sim.engines.mesa.model import EscalationModel, run_mesa
from sim.errors import UserError
from sim.history.replay import forcing_from_record, history_setting, window
from sim.inputs.record import load_record
from sim.inputs.scenario import load_scenario, scenario_from_dict

SCENARIOS = sorted(Path("scenarios").glob("*.yaml"))
YEAR = scenario_from_dict({"name": "year", "start": "2019-10-01", "days": 365})
# Many attacks with binomial-like counts (no self-excitation, no consolidation, no harm to
# Iraqis, whose pressure would damp a shift of the base rates, no truces, whose month-long lulls
# would widen the counts, and no restraint by Iran, which the deaths of so busy a campaign
# would set off: it damps a shift and doubles the spread), so the coefficient of variation of
# the attack count is ~4% and a 2% shift is ~0.45 sd. The engines' agreement with Iran's
# restraint at work is checked number for number in tests/test_mech_patron.py.
BUSY = {f"base_rate.{g}": 0.3 for g in GROUPS} | {
    "self_excitation": 0.0,
    "consolidation_step": 0.0,
    "p_iraqi_harm": 0.0,
    "truce_rate": 0.0,
    "patron_restraint": 0.0,
    "patron_truce": 0.0,
}
N_MESA = 150
N_ENSEMBLE = 20_000
OUTCOMES = ("attacks_total", "attacks_lethal", "us_killed", "us_wounded")
# family-wise 1% over the outcomes compared (Bonferroni); the power test uses the same level
ALPHA = 0.01 / len(OUTCOMES)

USER_POLICY = """
import numpy as np
from sim.core import ladder
from sim.core.policies import Decision, Policy


class ProportionalInPython(Policy):
    \"\"\"Tit-for-tat written by a user in numpy (the built-in one is compiled).\"\"\"

    name = "proportional_in_python"

    def decide(self, obs, params, u):
        sev = obs.pending_severity
        action = np.select(
            [obs.pending_iran, sev >= ladder.SEV_LETHAL, sev >= ladder.SEV_HARASSMENT],
            [ladder.US_STRIKE_IRAN, ladder.US_STRIKE_IRAQ, ladder.US_STRIKE_SYRIA], 0)
        intensity = np.select(
            [action == ladder.US_STRIKE_IRAQ, action == ladder.US_STRIKE_SYRIA,
             action == ladder.US_STRIKE_IRAN],
            [params.intensity_iraq, params.intensity_syria, params.intensity_iran], 0.0)
        return Decision(action.astype(np.int64), intensity, np.zeros(len(sev), bool))
"""


def assert_same(a, b) -> None:
    for k in a.outcomes:
        np.testing.assert_array_equal(a.outcomes[k], b.outcomes[k], err_msg=k)
    for k in a.daily or {}:
        np.testing.assert_array_equal(a.daily[k], b.daily[k], err_msg=k)


def mesa_once(scenario, policy, seed: int, overrides=None, **forcing):
    m = EscalationModel(
        scenario, policy, Params.build(1, overrides), rng=seed, collect=False, **forcing
    )
    for _ in range(scenario.days):
        m.step()
    return m


@pytest.mark.parametrize("policy", all_policies())
def test_engines_identical_run_for_run_on_every_scenario(policy):
    for path in SCENARIOS:
        sc = load_scenario(path)
        params = Params.build(4, {**sc.params, "base_rate.kataib_hezbollah": 0.1})
        a = run_mesa(sc, get_policy(policy), params, np.random.default_rng(7))
        b = run_ensemble(sc, get_policy(policy), params, np.random.default_rng(7))
        assert_same(a, b)
    # a one-run model seeded with an integer is run 0 of the ensemble seeded alike
    sc = load_scenario("scenarios/baseline.yaml")
    m = mesa_once(sc, policy, 3)
    assert_same(
        m.result(), run_ensemble(sc, get_policy(policy), Params.build(1), np.random.default_rng(3))
    )


def test_a_python_policy_gives_the_compiled_policys_numbers(tmp_path, monkeypatch):
    (tmp_path / "user_policies.py").write_text(USER_POLICY)
    monkeypatch.syspath_prepend(str(tmp_path))
    sc = load_scenario("scenarios/late_2019.yaml")
    params = Params.build(50)
    user = get_policy("user_policies:ProportionalInPython")
    ref = run_ensemble(sc, get_policy("tit_for_tat"), params, np.random.default_rng(1))
    assert_same(ref, run_ensemble(sc, user, params, np.random.default_rng(1)))
    assert ref.outcomes["us_strikes"].sum() > 0  # the path is exercised
    few = params.take(slice(0, 3))
    assert_same(
        run_mesa(sc, user, few, np.random.default_rng(1)),
        run_ensemble(sc, user, few, np.random.default_rng(1)),
    )


@pytest.fixture(scope="module")
def record_2020():
    events = load_record("seeds").events
    setting = window(
        history_setting(), *(np.datetime64(d).item() for d in ("2019-12-01", "2020-03-31"))
    )
    return events, setting


@pytest.mark.parametrize("force", [("us",), ("iran",), ("iraq_gov",), ("us", "iran", "iraq_gov")])
def test_forced_paths_of_replay_agree_in_both_engines(record_2020, force):
    events, setting = record_2020
    f = forcing_from_record(events, setting.start, setting.days, force)
    forced = {"forced_us": f.us, "forced_iran": f.iran, "forced_vote": f.vote}
    for seed in range(3):
        m = mesa_once(setting, "tit_for_tat", seed, **forced)
        e = run_ensemble(
            setting,
            get_policy("tit_for_tat"),
            Params.build(1),
            np.random.default_rng(seed),
            **forced,
        )
        assert_same(m.result(), e)
        out = e.outcomes
        if f.iran is not None:  # Iran strikes exactly on the record's days
            assert out["iran_strikes"][0] == f.iran.sum()
        if f.vote is not None:
            assert out["expulsion_vote"][0] == (setting.initial.expulsion_voted or f.vote.any())
        if f.us is not None:  # the US does what the record says and presence stays
            assert out["us_strikes"][0] == np.isin(f.us, ladder.US_KINETIC).sum()
            assert not out["withdrawal"][0]


def test_same_numbers_on_any_number_of_threads_and_chunking(monkeypatch):
    sc = load_scenario("scenarios/mid_2024.yaml")
    params = Params.build(400, {"base_rate.front_groups": 0.1})
    pol = get_policy("generous_tit_for_tat")
    before = numba.get_num_threads()
    results = []
    try:
        for n in (1, 2, 4):
            monkeypatch.setenv("ESCALATION_THREADS", str(n))
            assert threads() == min(n, numba.config.NUMBA_NUM_THREADS)
            results.append(run_ensemble(sc, pol, params, np.random.default_rng(9)))
    finally:
        numba.set_num_threads(before)
    for r in results[1:]:
        assert_same(results[0], r)
    # split into chunks that carry their run indices: the same runs
    whole = results[0]
    parts = [
        run_ensemble(
            sc, pol, params.take(slice(a, b)), np.random.default_rng(9), runs=np.arange(a, b)
        )
        for a, b in ((0, 150), (150, 151), (151, 400))
    ]
    for k in whole.outcomes:
        np.testing.assert_array_equal(
            np.concatenate([p.outcomes[k] for p in parts]), whole.outcomes[k], err_msg=k
        )


def test_the_observe_callback_sees_every_day():
    sc = load_scenario("scenarios/baseline.yaml")
    seen = []
    run_ensemble(
        sc,
        get_policy("tit_for_tat"),
        Params.build(3),
        np.random.default_rng(1),
        observe=lambda t, ev, st: seen.append((t, ev.attacks.shape, st.grievance.shape)),
    )
    assert seen == [(t, (3,), (3, G)) for t in range(sc.days)]


def test_mesa_same_seed_same_run_and_thin_views():
    a = mesa_once(YEAR, "tit_for_tat", 11)
    b = mesa_once(YEAR, "tit_for_tat", 11)
    c = mesa_once(YEAR, "tit_for_tat", 12)
    ra, rb, rc = a.result(), b.result(), c.result()
    assert all(np.array_equal(ra.daily[k], rb.daily[k]) for k in ra.daily)
    assert not all(np.array_equal(ra.daily[k], rc.daily[k]) for k in ra.daily)
    # the agents read the one row: the tally, the DataCollector and the views agree
    m = EscalationModel(YEAR, "tit_for_tat", Params.build(1), rng=11)
    for _ in range(YEAR.days):
        m.step()
    df = m.datacollector.get_model_vars_dataframe()
    assert df["attacks"].sum() == m.tally.out["attacks_total"][0] == ra.outcomes["attacks_total"]
    assert df["us_killed_total"].iloc[-1] == m.us.cum_killed[0]
    for mil in m.militias:
        assert mil.grievance[0] == m.rows[0, SC.grievance + mil.index]


@pytest.fixture(scope="module")
def mesa_busy():
    return run_mesa(
        YEAR, get_policy("do_nothing"), Params.build(N_MESA, BUSY), np.random.default_rng(2024)
    )


def ensemble(policy: str, overrides, seed: int, n: int = N_ENSEMBLE):
    return run_ensemble(
        YEAR,
        get_policy(policy),
        Params.build(n, overrides),
        np.random.default_rng(seed),
        keep_daily=False,
    )


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
    ens = run_ensemble(
        sc, get_policy(policy), Params.build(N_ENSEMBLE), np.random.default_rng(6), keep_daily=False
    )
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


@pytest.mark.parametrize("bad", ["0", "two", "-1"])
def test_a_bad_thread_count_is_refused_with_its_name(monkeypatch, bad):
    monkeypatch.setenv("ESCALATION_THREADS", bad)
    with pytest.raises(UserError, match="ESCALATION_THREADS"):
        threads()
