"""The tit-for-tat reduction against the analytic answers (Nowak & Sigmund 1992)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.params import TABLE
from sim.validation.tit_for_tat import (
    PAYOFFS,
    cooperation_rate,
    gtft_forgiveness,
    play,
    stationary,
    transition_matrix,
)


@pytest.mark.parametrize("eps", [0.01, 0.05, 0.1, 0.3])
def test_noisy_tit_for_tat_chain_is_uniform(eps: float) -> None:
    # analytic: the chain of two noisy tit-for-tat players is doubly stochastic
    m = transition_matrix(eps)
    assert np.allclose(m.sum(axis=1), 1.0)
    assert np.allclose(stationary(m), 0.25)


@pytest.mark.parametrize("eps", [0.01, 0.05, 0.1])
def test_tit_for_tat_reduction_spends_a_quarter_in_mutual_cooperation(eps: float) -> None:
    r = play(eps, games=12000, seed=11)
    # 4 binomial standard errors: a false alarm about once in 16,000 runs
    assert abs(r.share - 0.25) < 4 * r.stderr, r


def test_noise_free_tit_for_tat_never_leaves_cooperation() -> None:
    # the reduction must actually use the noise: without it, cooperation is absorbing
    r = play(1e-12, games=2000, rounds=50, seed=1)
    assert r.share == 1.0


def test_generous_tit_for_tat_forgiveness_is_one_third() -> None:
    assert gtft_forgiveness(*PAYOFFS) == pytest.approx(1.0 / 3.0)
    assert TABLE["forgiveness"].default == pytest.approx(gtft_forgiveness(*PAYOFFS))


@pytest.mark.parametrize("eps", [0.05, 0.1])
def test_generous_tit_for_tat_matches_its_markov_chain(eps: float) -> None:
    q = gtft_forgiveness(*PAYOFFS)
    expected = stationary(transition_matrix(eps, forgive_us=q))[0]
    r = play(eps, games=12000, policy="generous_tit_for_tat", seed=5)
    assert abs(r.share - expected) < 4 * r.stderr, (r, expected)
    # forgiveness raises mutual cooperation above the tit-for-tat quarter
    assert r.share > 0.25 + 4 * r.stderr


#: The Axelrod library's noisy Match (docs of sim.validation.tit_for_tat): generous tit-for-tat
#: against tit-for-tat, the share of rounds in mutual cooperation, by noise (two decimals).
AXELROD_GTFT_CC = {0.01: 0.90, 0.05: 0.66, 0.1: 0.50}


@pytest.mark.parametrize("eps", [0.05, 0.1])
def test_tit_for_tat_reports_a_quarter_in_each_state_and_half_cooperation(eps: float) -> None:
    r = play(eps, games=12000, seed=3)
    assert set(r.states) == {"CC", "CD", "DC", "DD"}
    assert sum(r.states.values()) == pytest.approx(1.0)
    se = np.sqrt(0.25 * 0.75 / r.games)
    for state, share in r.states.items():
        assert abs(share - 0.25) < 4 * se, (state, r)
    assert abs(r.cooperation - 0.5) < 4 * r.cooperation_stderr, r
    assert r.cooperation == pytest.approx(cooperation_rate(np.array(list(r.states.values()))))


@pytest.mark.parametrize("eps", sorted(AXELROD_GTFT_CC))
def test_generous_tit_for_tat_agrees_with_the_axelrod_figures(eps: float) -> None:
    expected = stationary(transition_matrix(eps, forgive_us=gtft_forgiveness(*PAYOFFS)))[0]
    assert expected == pytest.approx(AXELROD_GTFT_CC[eps], abs=0.005)  # the chain, analytically
    r = play(eps, games=12000, policy="generous_tit_for_tat", seed=9)
    assert abs(r.share - AXELROD_GTFT_CC[eps]) < 4 * r.stderr + 0.005, r


def test_the_militia_move_comes_from_its_rules() -> None:
    # the militia answers a strike through its grievance and hazard: with no revenge it does not
    from sim.validation import tit_for_tat as tft

    struck = np.array([True, False, True])
    revenge = np.array([1.5, 1.5, 0.0])
    days = np.array([14.0, 14.0, 14.0])
    assert tft._militia_attacks(struck, revenge, days).tolist() == [True, False, False]
