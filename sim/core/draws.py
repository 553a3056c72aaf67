"""The random draws of the day: a counter-based generator and its named slots.

Every uniform draw of the model is a pure function of ``(run key, day, slot)``: the SplitMix64
output function (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number generators",
OOPSLA) applied to a Weyl sequence, at the position ``run key + slot key + (day + 1) * γ`` (γ the
golden-ratio increment). A slot's key is a fixed 64-bit hash of its name, and of its group's name
for a per-group slot (:func:`slot_key`): it does not depend on how many slots there are or on
where a slot sits in the lists below, so adding a slot (or a group) changes no draw of the
others. A run's key mixes the chunk key, which :func:`chunk_key` takes from the
``numpy.random.Generator`` that the caller passes, with the run's index.

So a draw does not depend on the order in which the draws are made, on the draws that are not
made (a rule that is not needed today draws nothing), on the policy, on the number of threads, on
how the runs are split or on the other slots: common random numbers and determinism by
construction. Run ``k`` of an ensemble and a Mesa model given the same key and run index see the
same draws.
"""

from __future__ import annotations

import hashlib

import numpy as np

from sim.core.jit import njit
from sim.core.params import GROUPS

G = len(GROUPS)

#: Slots of one run's day: one per militia group for each of these (``slot + g``) ...
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
#: ... and one each of these.
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
    "rate_noise",
    "rate_noise_angle",
)


def slot_key(name: str, group: str | None = None) -> np.uint64:
    """The fixed 64-bit key of a slot: the first 8 bytes of the BLAKE2b hash of its name, or of
    ``name/group`` for a per-group slot (little-endian)."""
    text = name if group is None else f"{name}/{group}"
    return np.uint64(
        int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
    )


def layout(
    per_group: tuple[str, ...] = PER_GROUP,
    single: tuple[str, ...] = SINGLE,
    groups: tuple[str, ...] = GROUPS,
) -> dict[str, object]:
    """The slot indices by upper-case name (a per-group slot: its first group's index, the others
    following) and ``KEYS``, the slots' keys in index order (:func:`slot_key`)."""
    keys = [slot_key(n, g) for n in per_group for g in groups] + [slot_key(n) for n in single]
    out: dict[str, object] = {n.upper(): k * len(groups) for k, n in enumerate(per_group)}
    base = len(per_group) * len(groups)
    out |= {n.upper(): base + k for k, n in enumerate(single)}
    out["KEYS"] = np.array(keys, dtype=np.uint64)
    return out


_LAYOUT = layout()
#: The keys of the slots, by slot index (a compile-time constant of the kernels).
KEYS: np.ndarray = _LAYOUT["KEYS"]
ATTACK, SEVERITY, WEAPON, TARGET, ATTRIBUTION, KILLED, WOUNDED, ATTACK_HARM, TRUCE = (
    _LAYOUT[n.upper()] for n in PER_GROUP
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
    RATE_NOISE,
    RATE_NOISE_ANGLE,
) = (_LAYOUT[n.upper()] for n in SINGLE)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_UNIT = 1.0 / 9007199254740992.0  # 2**-53


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
    """The uniform draw in [0, 1) of slot ``slot`` (its index: ``ATTACK + g``, ``VOTE`` ...) on day
    ``day`` of the run with key ``rk``: a function of the slot's key, not of its index."""
    z = mix(np.uint64(rk) + KEYS[slot] + np.uint64(day + 1) * _GOLDEN)
    return float(z >> _S11) * _UNIT


def chunk_key(rng: np.random.Generator) -> np.uint64:
    """A chunk key drawn from ``rng`` (one 64-bit word; the generator moves on by one draw)."""
    return np.uint64(rng.integers(0, 2**64, dtype=np.uint64))
