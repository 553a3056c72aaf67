"""The random draws of the day: a counter-based generator and the fixed layout of its slots.

Every uniform draw of the model is a pure function of ``(run key, day, slot)``: the SplitMix64
output function (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number generators",
OOPSLA) applied to a Weyl sequence whose position is the counter ``day * N_SLOTS + slot``. A run's
key mixes the chunk key, which :func:`chunk_key` takes from the ``numpy.random.Generator`` that
the caller passes, with the run's index.

So a draw does not depend on the order in which the draws are made, on the draws that are not
made (a rule that is not needed today draws nothing), on the policy, on the number of threads or
on how the runs are split: common random numbers and determinism by construction. Run ``k`` of an
ensemble and a Mesa model given the same key and run index see the same draws.
"""

from __future__ import annotations

import numpy as np

from sim.core.jit import njit
from sim.core.params import GROUPS

G = len(GROUPS)

#: Slots of one run's day: nine per militia group (``slot + g``), then one per single draw.
PER_GROUP: tuple[str, ...] = (
    "attack",
    "severity",
    "weapon",
    "target",
    "attribution",
    "killed",
    "wounded",
    "attack_harm",
    "truce",
)
SINGLE: tuple[str, ...] = (
    "iran_strike",
    "iran_lethal",
    "iran_killed",
    "iran_wounded",
    "us_delay",
    "us_policy",
    "prosecution",
    "protest",
    "vote",
    "withdraw",
    "iraqi_harm",
    "militia_killed",
    "coalition_killed",
    "coalition_wounded",
)

ATTACK, SEVERITY, WEAPON, TARGET, ATTRIBUTION, KILLED, WOUNDED, ATTACK_HARM, TRUCE = (
    k * G for k in range(9)
)
(
    IRAN_STRIKE,
    IRAN_LETHAL,
    IRAN_KILLED,
    IRAN_WOUNDED,
    US_DELAY,
    US_POLICY,
    PROSECUTION,
    PROTEST,
    VOTE,
    WITHDRAW,
    IRAQI_HARM,
    MILITIA_KILLED,
    COALITION_KILLED,
    COALITION_WOUNDED,
) = (len(PER_GROUP) * G + k for k in range(len(SINGLE)))
N_SLOTS = len(PER_GROUP) * G + len(SINGLE)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_UNIT = 1.0 / 9007199254740992.0  # 2**-53


def slot_layout(n_groups: int = G) -> dict[str, slice]:
    """The slots of one day's draws by name (per-group slots take ``n_groups`` columns)."""
    out = {name: slice(k * n_groups, (k + 1) * n_groups) for k, name in enumerate(PER_GROUP)}
    base = len(PER_GROUP) * n_groups
    out |= {name: slice(base + k, base + k + 1) for k, name in enumerate(SINGLE)}
    return out


def n_slots(n_groups: int = G) -> int:
    """Number of draw slots per run per day."""
    return len(PER_GROUP) * n_groups + len(SINGLE)


@njit
def mix(z: np.uint64) -> np.uint64:
    """The SplitMix64 output function (a bijection of 64-bit words with full avalanche)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit
def run_key(key: np.uint64, run: int) -> np.uint64:
    """The key of run ``run`` of the chunk with key ``key``."""
    return mix(np.uint64(key) + np.uint64(run + 1) * _GOLDEN)


@njit
def uniform(rk: np.uint64, day: int, slot: int) -> float:
    """The uniform draw in [0, 1) of slot ``slot`` on day ``day`` of the run with key ``rk``."""
    z = mix(np.uint64(rk) + np.uint64(day * N_SLOTS + slot + 1) * _GOLDEN)
    return float(z >> _S11) * _UNIT


def chunk_key(rng: np.random.Generator) -> np.uint64:
    """A chunk key drawn from ``rng`` (one 64-bit word; the generator moves on by one draw)."""
    return np.uint64(rng.integers(0, 2**64, dtype=np.uint64))
