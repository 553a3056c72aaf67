"""The tit-for-tat reduction against the analytic answers (Nowak & Sigmund 1992)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.params import TABLE
from sim.validation.tit_for_tat import (
    PAYOFFS,
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
