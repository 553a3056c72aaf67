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
* the militia move: the militia's own rules with a one-round memory and nothing but revenge
  (no base rate, self-excitation, fear or Iranian push): a US strike last round raises its
  grievance (:func:`sim.core.rules.militia.grievance_update`, everything older forgotten), and it
  attacks when its attack hazard (:func:`sim.core.rules.militia.attack_hazard`) is above zero,
  so it answers a strike and holds its fire otherwise: tit-for-tat;
* implementation noise: each intended move is flipped with :func:`sim.core.rules.common.occurs`
  at the daily hazard ``-log(1 - ε)``, i.e. with probability ε.

It validates the policy classes' decision logic, the forgiveness path of ``us_response``, the
militia's answer to a strike and the Bernoulli rule ``occurs``; it does not validate the
engine's hazards, delays or memory.

What it reports (:class:`GameResult`): the share of games in each of the four joint states at
the last round (``CC``: both cooperate; ``CD``: the US cooperates, the militia defects; ``DC``;
``DD``) and the cooperation rate, the share of the two players' moves that are cooperation.

External reference: the Axelrod library (Knight et al. 2016, J. Open Res. Softw. 4:e35), whose
noisy ``Match`` flips each move with the given probability, gives the same long-run figures for
these players: two tit-for-tat players spend ¼ of the rounds in each joint state, a cooperation
rate of ½, at any noise; generous tit-for-tat (forgiveness 1/3) against tit-for-tat spends 0.90,
0.66 and 0.50 of the rounds in mutual cooperation at noise 0.01, 0.05 and 0.1 (this module's
Markov chain: 0.902, 0.655, 0.503). The tests compare the reduction with these figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core import ladder
from sim.core.jit import njit
from sim.core.params import Params
from sim.core.policies import Observation, get_policy
from sim.core.rules import common, militia
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


#: The joint states (US move, militia move), C cooperation and D defection, in the order of
#: :func:`transition_matrix`'s index ``2 * us + militia``.
STATES: tuple[str, ...] = ("CC", "CD", "DC", "DD")


def cooperation_rate(states: np.ndarray) -> float:
    """The share of the two players' moves that are cooperation, from the shares of the joint
    states (:data:`STATES`): ``CC + (CD + DC) / 2``."""
    cc, cd, dc, _ = states
    return float(cc + (cd + dc) / 2.0)


@dataclass
class GameResult:
    """The joint states at the last round across independent games.

    ``share`` is mutual cooperation (``states["CC"]``) with its binomial standard error
    ``stderr``; ``states`` the share of games in each of :data:`STATES`; ``cooperation`` the
    share of the moves that are cooperation (:func:`cooperation_rate`), with its standard error
    ``cooperation_stderr`` (the two moves of a game counted together)."""

    share: float
    stderr: float
    games: int
    rounds: int
    states: dict[str, float]
    cooperation: float
    cooperation_stderr: float


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
def _militia_attacks(struck, revenge_attacks, days):
    """Whether the militia attacks in each game: its grievance from last round's US strike
    alone (:func:`sim.core.rules.militia.grievance_update`: no older grievance, no spillover,
    no pulse), and an attack where the hazard of revenge
    (:func:`sim.core.rules.militia.attack_hazard`: no base rate, excitation, fear or push) is
    above zero."""
    out = np.zeros(len(struck), dtype=np.bool_)
    for i in range(len(struck)):
        felt = 1.0 if struck[i] else 0.0  # a strike of unit intensity
        g = militia.grievance_update(0.0, felt, felt, revenge_attacks[i], days[i], 0.0, 0.0, 0.0,
                                     False, 0.0)  # fmt: skip
        out[i] = militia.attack_hazard(0.0, 0.0, g, 0.0, 0.0, 0.0, 1.0, True) > 0.0
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
    shares of games in each joint state at the last round estimate the long-run shares, with
    binomial standard errors.
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
        mil_intent = _militia_attacks(us_def, params.revenge_attacks, params.revenge_days)
        us_def = us_intent ^ _occurs(hazard, u[:, 2])
        mil_def = mil_intent ^ _occurs(hazard, u[:, 3])
    index = 2 * us_def.astype(np.int64) + mil_def.astype(np.int64)
    shares = np.bincount(index, minlength=4) / games
    share = float(shares[0])
    coop = (2 - us_def.astype(np.int64) - mil_def.astype(np.int64)) / 2.0  # per game
    return GameResult(
        share=share,
        stderr=float(np.sqrt(share * (1 - share) / games)),
        games=games,
        rounds=rounds,
        states={k: float(v) for k, v in zip(STATES, shares, strict=True)},
        cooperation=float(coop.mean()),
        cooperation_stderr=float(coop.std(ddof=1) / np.sqrt(games)),
    )
