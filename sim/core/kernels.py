"""The day run over N runs: the compiled loops of the ensemble engine.

Runs are independent and each run's draws depend only on its key (:mod:`sim.core.draws`), so
the loop over runs may run on several threads (numba ``prange``) with the same results. The
number of threads is :func:`threads` (``$ESCALATION_THREADS``, default 1: the experiments
already spread chunks over worker processes).
"""

from __future__ import annotations

import os
import threading

import numba
import numpy as np
from numba import prange
from numba.np.ufunc import parallel as _parallel

from sim.core import draws
from sim.core.day import AFTER_DECISION, BEFORE_DECISION, run_day
from sim.core.jit import njit
from sim.errors import UserError

# numba guards the start of its thread pool with a multiprocessing lock (a semaphore) when the
# default start method is fork; the experiments start their workers with forkserver or spawn,
# so a thread lock is enough, and a worker interrupted by Ctrl-C leaves no semaphore behind
# (which Python would report at exit). Set before the first threaded call.
if not _parallel._backend_init_process_lock:
    _parallel._backend_init_process_lock = threading.RLock()


def threads() -> int:
    """Threads of the ensemble engine's loops (``$ESCALATION_THREADS``, default 1)."""
    text = os.environ.get("ESCALATION_THREADS", "").strip() or "1"
    if not text.isdigit() or int(text) < 1:
        raise UserError(f"ESCALATION_THREADS={text!r}: give a whole number of threads, 1 or more")
    return min(int(text), numba.config.NUMBA_NUM_THREADS)


@njit
def run_keys(key, runs):
    """The draw keys of the runs with indices ``runs`` in the chunk with key ``key``."""
    out = np.empty(len(runs), dtype=np.uint64)
    for i in range(len(runs)):
        out[i] = draws.run_key(key, runs[i])
    return out


@njit(parallel=True)
def run_days(t0, t1, code, R, X, F, L, keys):
    """Days ``t0 .. t1 - 1`` of every run under built-in policy ``code`` (``prange``: numba
    compiles the loop body with its arrays marked as not aliased, which makes this loop about
    twice as fast as a plain one even on one thread)."""
    for i in prange(R.shape[0]):
        for t in range(t0, t1):
            run_day(i, t, code, R, X, F, L, keys[i])


@njit(parallel=True)
def run_until_decision(t, R, X, F, L, keys):
    """Day ``t`` of every run up to the US decision (a Python policy decides next)."""
    for i in prange(R.shape[0]):
        run_day(i, t, -1, R, X, F, L, keys[i], BEFORE_DECISION)


@njit(parallel=True)
def run_after_decision(t, R, X, F, L, keys):
    """The rest of day ``t`` of every run, after a Python policy wrote its decisions."""
    for i in prange(R.shape[0]):
        run_day(i, t, -1, R, X, F, L, keys[i], AFTER_DECISION)


def days(t0: int, t1: int, code: int, R, X, F, L, keys) -> None:
    """Days ``t0 .. t1 - 1`` of every run on :func:`threads` threads."""
    numba.set_num_threads(threads())
    run_days(t0, t1, code, R, X, F, L, keys)


@njit
def uniforms(keys, t, slot):
    """Every run's draw of ``slot`` on day ``t`` (a Python policy's ``u``)."""
    out = np.empty(len(keys))
    for i in range(len(keys)):
        out[i] = draws.uniform(keys[i], t, slot)
    return out
