"""Each rule of the rulebook: direction of its effect and its bounds."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core import ladder, rules
from sim.core.params import TABLE, Params

P = Params.build(1)


def u(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random(shape)


def test_decay_halves_after_ln2_e_folding_times():
    x = np.array([1.0])
    days = np.array([10.0])
    for _ in range(7):
        x = rules.decay(x, days)
    assert x[0] == pytest.approx(np.exp(-0.7))


def test_occurs_matches_hazard_probability():
    draws = u(200_000)
    rate = 0.3
    share = rules.occurs(np.full(draws.shape, rate), draws).mean()
    assert share == pytest.approx(1 - np.exp(-rate), abs=0.005)
    assert not rules.occurs(np.zeros(3), np.zeros(3)).any()  # zero hazard never fires


def test_geometric_count_has_the_requested_mean_and_is_at_least_one():
    draws = u(400_000)
    for mean in (1.0, 1.5, 4.0, 70.0):
        c = rules.geometric_count(np.full(draws.shape, mean), draws)
        assert c.min() >= 1
        assert c.mean() == pytest.approx(mean, rel=0.02)


def test_attack_hazard_directions():
    base = dict(
        base_rate=np.array([0.05]),
        excitation=np.array([0.0]),
        grievance=np.array([0.0]),
        fear=np.array([0.0]),
        closeness=np.array([0.8]),
        push=np.array([0.0]),
        exposure=np.array([1.0]),
        present=np.array([True]),
    )
    h0 = rules.attack_hazard(**base)[0]
    assert rules.attack_hazard(**{**base, "fear": np.array([1.0])})[0] < h0  # deterrence
    assert rules.attack_hazard(**{**base, "grievance": np.array([0.1])})[0] > h0  # revenge
    assert rules.attack_hazard(**{**base, "excitation": np.array([0.1])})[0] > h0
    assert rules.attack_hazard(**{**base, "push": np.array([1.0])})[0] > h0  # Iran directs
    assert rules.attack_hazard(**{**base, "push": np.array([-1.0])})[0] < h0  # Iran restrains
    assert rules.attack_hazard(**{**base, "exposure": np.array([0.5])})[0] < h0
    assert rules.attack_hazard(**{**base, "present": np.array([False])})[0] == 0.0
    # a group far from Iran barely feels its push (autonomy)
    far = rules.attack_hazard(**{**base, "closeness": np.array([0.1]), "push": np.array([1.0])})
    near = rules.attack_hazard(**{**base, "closeness": np.array([0.9]), "push": np.array([1.0])})
    assert far[0] < near[0]


def _severity_shares(air_defence: float, drone: float = 0.0, embassy: float = 0.0):
    n = 200_000
    sev = rules.attack_severity(
        np.ones(n, bool), u(n, seed=1), u(n, seed=2), u(n, seed=3), np.full(n, air_defence),
        P.p_injury, P.p_lethal, np.full(n, drone), P.drone_multiplier, np.full(n, embassy),
        P.embassy_multiplier,
    )  # fmt: skip
    return np.bincount(sev, minlength=4) / n


def test_severity_falls_with_air_defence_and_rises_with_drones():
    open_sky = _severity_shares(0.0)
    defended = _severity_shares(0.6)
    drones = _severity_shares(0.0, drone=1.0)
    embassy = _severity_shares(0.0, embassy=1.0)
    assert open_sky[ladder.SEV_NONE] == 0  # every attack has a severity class
    assert defended[ladder.SEV_LETHAL] < open_sky[ladder.SEV_LETHAL]
    assert defended[ladder.SEV_INJURY] < open_sky[ladder.SEV_INJURY]
    assert drones[ladder.SEV_LETHAL] > open_sky[ladder.SEV_LETHAL]
    assert embassy[ladder.SEV_LETHAL] < open_sky[ladder.SEV_LETHAL]
    assert open_sky[ladder.SEV_LETHAL] == pytest.approx(TABLE["p_lethal"].default, abs=0.003)


def test_no_attack_no_casualties():
    sev = np.array([ladder.SEV_NONE, ladder.SEV_HARASSMENT, ladder.SEV_INJURY, ladder.SEV_LETHAL])
    k, w = rules.casualties(sev, np.full(4, 0.5), np.full(4, 0.5), P.killed_mean, P.wounded_mean)
    assert list(k[:3]) == [0, 0, 0] and k[3] >= 1
    assert list(w[:2]) == [0, 0] and w[2] >= 1


def test_grievance_rises_after_a_strike_and_spills_over_then_decays():
    g0 = np.zeros((1, 2))
    struck = np.array([[1.0, 0.0]])
    g1 = rules.grievance_update(g0, struck, struck.sum(1, keepdims=True), P.revenge_attacks,
                                P.revenge_days, P.revenge_spillover, 0.0)  # fmt: skip
    assert g1[0, 0] > g1[0, 1] > 0  # the struck group most, the other by spillover
    g2 = rules.grievance_update(g1, np.zeros((1, 2)), np.zeros((1, 1)), P.revenge_attacks,
                                P.revenge_days, P.revenge_spillover, 0.0)  # fmt: skip
    assert (g2 < g1).all() and (g2 > 0).all()
    # one unit of strike intensity brings about ``revenge_attacks`` extra attacks over its life
    # (the parameter's unit): the daily sum of the decaying hazard
    days = np.arange(2000)
    extra = (g1[0, 0] * np.exp(-days / P.revenge_days[0])).sum()
    assert extra == pytest.approx(P.revenge_attacks[0], rel=0.05)


def test_fear_rises_after_a_strike_and_decays():
    f1 = rules.fear_update(np.zeros(1), np.ones(1), np.zeros(1), P.deterrence_strength,
                           P.prosecution_fear, P.deterrence_days)  # fmt: skip
    assert f1[0] == pytest.approx(P.deterrence_strength[0])
    f2 = rules.fear_update(f1, np.zeros(1), np.zeros(1), P.deterrence_strength,
                           P.prosecution_fear, P.deterrence_days)  # fmt: skip
    assert 0 < f2[0] < f1[0]


def test_iran_grievance_after_decapitation_and_satisfaction_after_striking():
    g = rules.iran_grievance_update(np.zeros(1), np.array([ladder.US_DECAPITATION]),
                                    np.array([False]), P.iran_decap_grievance,
                                    P.iran_struck_grievance, P.iran_satisfaction,
                                    P.iran_grievance_days, 0.0)  # fmt: skip
    assert g[0] == pytest.approx(P.iran_decap_grievance[0])
    g2 = rules.iran_grievance_update(g, np.array([ladder.US_NONE]), np.array([True]),
                                     P.iran_decap_grievance, P.iran_struck_grievance,
                                     P.iran_satisfaction, P.iran_grievance_days, 0.0)  # fmt: skip
    assert g2[0] < g[0] * (1 - P.iran_satisfaction[0]) + 1e-12
    # fear of the US holds back a direct strike
    draws = u(100_000)
    ones = np.ones_like(draws)
    bold = rules.iran_direct_strike(ones, 0 * ones, ones * 0.2, ones.astype(bool), draws).mean()
    afraid = rules.iran_direct_strike(ones, ones, ones * 0.2, ones.astype(bool), draws).mean()
    assert afraid < bold


def test_iraqi_pressure_costs_more_inside_iraq_than_in_syria():
    def after(action: int) -> float:
        return rules.iraq_pressure_update(
            np.zeros(1), np.array([action]), np.ones(1), P.sovereignty_cost_iraq,
            P.sovereignty_cost_syria, P.sovereignty_cost_decapitation, P.press_cost,
            P.pressure_days,
        )[0]  # fmt: skip

    assert after(ladder.US_NONE) == 0
    assert after(ladder.US_STRIKE_SYRIA) < after(ladder.US_STRIKE_IRAQ)
    assert after(ladder.US_STRIKE_IRAQ) < after(ladder.US_DECAPITATION)


def test_expulsion_vote_needs_pressure_above_threshold_and_is_permanent():
    draws = np.zeros(1)  # the most likely draw
    below = rules.expulsion_vote(np.array([False]), P.vote_threshold * 0.99, P.vote_threshold,
                                 P.vote_rate, draws)  # fmt: skip
    above = rules.expulsion_vote(np.array([False]), P.vote_threshold + 1, P.vote_threshold,
                                 P.vote_rate, draws)  # fmt: skip
    kept = rules.expulsion_vote(np.array([True]), np.zeros(1), P.vote_threshold, P.vote_rate,
                                np.full(1, 0.99))  # fmt: skip
    assert not below[0] and above[0] and kept[0]


def test_response_delay_and_forgiveness():
    n = 100_000
    wants = np.full(n, ladder.US_STRIKE_SYRIA)
    acted = rules.us_acts_today(wants, u(n), np.full(n, 4.0))
    assert (acted != ladder.US_NONE).mean() == pytest.approx(0.25, abs=0.01)
    diplomacy = rules.us_acts_today(np.full(n, ladder.US_DIPLOMACY), u(n), np.full(n, 4.0))
    assert (diplomacy == ladder.US_DIPLOMACY).all()  # diplomacy is not delayed
    action, _, answered = rules.us_response(wants, np.ones(n), np.ones(n, bool), np.zeros(n),
                                            np.ones(n), np.ones(n, bool))  # fmt: skip
    assert (action == ladder.US_NONE).all() and answered.all()  # forgiven, yet answered
    action, _, _ = rules.us_response(wants, np.ones(n), np.zeros(n, bool), np.zeros(n),
                                     np.ones(n), np.zeros(n, bool))  # fmt: skip
    assert (action == ladder.US_NONE).all()  # nobody left to respond after withdrawal


def test_unattributed_attacks_are_blamed_on_the_parent_group():
    assert list(rules.strike_target(np.array([-1, 2]))) == [0, 2]
    m = rules.strike_matrix(np.array([ladder.US_STRIKE_IRAQ, ladder.US_STRIKE_IRAN]),
                            np.array([1.5, 1.0]), np.array([2, 0]), 4)  # fmt: skip
    assert m.tolist() == [[0, 0, 1.5, 0], [0, 0, 0, 0]]  # a strike on Iran hits no militia


def test_pending_memory_keeps_the_worst_attack_and_lapses():
    z = np.zeros(1, dtype=np.int64)
    sev = np.array([[ladder.SEV_HARASSMENT, ladder.SEV_LETHAL, 0, 0]])
    named = np.array([[True, True, False, False]])
    out = rules.pending_update(z, z - 1, z, z, np.zeros(1, bool), sev, named,
                               np.array([[0, 2, 0, 0]]), np.zeros(1, bool), z,
                               np.array([3.0]))  # fmt: skip
    ps, pg, pk, age, _ = out
    assert (ps[0], pg[0], pk[0], age[0]) == (ladder.SEV_LETHAL, 1, 2, 0)
    quiet = np.zeros((1, 4), dtype=np.int64)
    for _ in range(4):
        ps, pg, pk, age, _ = rules.pending_update(ps, pg, pk, age, np.zeros(1, bool), quiet,
                                                   quiet.astype(bool), quiet, np.zeros(1, bool),
                                                   z, np.array([3.0]))  # fmt: skip
    assert (ps[0], pg[0], pk[0]) == (0, -1, 0)  # forgotten after the window


def test_rung_is_the_highest_event_of_the_day():
    sev = np.array([[0, 0], [1, 2], [3, 0], [0, 0], [0, 0]])
    action = np.array([0, 0, ladder.US_STRIKE_IRAQ, 0, 0])
    iran = np.array([False, False, False, True, False])
    war = np.array([False, False, False, False, True])
    protested = np.array([True, False, False, False, False])
    r = rules.rung_today(sev, protested, action, iran, war)
    assert r.tolist() == [1, 3, 6, 8, 9]


def test_war_needs_repeated_direct_exchanges():
    ex, war = np.zeros(1, dtype=np.int64), np.zeros(1, bool)
    for _ in range(int(P.war_exchanges[0]) - 1):
        ex, war = rules.war_update(ex, war, np.array([True]), np.array([0]), P.war_exchanges)
    assert not war[0]
    ex, war = rules.war_update(ex, war, np.array([False]), np.array([ladder.US_STRIKE_IRAN]),
                               P.war_exchanges)  # fmt: skip
    assert war[0]


def test_withdrawal_needs_a_vote_or_the_casualty_tolerance_and_grows_with_pressure():
    n = 100_000
    draws = u(n)
    no = np.zeros(n, bool)
    yes = np.ones(n, bool)
    zero = np.zeros(n, dtype=np.int64)
    rate = np.full(n, 0.01)

    def share(voted, pressure, killed=zero):
        return rules.withdrawal(no, voted, killed, np.full(n, pressure), draws, rate,
                                np.ones(n), np.full(n, 50.0)).mean()  # fmt: skip

    assert share(no, 5.0) == 0  # no vote, no withdrawal
    calm, pressed = share(yes, 0.0), share(yes, 2.0)
    assert calm == pytest.approx(1 - np.exp(-0.01), abs=0.002)
    assert pressed > 2 * calm  # pressure speeds withdrawal
    assert share(no, 0.0, np.full(n, 50)) == 1  # past the casualty tolerance
