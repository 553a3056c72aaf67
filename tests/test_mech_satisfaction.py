"""Revenge satisfied by the group's own answer, and what the calibration simulates.

The rule (:func:`sim.core.rules.militia.grievance_update`): on a day a group attacks, its own
attack satisfies ``revenge_satisfaction`` of its grievance (the embassy storming two days after
the strikes of 29 December 2019, Taji two days after those of 12 March 2020). The calibration
replays the record with the US actions and the militias' declared truces forced, as a replay
does, and averages each particle's deviations over ``SETTINGS.replicates`` runs.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.calibration.calibrate import particle_distances
from sim.calibration.design import Design
from sim.calibration.priors import ABC_PRIORS
from sim.core.params import TABLE, Params
from sim.core.rules import militia
from sim.history.replay import REPLAY_FORCE, forcing_from_record, replay
from sim.inputs.record import load_record

unit = st.floats(0.0, 1.0)


@settings(max_examples=200, deadline=None)
@given(
    g0=st.floats(0.0, 5.0),
    struck=st.floats(0.0, 4.0),
    sat=unit,
    ra=st.floats(0.0, 10.0),
    days=st.floats(2.0, 60.0),
    spill=unit,
)
def test_an_attack_satisfies_its_share_of_the_grievance(g0, struck, sat, ra, days, spill):
    keep = math.exp(-1.0 / days)
    quiet = militia.grievance_update(g0, struck, struck, ra, days, keep, spill, 0.0, False, sat)
    answered = militia.grievance_update(g0, struck, struck, ra, days, keep, spill, 0.0, True, sat)
    new = militia.grievance_from_intensity(struck, ra, days)
    # the answer satisfies the grievance carried into the day, not today's new one
    assert answered == pytest.approx(g0 * keep * (1.0 - sat) + new, abs=1e-12)
    assert new - 1e-12 <= answered <= quiet + 1e-12
    # no satisfaction: attacking changes nothing (the rule before this mechanism)
    none = militia.grievance_update(g0, struck, struck, ra, days, keep, spill, 0.0, True, 0.0)
    assert none == pytest.approx(quiet)


def test_satisfaction_shortens_the_answer_to_a_strike_in_the_replay():
    """More satisfaction, fewer attacks after the strikes of 12 March 2020 (common random
    numbers, table defaults), the first answer unchanged in timing distribution."""
    ev = load_record("seeds").events
    start, end = dt.date(2020, 3, 1), dt.date(2020, 5, 31)
    totals = []
    for sat in (0.0, 1.0):
        p = Params.build(2000, {"revenge_satisfaction": sat, "revenge_attacks": 4.0})
        res = replay(ev, start, end, 2000, 3, posterior=False, params=p)
        totals.append(float(np.asarray(res.runs["attacks_total"]).mean()))
    assert totals[1] < totals[0]


def test_the_fit_forces_the_documented_truce_as_a_replay_does():
    seeds = load_record("seeds")
    ev, per = seeds.events, seeds.counts
    design = Design.from_record(ev, per, dt.date(2021, 12, 31))
    for name, setting in design.settings.items():
        want = forcing_from_record(ev, setting.start, setting.days, REPLAY_FORCE)
        got = design.forcings[name]
        assert got.truce is not None and np.array_equal(got.truce, want.truce)
        assert np.array_equal(got.us, want.us)
    seg = design.settings["2019-2021"]
    oct20 = (dt.date(2020, 10, 20) - seg.start).days
    assert design.forcings["2019-2021"].truce[oct20] != 0  # Kata'ib Hezbollah's truce


def test_replicates_lower_the_noise_of_a_particles_distance():
    """The same particle, many times: its distance varies less with four runs than with one,
    and never falls below zero (the average of squares is at least the square of the mean)."""
    seeds = load_record("seeds")
    ev, per = seeds.events, seeds.counts
    design = Design.from_record(ev, per, dt.date(2021, 12, 31))
    mode = np.array([[p.mode for p in ABC_PRIORS]])
    theta = np.repeat(mode, 400, axis=0)
    exact = {
        n: np.full(1, TABLE[n].default) for n in ("response_delay", "killed_mean", "wounded_mean")
    }

    def exact_draws(n):
        return {k: np.full(n, v[0]) for k, v in exact.items()}

    rng = np.random.default_rng(11)
    one = particle_distances(design, theta, exact_draws, rng, replicates=1)
    four = particle_distances(design, theta, exact_draws, rng, replicates=4)
    assert one.shape == four.shape == (400,)
    assert (one >= 0).all() and (four >= 0).all()
    assert four.std() < 0.75 * one.std()
    with pytest.raises(ValueError):
        particle_distances(design, theta, exact_draws, rng, replicates=0)
