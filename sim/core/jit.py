"""The compiler of the rulebook: numba's ``njit`` with an on-disk cache that follows the sources.

Every rule, phase of the day and kernel is compiled with :func:`njit` (numba, ``cache=True``),
so a command pays the compilation once per machine, not once per call. Numba checks only the
source file of the function it compiles, not the files of the functions it calls, so a changed
rule could leave a stale kernel in the cache. The cache therefore lives in a folder named by a
hash of every compiled source in :mod:`sim.core` (``$ESCALATION_NUMBA_CACHE``, default
``~/.cache/escalation-sim/numba``): a change to any of them starts a new cache.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba

_CORE = Path(__file__).resolve().parent
#: the modules whose code the kernels compile (a change to any of them invalidates the cache)
_SOURCES = (
    "jit.py",
    "ladder.py",
    "params.py",
    "layout.py",
    "draws.py",
    "day.py",
    "severity.py",
    "targeting.py",
    "day_truce.py",
    "tally.py",
    "state.py",
    "policy_rules.py",
    "kernels.py",
)


def _source_hash() -> str:
    h = hashlib.sha256(numba.__version__.encode())
    files = [_CORE / f for f in _SOURCES] + sorted((_CORE / "rules").glob("*.py"))
    for f in files:
        if f.exists():
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def _cache_dir() -> str:
    root = os.environ.get("ESCALATION_NUMBA_CACHE") or str(
        Path.home() / ".cache" / "escalation-sim" / "numba"
    )
    return str(Path(root) / _source_hash())


if not os.environ.get("NUMBA_CACHE_DIR"):
    numba.config.CACHE_DIR = _cache_dir()


def njit(*args, **kwargs):
    """``numba.njit`` with the cache on (and fast maths off: results must not depend on it)."""
    kwargs.setdefault("cache", True)
    kwargs.setdefault("error_model", "numpy")
    if args and callable(args[0]):
        return numba.njit(**kwargs)(args[0])
    return numba.njit(*args, **kwargs)
