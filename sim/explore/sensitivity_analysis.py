"""The generic sensitivity analysis: SALib's Sobol' and Morris over any vectorised function.

:func:`analyse_function` takes a function of a design matrix, a problem and a method; the model
study (:func:`sim.explore.sensitivity.run_sensitivity`) is one such function, so the test on
the Ishigami function exercises the same code path.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import UserError
from sim.explore.sensitivity_problem import (
    MIN_N,
    MORRIS_COLUMNS,
    MORRIS_LEVELS,
    SOBOL_COLUMNS,
    check_method,
)

# SeedSequence streams of chunk 0 used here besides the draws of replicate r, (r, 0):
_DESIGN_STREAM = 2  # SALib's sampler
_ANALYSIS_STREAM = 3  # SALib's bootstrap / resampling
_INDEPENDENT_STREAM = 4  # independent draws (crn=False), offset by the batch's first row


def _stream(seed: int, stream: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(int(seed), spawn_key=(0, stream))


def _analysis_seed(seed: int) -> int:
    """A non-zero integer seed for SALib's resampling.

    ``SALib.analyze.sobol.analyze`` tests ``if seed:`` and silently leaves the bootstrap
    unseeded for seed 0; deriving a non-zero seed keeps seed 0 reproducible too.
    """
    return int(_stream(seed, _ANALYSIS_STREAM).generate_state(1, dtype=np.uint32)[0]) | 1


def sample(problem: Mapping[str, Any], method: str, n: int, seed: int) -> np.ndarray:
    """The design matrix of a study, shape ``(rows, num_vars)``, inside the bounds."""
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    check_method(method)
    if n < MIN_N:
        raise UserError(f"N must be at least {MIN_N} (bootstrap intervals need rows), got {n}")
    rng = np.random.default_rng(_stream(seed, _DESIGN_STREAM))
    prob = dict(problem)
    with warnings.catch_warnings():
        # SALib warns when N is not a power of two (the Sobol' sequence's balance properties
        # hold for powers of two); the estimates remain valid, the command line says so itself.
        warnings.filterwarnings("ignore", message=".*Convergence properties.*")
        warnings.filterwarnings("ignore", message=".*balance properties.*")
        if method == "sobol":
            x = sobol_sample.sample(prob, n, calc_second_order=False, seed=rng)
        else:
            x = morris_sample.sample(prob, n, num_levels=MORRIS_LEVELS, seed=rng)
    lo = np.array([b[0] for b in problem["bounds"]], dtype=float)
    hi = np.array([b[1] for b in problem["bounds"]], dtype=float)
    return np.clip(x, lo, hi)  # scaling can overshoot a bound by one ulp


def _as_outputs(y: np.ndarray | Mapping[str, np.ndarray], rows: int) -> dict[str, np.ndarray]:
    if isinstance(y, Mapping):
        out = {str(k): np.asarray(v, dtype=float) for k, v in y.items()}
    else:
        out = {"y": np.asarray(y, dtype=float)}
    for k, v in out.items():
        if v.shape != (rows,):
            raise ValueError(f"output '{k}' has shape {v.shape}, expected ({rows},)")
    return out


def _salib_analyse(
    prob: dict,
    method: str,
    x: np.ndarray,
    y: np.ndarray,
    resamples: int,
    conf: float,
    seed: int,
) -> dict[str, Any]:
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    if method == "sobol":
        return sobol_analyze.analyze(
            prob, y, calc_second_order=False, num_resamples=resamples, conf_level=conf,
            seed=seed,
        )  # fmt: skip
    return morris_analyze.analyze(
        prob, x, y, num_resamples=resamples, conf_level=conf, num_levels=MORRIS_LEVELS,
        seed=seed,
    )  # fmt: skip


def analyse_outputs(
    problem: Mapping[str, Any],
    method: str,
    x: np.ndarray,
    outputs: Mapping[str, np.ndarray],
    seed: int,
    num_resamples: int = 100,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Indices of each output column over the design ``x`` (one table row per output × name).

    An output that is constant over the design has no variance to decompose: its indices are
    NaN (and it is listed in ``df.attrs["constant"]``).
    """
    check_method(method)
    names = list(problem["names"])
    prob = dict(problem)
    aseed = _analysis_seed(seed)
    frames = []
    constant: list[str] = []
    for outcome, y in outputs.items():
        if not np.all(np.isfinite(y)):
            raise ValueError(f"output '{outcome}' has non-finite values")
        res: dict[str, Any]
        if np.ptp(y) == 0:
            constant.append(outcome)
            res = {}
        else:
            with warnings.catch_warnings():
                # a rare event (few non-zero rows) can give an all-zero bootstrap resample,
                # which SALib scores as zero with a warning; that is what we want, unannounced
                warnings.filterwarnings("ignore", message=".*Constant values encountered.*")
                res = _salib_analyse(prob, method, x, y, num_resamples, conf_level, aseed)
        cols = SOBOL_COLUMNS if method == "sobol" else MORRIS_COLUMNS
        data: dict[str, Any] = {"outcome": outcome, "parameter": names}
        for c in cols[2:]:
            v = res.get(c)
            data[c] = np.full(len(names), np.nan) if v is None else np.asarray(v, dtype=float)
        frames.append(pd.DataFrame(data, columns=list(cols)))
    df = pd.concat(frames, ignore_index=True)
    df.attrs["constant"] = constant
    return df


def analyse_function(
    func: Callable[[np.ndarray], np.ndarray | Mapping[str, np.ndarray]],
    problem: Mapping[str, Any],
    method: str,
    n: int,
    seed: int,
    num_resamples: int = 100,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Sensitivity indices of a vectorised function over a SALib problem.

    Parameters
    ----------
    func : maps the whole design, shape ``(rows, num_vars)``, to one output of shape
        ``(rows,)`` (reported as outcome ``"y"``) or to a mapping of named outputs
    problem : ``{"names": [...], "bounds": [[low, high], ...]}`` (``num_vars`` optional)
    method : ``"sobol"`` (Saltelli design, S1 and ST with bootstrap intervals) or ``"morris"``
        (``mu_star`` with its bootstrap interval, ``sigma``, ``mu``)
    n : base sample size (Sobol': ``N (D + 2)`` rows) or number of trajectories (Morris:
        ``N (D + 1)`` rows)
    seed : seeds the design and the bootstrap (seed 0 included)

    Returns
    -------
    DataFrame with columns :data:`SOBOL_COLUMNS` or :data:`MORRIS_COLUMNS`; ``*_conf`` is the
    half-width of the ``conf_level`` interval.
    """
    problem = dict(problem)
    problem.setdefault("num_vars", len(problem["names"]))
    x = sample(problem, method, n, seed)
    outputs = _as_outputs(func(x), len(x))
    return analyse_outputs(problem, method, x, outputs, seed, num_resamples, conf_level)
