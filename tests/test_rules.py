"""Each rule of the rulebook: direction of its effect and its bounds (scalar compiled rules)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.core import draws, ladder
from sim.core.params import TABLE, Params
from sim.core.rules import common, escalation, iran, iraq, militia, us

P = Params.build(1)


def p(name: str) -> float:
    return float(P.flat[name][0])


def u(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random(n)


def test_decay_follows_the_e_folding_time():
    x, keep = 1.0, math.exp(-1 / 10.0)
    for _ in range(7):
        x = common.decay(x, keep)
    assert x == pytest.approx(np.exp(-0.7))


def test_occurs_matches_hazard_probability():
    draws_ = u(200_000)
    rate = 0.3
    share = np.vectorize(common.occurs)(rate, draws_).mean()
    assert share == pytest.approx(1 - np.exp(-rate), abs=0.005)
    assert not common.occurs(0.0, 0.0)  # zero hazard never fires
    assert common.occurs(50.0, 0.999)  # a huge hazard always does


def test_occurs_shortcut_is_exact_near_the_bound():
    # u >= h skips the exponential: exact because 1 - exp(-h) <= h
    for h in (1e-6, 0.01, 0.5, 2.0):
        for x in np.linspace(0, 1, 1001)[:-1]:
            assert common.occurs(h, x) == (x < -math.expm1(-h))


def test_geometric_count_has_the_requested_mean_and_is_at_least_one():
    draws_ = u(200_000)
    for mean in (1.0, 1.5, 4.0, 70.0):
        c = np.vectorize(common.geometric_count)(mean, draws_)
        assert c.min() >= 1
        assert c.mean() == pytest.approx(mean, rel=0.02)


def test_draws_are_uniform_and_depend_only_on_key_day_and_slot():
    key = np.uint64(draws.run_key(np.uint64(12345), 3))
    x = np.array([draws.uniform(key, t, s) for t in range(400) for s in range(len(draws.KEYS))])
    assert 0 <= x.min() and x.max() < 1
    assert x.mean() == pytest.approx(0.5, abs=0.01)
    assert np.corrcoef(x[:-1], x[1:])[0, 1] == pytest.approx(0.0, abs=0.02)
    assert draws.uniform(key, 5, 2) == draws.uniform(key, 5, 2)
    other = np.uint64(draws.run_key(np.uint64(12345), 4))
    assert draws.uniform(key, 5, 2) != draws.uniform(other, 5, 2)


def test_attack_hazard_directions():
    base = dict(
        base_rate=0.05,
        excitation=0.0,
        grievance=0.0,
        fear=0.0,
        closeness=0.8,
        push=0.0,
        exposure=1.0,
        present=True,
    )
    h0 = militia.attack_hazard(**base)
    assert militia.attack_hazard(**{**base, "fear": 1.0}) < h0  # deterrence
    assert militia.attack_hazard(**{**base, "grievance": 0.1}) > h0  # revenge
    assert militia.attack_hazard(**{**base, "excitation": 0.1}) > h0
    assert militia.attack_hazard(**{**base, "push": 1.0}) > h0  # Iran directs
    assert militia.attack_hazard(**{**base, "push": -1.0}) < h0  # Iran restrains
    assert militia.attack_hazard(**{**base, "exposure": 0.5}) < h0
    assert militia.attack_hazard(**{**base, "present": False}) == 0.0
    # a group far from Iran barely feels its push (autonomy)
    far = militia.attack_hazard(**{**base, "closeness": 0.1, "push": 1.0})
    near = militia.attack_hazard(**{**base, "closeness": 0.9, "push": 1.0})
    assert far < near


def _severity_shares(air_defence: float, drone: float = 0.0, embassy: float = 0.0):
    n = 100_000
    f = np.vectorize(militia.attack_severity)
    sev = f(
        u(n, 1),
        u(n, 2),
        u(n, 3),
        air_defence,
        p("p_injury"),
        p("p_lethal"),
        drone,
        p("drone_multiplier"),
        embassy,
        p("embassy_multiplier"),
    )
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


def test_no_attack_no_casualties_and_the_lethal_wounded_offset():
    km, wm = p("killed_mean"), p("wounded_mean")
    assert militia.casualties(ladder.SEV_HARASSMENT, 0.5, 0.5, km, wm, 1.0) == (0, 0)
    k, w = militia.casualties(ladder.SEV_INJURY, 0.5, 0.5, km, wm, 1.0)
    assert k == 0 and w >= 1
    k, w = militia.casualties(ladder.SEV_LETHAL, 0.5, 0.5, km, wm, 1.0)
    assert k >= 1 and w >= 0
    # the offset is the difference between an injuring and a lethal attack's wounded count
    for x in np.linspace(0.0, 0.99, 50):
        _, w_inj = militia.casualties(ladder.SEV_INJURY, 0.5, x, km, wm, 1.0)
        _, w0 = militia.casualties(ladder.SEV_LETHAL, 0.5, x, km, wm, 0.0)
        _, w1 = militia.casualties(ladder.SEV_LETHAL, 0.5, x, km, wm, 1.0)
        assert w0 == w_inj and w1 == w_inj - 1


def test_grievance_rises_after_a_strike_and_spills_over_then_decays():
    ra, days, spill = p("revenge_attacks"), p("revenge_days"), p("revenge_spillover")
    keep = math.exp(-1 / days)
    struck_g = militia.grievance_update(0.0, 1.0, 1.0, ra, days, keep, spill, 0.0, False, 0.5)
    other_g = militia.grievance_update(0.0, 0.0, 1.0, ra, days, keep, spill, 0.0, False, 0.5)
    assert struck_g > other_g > 0  # the struck group most, the other by spillover
    later = militia.grievance_update(struck_g, 0.0, 0.0, ra, days, keep, spill, 0.0, False, 0.5)
    assert 0 < later < struck_g
    # one unit of strike intensity brings about ``revenge_attacks`` extra attacks over its life
    # (the parameter's unit): the daily sum of the decaying hazard
    extra = (struck_g * np.exp(-np.arange(2000) / days)).sum()
    assert extra == pytest.approx(ra, rel=0.05)
    assert militia.grievance_from_intensity(1.0, ra, days) == pytest.approx(struck_g)


def test_fear_rises_after_a_strike_and_decays():
    keep = math.exp(-1 / p("deterrence_days"))
    f1 = militia.fear_update(0.0, 1.0, False, p("deterrence_strength"), p("prosecution_fear"), keep)
    assert f1 == pytest.approx(p("deterrence_strength"))
    f2 = militia.fear_update(f1, 0.0, False, p("deterrence_strength"), p("prosecution_fear"), keep)
    assert 0 < f2 < f1
    charged = militia.fear_update(0.0, 0.0, True, 0.0, p("prosecution_fear"), keep)
    assert charged == pytest.approx(p("prosecution_fear"))


GRIEVANCES = ("iran_decap_grievance", "iran_commander_grievance", "iran_fighters_grievance")


def test_iran_grievance_after_decapitation_and_satisfaction_after_striking():
    args = (*(p(n) for n in GRIEVANCES), p("iran_struck_grievance"), p("iran_satisfaction"), 1.0)
    g = iran.grievance_update(0.0, ladder.US_DECAPITATION_IRAN, 0.0, False, *args, 0.0)
    assert g == pytest.approx(p("iran_decap_grievance"))
    g2 = iran.grievance_update(g, ladder.US_NONE, 0.0, True, *args, 0.0)
    assert g2 < g * (1 - p("iran_satisfaction")) + 1e-12
    # a heavier US strike on Iran angers and frightens it more
    light = iran.grievance_update(0.0, ladder.US_STRIKE_IRAN, 1.0, False, *args, 0.0)
    heavy = iran.grievance_update(0.0, ladder.US_STRIKE_IRAN, 2.0, False, *args, 0.0)
    assert heavy > light > 0
    assert iran.fear_update(0.0, ladder.US_STRIKE_IRAN, 2.0, 0.5, 1.0) > iran.fear_update(
        0.0, ladder.US_STRIKE_IRAN, 1.0, 0.5, 1.0
    )
    # fear of the US holds back a direct strike; none once US forces have left
    assert iran.strike_hazard(1.0, 1.0, 0.2, True, 0.0) < iran.strike_hazard(
        1.0, 0.0, 0.2, True, 0.0
    )
    assert iran.strike_hazard(1.0, 0.0, 0.2, False, 0.0) == 0.0
    assert iran.shock_push(0.5, 0.2) == pytest.approx(0.3)


def test_iran_grievance_depends_on_who_is_struck():
    # an Iranian official's killing angers Iran more than a militia commander's; a strike on
    # militia fighters (at the top of its range: its prior is none) angers it by intensity; each
    # adds what its parameter says
    fighters_ = TABLE["iran_fighters_grievance"].high
    args = (p(GRIEVANCES[0]), p(GRIEVANCES[1]), fighters_, p("iran_struck_grievance"),
            p("iran_satisfaction"), 1.0)  # fmt: skip
    x = p("intensity_decapitation")

    def g(action, intensity=x):
        return iran.grievance_update(0.0, action, intensity, False, *args, 0.0)

    official, commander = g(ladder.US_DECAPITATION_IRAN), g(ladder.US_DECAPITATION)
    fighters = g(ladder.US_STRIKE_IRAQ, p("intensity_iraq"))
    assert official > commander > 0 and commander == pytest.approx(p("iran_commander_grievance"))
    assert g(ladder.US_STRIKE_SYRIA, 2.0) == pytest.approx(2 * fighters_)
    assert fighters > 0 and fighters == pytest.approx(fighters_ * p("intensity_iraq"))
    assert g(ladder.US_PRESS_BAGHDAD) == g(ladder.US_DIPLOMACY) == 0.0
    # the priors keep the militia kinds below an Iranian official's killing over their ranges
    for name in GRIEVANCES[1:]:
        assert TABLE[name].high < TABLE["iran_decap_grievance"].default
    # both decapitations are decapitations on the ladder, strike the militia and cost Baghdad
    for a in ladder.US_DECAPITATIONS:
        assert ladder.US_ACTION_RUNG[a] == ladder.Rung.DECAPITATION and ladder.HITS_MILITIA[a]
        assert iraq.pressure_update(0.0, a, x, 0.5, 0.05, 2.0, 0.02, 1.0) == pytest.approx(2.0)


def test_iraqi_pressure_costs_more_inside_iraq_than_in_syria():
    def after(action: int, intensity: float = 1.0) -> float:
        return iraq.pressure_update(
            0.0,
            action,
            intensity,
            p("sovereignty_cost_iraq"),
            p("sovereignty_cost_syria"),
            p("sovereignty_cost_decapitation"),
            p("press_cost"),
            1.0,
        )

    assert after(ladder.US_NONE) == 0
    assert after(ladder.US_STRIKE_SYRIA) < after(ladder.US_STRIKE_IRAQ)
    assert after(ladder.US_STRIKE_IRAQ) < after(ladder.US_DECAPITATION)
    assert 0 < after(ladder.US_PRESS_BAGHDAD) < after(ladder.US_PRESS_BAGHDAD, 2.0)


def test_expulsion_vote_needs_pressure_above_threshold():
    thr, rate = p("vote_threshold"), p("vote_rate")
    assert iraq.vote_hazard(thr * 0.99, thr, rate) == 0
    assert iraq.vote_hazard(thr + 1, thr, rate) == pytest.approx(rate)
    assert iraq.protest_hazard(1.0, 0.1, False) == 0.0  # nobody to protest against


def test_response_delay_has_the_mean_its_unit_says():
    n, d = 100_000, 4.0
    acted = np.vectorize(us.acts_today)(ladder.US_STRIKE_SYRIA, u(n), d) != ladder.US_NONE
    assert acted.mean() == pytest.approx(1 / (1 + d), abs=0.01)  # mean delay (1-q)/q = d
    assert us.acts_today(ladder.US_STRIKE_SYRIA, 0.999, 0.0) == ladder.US_STRIKE_SYRIA  # no delay
    assert us.acts_today(ladder.US_DIPLOMACY, 0.999, d) == ladder.US_DIPLOMACY  # not delayed


def test_forgiveness_and_withdrawal_in_the_response():
    action, _, answered = us.response(ladder.US_STRIKE_SYRIA, 1.0, True, 0.0, 0.0, True)
    assert action == ladder.US_NONE and answered  # forgiven, yet answered
    action, _, answered = us.response(ladder.US_STRIKE_SYRIA, 1.0, False, 0.0, 0.0, False)
    assert action == ladder.US_NONE and not answered  # nobody left to respond after withdrawal


def test_unattributed_attacks_are_blamed_on_the_parameters_group():
    assert us.strike_target(-1, 0.0, p("unattributed_blame")) == 0  # Kata'ib Hezbollah
    assert us.strike_target(-1, 0.0, 2.0) == 2
    assert us.strike_target(1, 0.7, 2.0) == 1  # a named group is struck itself
    assert us.strike_target(1, 0.0, 2.0) == 2  # an unattributed attack is pinned on the blamed
    assert us.struck(2, ladder.US_STRIKE_IRAQ, 1.5, 2) == 1.5
    assert us.struck(1, ladder.US_STRIKE_IRAQ, 1.5, 2) == 0.0
    assert us.struck_total(ladder.US_STRIKE_IRAN, 1.0) == 0.0  # a strike on Iran hits no militia


def test_pending_memory_keeps_the_worst_attack_and_lapses():
    sev, grp, conf = us.worst_attack(np.array([1.0, 3.0, 0.0, 0.0]), np.array([0.9, 0.4, 0.0, 0.0]))
    assert (sev, grp, conf) == (ladder.SEV_LETHAL, 1, 0.4)
    # an unnamed attack keeps its true perpetrator, with confidence 0
    assert us.worst_attack(np.array([0.0, 2.0, 2.0, 0.0]), np.zeros(4)) == (2, 1, 0.0)
    state = us.pending_update(0, -1, 0.0, 0, 0, False, sev, grp, conf, 2, False, 3.0)
    assert state == (ladder.SEV_LETHAL, 1, 0.4, 2, 0, False)
    for _ in range(4):
        state = us.pending_update(*state, 0, -1, 0.0, 0, False, 3.0)
    assert state[:4] == (0, -1, 0.0, 0)  # forgotten after the window


def test_rung_is_the_highest_event_of_the_day():
    cases = [
        ((0, True, 0, False, False), 1),
        ((2, False, 0, False, False), 3),
        ((3, False, ladder.US_STRIKE_IRAQ, False, False), 6),
        ((0, False, 0, True, False), 8),
        ((0, False, 0, False, True), 9),
    ]
    for args, rung in cases:
        assert escalation.rung_today(*args) == rung
    assert escalation.count_attacks(np.array([0.0, 1.0, 2.0, 3.0])) == (3, 2, 1)


def _exchange(days, window=None, threshold=None):
    """Run war_update over ``days``: a list of (iran_struck_us, us_action) per day."""
    window = p("war_window") if window is None else window
    threshold = p("war_exchanges") if threshold is None else threshold
    ex, si, su, war = 0, escalation.NEVER, escalation.NEVER, False
    trace = []
    for iran_struck, action in days:
        ex, si, su, war = escalation.war_update(
            ex, si, su, war, iran_struck, action, threshold, window
        )
        trace.append(war)
    return ex, trace


def test_the_us_strikes_alone_never_make_a_war():
    hit_iran = (False, ladder.US_STRIKE_IRAN)
    ex, trace = _exchange([hit_iran] * 50)
    assert ex == 50 and not any(trace)
    # nor Iran's alone, nor strikes in Syria or decapitations (not direct strikes)
    assert not any(_exchange([(True, ladder.US_NONE)] * 50)[1])
    for action in (ladder.US_STRIKE_SYRIA, ladder.US_DECAPITATION):
        ex, trace = _exchange([(True, action), (False, action)] * 20)
        assert not any(trace) and ex == 20


def test_war_begins_after_reciprocal_strikes_within_the_window():
    quiet, us_, ir = (False, ladder.US_NONE), (False, ladder.US_STRIKE_IRAN), (True, 0)
    w = int(p("war_window"))
    assert int(p("war_exchanges")) == 3  # the sequences below assume the default threshold
    # US, US, then an Iranian strike a few days later: the third strike starts the war
    _, trace = _exchange([us_, quiet, us_, quiet, quiet, ir, quiet])
    assert trace == [False] * 5 + [True, True]  # and the war lasts
    # the same three strikes spaced more than the window apart never add up to one exchange
    gap = [quiet] * w
    ex, trace = _exchange([us_, *gap, us_, *gap, ir])
    assert not any(trace) and ex == 1
    # within the window reciprocity must be recent: two US strikes, then Iran's long after
    # the first but within the window of the second
    ex, trace = _exchange([us_, *([quiet] * (w - 1)), us_, *([quiet] * (w - 1)), ir])
    assert trace[-1] and ex == 3
    # a shorter window splits what a longer one joins
    seq = [us_, *([quiet] * 10), ir, *([quiet] * 10), us_]
    assert _exchange(seq, window=15)[1][-1] and not any(_exchange(seq, window=7)[1])


def test_war_multiplies_hazards_and_casualties_only_at_war():
    for name in ("war_iran_strike_factor", "war_militia_factor", "war_casualty_factor"):
        assert TABLE[name].low == 1.0  # the bottom of the range is a war that changes nothing
        assert escalation.at_war(True, p(name)) == p(name) > 1.0
        assert escalation.at_war(False, p(name)) == 1.0


def test_withdrawal_needs_a_vote_or_the_casualty_tolerance_and_grows_with_pressure():
    assert us.withdrawal_hazard(False, 5.0, 0.01, 1.0) == 0  # no vote, no withdrawal
    calm, pressed = (
        us.withdrawal_hazard(True, 0.0, 0.01, 1.0),
        us.withdrawal_hazard(True, 2.0, 0.01, 1.0),
    )
    assert calm == pytest.approx(0.01) and pressed > 2 * calm  # pressure speeds withdrawal
    assert us.withdraws_at_once(50, 50.0) and not us.withdraws_at_once(49, 50.0)
