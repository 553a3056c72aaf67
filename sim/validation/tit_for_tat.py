"""Validation against known answers: tit-for-tat with implementation noise.

Two players each copy the other's last move and err with probability ε (a move is flipped). The
joint state (both cooperate, one defects, the other defects, both defect) is a Markov chain whose
stationary distribution is uniform for any 0 < ε < 1, so the players spend 1/4 of the long run in
mutual cooperation (Nowak & Sigmund 1992; Axelrod 1984 on echo effects). Generous tit-for-tat
forgives a defection with probability q; under the standard payoffs (T, R, P, S) = (5, 3, 1, 0)
the largest forgiveness that keeps it stable is ``min(1 - (T - R)/(R - S), (R - P)/(T - P))`` = 1/3
(Nowak & Sigmund 1992, Nature 355:250).

Why a reduction and not the full engine: the engine's militias attack through a Hawkes hazard
whose grievance decays over at least two days (``revenge_days`` >= 2) and the US answers on the
day of the attack, not the next round, so no parameter values inside their ranges turn the
engine into a one-round-memory game. The reduction below builds the repeated game from the
rulebook's own pieces instead:

* the US move: :class:`sim.core.policies.TitForTat` (or
  :class:`sim.core.policies.GenerousTitForTat`) decides on the
  :class:`sim.core.policies.Observation` of the militia's last move (a harassment attack is a
  defection), and :func:`sim.core.rules.us.response` carries it out with ``response_delay = 0`` (no
  delay) and the policy's forgiveness; a strike is a defection;
* the militia move: it attacks after a US strike and holds its fire otherwise (the reflex of
  :func:`sim.core.rules.militia.grievance_update` with a one-round memory);
* implementation noise: each intended move is flipped with :func:`sim.core.rules.common.occurs`
  at the daily hazard ``-log(1 - ε)``, i.e. with probability ε.

It validates the policy classes' decision logic, the forgiveness path of ``us_response`` and the
Bernoulli rule ``occurs``; it does not validate the engine's hazards, delays or memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core import ladder
from sim.core.jit import njit
from sim.core.params import Params
from sim.core.policies import Observation, get_policy
from sim.core.rules import common
from sim.core.rules import us as us_rules

#: Standard prisoner's-dilemma payoffs (Axelrod 1984): temptation, reward, punishment, sucker.
PAYOFFS: tuple[float, float, float, float] = (5.0, 3.0, 1.0, 0.0)


def gtft_forgiveness(t: float, r: float, p: float, s: float) -> float:
    """Nowak & Sigmund's (1992) generous tit-for-tat forgiveness for payoffs T > R > P > S."""
    return min(1.0 - (t - r) / (r - s), (r - p) / (t - p))


def transition_matrix(eps: float, forgive_us: float = 0.0) -> np.ndarray:
    """Markov chain of (US move, militia move), cooperation = 0, defection = 1.

    State index ``2 * us + militia``. The US copies the militia's last move (forgiving a
    defection with probability ``forgive_us``), the militia copies the US's; each move is then
    flipped with probability ``eps``.
    """
    m = np.zeros((4, 4))
    for us in (0, 1):
        for mil in (0, 1):
            p_us_defect = mil * (1.0 - forgive_us)  # intended
            p_us_defect = p_us_defect * (1 - eps) + (1 - p_us_defect) * eps
            p_mil_defect = us * (1 - eps) + (1 - us) * eps
            for nu in (0, 1):
                for nm in (0, 1):
                    pu = p_us_defect if nu else 1 - p_us_defect
                    pm = p_mil_defect if nm else 1 - p_mil_defect
                    m[2 * us + mil, 2 * nu + nm] = pu * pm
    return m


def stationary(m: np.ndarray) -> np.ndarray:
    """Stationary distribution of a transition matrix (left eigenvector of eigenvalue 1)."""
    vals, vecs = np.linalg.eig(m.T)
    v = np.real(vecs[:, np.argmin(np.abs(vals - 1.0))])
    return v / v.sum()


@dataclass
class GameResult:
    """Share of mutual cooperation at the last round across independent games."""

    share: float
    stderr: float
    games: int
    rounds: int


@njit(cache=False)  # calls rules of another module: compiled afresh, never stale
def _strikes(wants, intensity, forgive, u, delay, present):
    """Whether the US strikes in each game: :func:`sim.core.rules.us.response`, then whether
    the action answers (a forgiven attack is answered without a strike)."""
    out = np.zeros(len(wants), dtype=np.bool_)
    for i in range(len(wants)):
        action, _, _ = us_rules.response(
            wants[i], intensity[i], forgive[i], u[i], delay[i], present[i]
        )
        out[i] = us_rules.answers(action)
    return out


@njit(cache=False)
def _occurs(hazard, u):
    """:func:`sim.core.rules.common.occurs` for each game."""
    out = np.zeros(len(u), dtype=np.bool_)
    for i in range(len(u)):
        out[i] = common.occurs(hazard[i], u[i])
    return out


def play(
    eps: float,
    games: int = 20000,
    rounds: int | None = None,
    policy: str = "tit_for_tat",
    forgiveness: float | None = None,
    seed: int = 0,
) -> GameResult:
    """Play ``games`` independent noisy games with the rulebook's pieces (module docstring).

    Every game starts in mutual cooperation and runs ``rounds`` rounds (default ``10 / eps``,
    long enough for the chain to forget its start: its second eigenvalue is ``1 - 2 eps``); the
    share of games in mutual cooperation at the last round estimates the long-run share, with
    binomial standard error.
    """
    rng = np.random.default_rng(seed)
    rounds = rounds or int(np.ceil(10.0 / eps))
    pol = get_policy(policy)
    over = {} if forgiveness is None else {"forgiveness": forgiveness}
    params = Params.build(games, {"response_delay": 0.0, **over})
    hazard = np.full(games, -np.log1p(-eps))
    us_def = np.zeros(games, dtype=bool)
    mil_def = np.zeros(games, dtype=bool)
    present = np.ones(games, dtype=bool)
    for _ in range(rounds):
        u = rng.random((games, 4))
        obs = Observation(
            pending_severity=np.where(mil_def, ladder.SEV_HARASSMENT, ladder.SEV_NONE),
            pending_group=np.full(games, -1),
            pending_killed=np.zeros(games, dtype=np.int64),
            pending_iran=np.zeros(games, dtype=bool),
        )
        d = pol.decide(obs, params, u[:, 0])
        us_intent = _strikes(d.action, d.intensity, d.forgive, u[:, 1], params.response_delay,
                             present)  # fmt: skip
        mil_intent = us_def  # the militia answers last round's US strike
        us_def = us_intent ^ _occurs(hazard, u[:, 2])
        mil_def = mil_intent ^ _occurs(hazard, u[:, 3])
    cc = ~us_def & ~mil_def
    share = float(cc.mean())
    return GameResult(share, float(np.sqrt(share * (1 - share) / games)), games, rounds)
