"""Global sensitivity analysis: which assumptions drive the main outcomes.

Two methods, both from SALib (Herman & Usher 2017, JOSS 2(9):97):

* **Sobol'** variance decomposition. The design is Saltelli's extension of the Sobol' sequence
  (Saltelli 2002, Comput. Phys. Commun. 145:280; Saltelli et al. 2010, Comput. Phys. Commun.
  181:259) without second-order terms: ``N (D + 2)`` rows for ``D`` parameters. The analysis
  gives the first-order index S1 (share of the outcome's variance due to the parameter alone)
  and the total index ST (share that would vanish if the parameter were known, interactions
  included), each with a bootstrap confidence interval.
* **Morris** elementary effects (Morris 1991, Technometrics 33:161; Campolongo, Cariboni &
  Saltelli 2007, Environ. Model. Softw. 22:1509): ``N (D + 1)`` rows in ``N`` one-at-a-time
  trajectories on a 4-level grid; ``mu_star`` (mean absolute effect, in outcome units per full
  parameter range) ranks the parameters cheaply, ``sigma`` flags non-linearity and interactions.

The generic piece is :func:`analyse_function` (a function of a design matrix, a problem, a
method); :func:`run_sensitivity` wraps the model in such a function and hands it over, so the
test on the Ishigami function exercises the same code path as the model study.

Evaluating the model
--------------------
The whole design is evaluated in a few vectorised calls of
:func:`sim.engines.ensemble.run_ensemble`:
per-run parameter arrays (``Params.build(rows, {name: column})``), ``batch`` design rows per
call, each row run ``reps`` times, and the replicates averaged (the probability of a direct
exchange is the mean of the boolean over the replicates).

**Common random numbers.** Replicate ``r`` of *every* design row sees the very same stream of
uniform draws: stream ``r`` of the chunk keyed by ``SeedSequence(seed, spawn_key=(0, 0))``
(``run_ensemble(..., runs=...)``; the draws of a stream are counter-based, :mod:`sim.core.draws`),
so draw ``j`` of day ``t`` means the same thing in every row. The averaged model output is then a
deterministic function of the parameters, ``g(θ) = mean_r f(θ, ω_r)``, and the analysis measures
how *that* function varies. Why it matters: Sobol' and Morris estimators work on differences
between rows that differ in one parameter (``f(A) - f(AB_i)``, Jansen 1999; Saltelli et al.
2010). With independent noise of variance ``σ²`` in every row, each such difference carries
``2σ²`` of pure noise, which the estimator books as effect: every parameter's ST is inflated by
about ``σ² / Var(Y)`` and Morris's ``mu_star`` by the mean absolute noise, so a parameter the
rules never read would look influential. Under common random numbers that noise cancels: a
parameter that cannot affect an outcome gets an index of exactly zero, and the few replicates
only need to smooth ``g`` (the tests check both). The price is that the indices describe
``g`` for these ``reps`` streams; more replicates bring ``g`` closer to the expected outcome
``E[f(θ, ω)]`` (Kleijnen 2008, *Design and Analysis of Simulation Experiments*, ch. 3, on CRN).

Parameters not varied are held at the table's defaults (:data:`sim.core.params.TABLE`), or at the
value the scenario fixes in its ``params:`` (those are excluded from the design and listed in
the output). The calibrated posterior is not used: this is a global analysis over the table's
ranges (or narrower bounds given by the user).
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim import __version__
from sim.core.params import TABLE, Params
from sim.core.policies import get_policy
from sim.engines.ensemble import run_ensemble
from sim.errors import UserError
from sim.experiments.sampling import chunk_seed
from sim.inputs.scenario import Scenario, load_scenario, scenario_hash

METHODS: tuple[str, ...] = ("sobol", "morris")

#: Outcomes analysed: per-run outcome column (sim.engines.ensemble.OUTCOMES) → (short label, unit,
#: the question a figure panel answers).
OUTCOMES: dict[str, tuple[str, str, str]] = {
    "direct_exchange": (
        "P(direct US–Iran exchange)",
        "probability",
        "Which assumptions drive the chance of a direct US–Iran exchange?",
    ),
    "us_killed": ("US killed", "Americans killed", "Which assumptions drive US deaths?"),
    "attacks_total": (
        "militia attacks",
        "attacks",
        "Which assumptions drive the number of militia attacks?",
    ),
    "us_strikes": ("US strikes", "strikes", "Which assumptions drive the number of US strikes?"),
    "max_rung": (
        "highest rung reached",
        "rung (0–9)",
        "Which assumptions drive the highest escalation rung reached?",
    ),
}

SOBOL_COLUMNS = ("outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf")
MORRIS_COLUMNS = ("outcome", "parameter", "mu_star", "mu_star_conf", "sigma", "mu")

#: Morris grid levels (the usual choice, Campolongo et al. 2007).
MORRIS_LEVELS = 4
#: Smallest base sample / number of trajectories accepted.
MIN_N = 4

# SeedSequence streams of chunk 0 used here besides the draws of replicate r, (r, 0):
_DESIGN_STREAM = 2  # SALib's sampler
_ANALYSIS_STREAM = 3  # SALib's bootstrap / resampling
_INDEPENDENT_STREAM = 4  # independent draws (crn=False), offset by the batch's first row


# --------------------------------------------------------------------------------------------
# Problems and bounds
# --------------------------------------------------------------------------------------------
def unknown_parameter_error(name: str, what: str = "parameter") -> UserError:
    """A :class:`UserError` naming an unknown parameter and the closest table names."""
    close = difflib.get_close_matches(name, list(TABLE), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return UserError(
        f"unknown {what} '{name}'{hint} (`escalation params` lists the {len(TABLE)} names)"
    )


def parse_param_list(text: str) -> list[str]:
    """Split ``a,b,c`` into names, refusing empty items, duplicates and unknown names."""
    names = [s.strip() for s in text.split(",")]
    if not text.strip() or any(not s for s in names):
        raise UserError(f"--params: empty parameter name in '{text}'")
    seen: set[str] = set()
    for s in names:
        if s not in TABLE:
            raise unknown_parameter_error(s)
        if s in seen:
            raise UserError(f"--params: parameter '{s}' is listed twice")
        seen.add(s)
    return names


def load_bounds(path: str | Path) -> dict[str, tuple[float, float]]:
    """Read ``name: [low, high]`` bounds from a YAML file.

    Each pair must lie inside the table's range of that parameter (the rules are only valid
    there) and have ``low < high``.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"{path}: cannot read bounds file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict) or not data:
        raise UserError(f"{path}: a bounds file maps parameter names to [low, high]")
    out: dict[str, tuple[float, float]] = {}
    for name, pair in data.items():
        if name not in TABLE:
            raise UserError(f"{path}: {unknown_parameter_error(str(name))}")
        p = TABLE[name]
        ok = isinstance(pair, (list, tuple)) and len(pair) == 2
        try:
            lo, hi = (float(pair[0]), float(pair[1])) if ok else (np.nan, np.nan)
        except (TypeError, ValueError):
            lo, hi = np.nan, np.nan
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise UserError(f"{path}, field '{name}': expected [low, high] with low < high")
        if lo < p.low or hi > p.high:
            raise UserError(
                f"{path}, field '{name}': [{lo:g}, {hi:g}] leaves the table's range "
                f"[{p.low:g}, {p.high:g}] ({p.unit})"
            )
        out[str(name)] = (lo, hi)
    return out


def build_problem(
    scenario: Scenario,
    params: Sequence[str] | None = None,
    bounds: Mapping[str, tuple[float, float]] | None = None,
) -> tuple[dict[str, Any], dict[str, float]]:
    """The SALib problem of a study, and the parameters the scenario holds fixed.

    Parameters
    ----------
    params : names to vary (default: every table parameter the scenario does not fix)
    bounds : narrower ranges by name (default: the table's ranges)

    Returns
    -------
    problem : ``{"num_vars", "names", "bounds"}``
    fixed : parameters the scenario fixes (excluded), with their values
    """
    fixed = dict(scenario.params)
    if params is None:
        names = [n for n in TABLE if n not in fixed]
    else:
        names = list(params)
        for n in names:
            if n not in TABLE:
                raise unknown_parameter_error(n)
            if n in fixed:
                raise UserError(
                    f"parameter '{n}' is fixed by the scenario (params: {n}: {fixed[n]:g}); "
                    "remove it from --params or from the scenario"
                )
        if len(set(names)) != len(names):
            raise UserError("a parameter is listed twice")
    if not names:
        raise UserError("no parameter left to vary")
    bounds = dict(bounds or {})
    for n in bounds:
        if n not in names:
            raise UserError(f"bounds given for '{n}', which is not varied in this study")
    b = [list(bounds.get(n, (TABLE[n].low, TABLE[n].high))) for n in names]
    return {"num_vars": len(names), "names": names, "bounds": b}, fixed


def design_size(method: str, n: int, num_vars: int) -> int:
    """Number of design rows (model evaluations before replication)."""
    check_method(method)
    if n < MIN_N:
        raise UserError(f"N must be at least {MIN_N} (bootstrap intervals need rows), got {n}")
    return n * (num_vars + 2) if method == "sobol" else n * (num_vars + 1)


def check_method(method: str) -> None:
    """Raise a :class:`UserError` for a method other than sobol or morris."""
    if method not in METHODS:
        raise UserError(f"unknown method '{method}'; choose one of {', '.join(METHODS)}")


# --------------------------------------------------------------------------------------------
# The generic analysis
# --------------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------------
# The model as a function of its parameters
# --------------------------------------------------------------------------------------------
def model_function(
    scenario: Scenario,
    policy: str,
    names: Sequence[str],
    seed: int,
    reps: int = 4,
    batch: int = 5000,
    outcomes: Sequence[str] = tuple(OUTCOMES),
    progress: bool = False,
    crn: bool = True,
) -> Callable[[np.ndarray], dict[str, np.ndarray]]:
    """The model as a vectorised function of a design matrix (columns ``names``).

    Each design row is run ``reps`` times with common random numbers (see the module
    docstring) and the outcomes averaged over the replicates; ``batch`` design rows
    (``batch * reps`` runs) go into each call of :func:`run_ensemble`. ``crn=False`` gives
    every run its own draws instead (a diagnostic that shows what common random numbers
    remove; its results then depend on ``batch``).
    """
    pol = get_policy(policy)
    names = list(names)

    def func(x: np.ndarray) -> dict[str, np.ndarray]:
        from tqdm.auto import tqdm

        rows = len(x)
        out = {k: np.empty(rows) for k in outcomes}
        starts = range(0, rows, batch)
        bar = tqdm(
            starts,
            total=len(starts),
            desc=f"sensitivity ({rows:,} rows × {reps} reps)",
            unit="batch",
            disable=None if progress else True,
            file=sys.stderr,
        )
        for i0 in bar:
            xb = x[i0 : i0 + batch]
            m = len(xb)
            # run j = replicate r of row i, laid out replicate-major: j = r * m + i
            cols = {n: np.tile(xb[:, c], reps) for c, n in enumerate(names)}
            values: dict[str, float | np.ndarray] = {**scenario.params, **cols}
            p = Params.build(m * reps, values)
            if crn:  # run j draws the stream of its replicate, whatever its row
                draws = np.random.default_rng(chunk_seed(seed, 0, 0))
                runs = np.repeat(np.arange(reps), m)
            else:
                draws = np.random.default_rng(_stream(seed, _INDEPENDENT_STREAM + i0))
                runs = None
            res = run_ensemble(scenario, pol, p, draws, keep_daily=False, runs=runs)
            for k in outcomes:
                out[k][i0 : i0 + m] = res.outcomes[k].astype(float).reshape(reps, m).mean(axis=0)
        return out

    return func


def run_sensitivity(
    scenario: Scenario | str | Path,
    policy: str,
    method: str,
    n: int,
    seed: int,
    params: list[str] | None = None,
    reps: int = 4,
    batch: int = 5000,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    outcomes: Sequence[str] = tuple(OUTCOMES),
    progress: bool = False,
    num_resamples: int = 100,
) -> pd.DataFrame:
    """Global sensitivity of the main outcomes of a scenario under a policy.

    Parameters
    ----------
    scenario : a Scenario or the path of a scenario file
    policy : registered policy name or import path
    method, n, seed : see :func:`analyse_function`
    params : table names to vary (default: all the scenario does not fix)
    reps : replicate runs per design row, averaged, with common random numbers
    batch : design rows per ensemble call
    bounds : narrower ranges by name (default: the table's)

    Returns
    -------
    The indices (columns as in :func:`analyse_function`; ``outcome`` is the per-run outcome
    column of :data:`sim.engines.ensemble.OUTCOMES`). ``df.attrs`` holds the study's description:
    ``varied``, ``bounds``, ``fixed`` (held at the scenario's value), ``constant`` (outcomes
    with no variance), ``rows``, ``runs``, ``method``, ``n``, ``reps``, ``seed``, ``policy``,
    ``scenario``.
    """
    if isinstance(scenario, (str, Path)):
        scenario = load_scenario(scenario)
    check_method(method)
    for k in outcomes:
        if k not in OUTCOMES:
            raise UserError(f"unknown outcome '{k}'; choose from {', '.join(OUTCOMES)}")
    if reps < 1 or batch < 1 or n < 1:
        raise UserError("n, reps and batch must be at least 1")
    get_policy(policy)
    problem, fixed = build_problem(scenario, params, bounds)
    func = model_function(scenario, policy, problem["names"], seed, reps, batch, outcomes, progress)
    x = sample(problem, method, n, seed)
    outputs = func(x)
    df = analyse_outputs(problem, method, x, outputs, seed, num_resamples)
    df.attrs.update(
        {
            "varied": list(problem["names"]),
            "bounds": {
                k: list(b) for k, b in zip(problem["names"], problem["bounds"], strict=True)
            },
            "fixed": fixed,
            "rows": len(x),
            "runs": len(x) * reps,
            "method": method,
            "n": n,
            "reps": reps,
            "seed": seed,
            "policy": policy,
            "scenario": scenario.name,
            "days": scenario.days,
            "outcome_means": {k: float(np.mean(v)) for k, v in outputs.items()},
        }
    )
    return df


# --------------------------------------------------------------------------------------------
# Reporting: table, Markdown, figure, result directory
# --------------------------------------------------------------------------------------------
def _score_column(method: str) -> tuple[str, str]:
    return ("ST", "ST_conf") if method == "sobol" else ("mu_star", "mu_star_conf")


def top_parameters(df: pd.DataFrame, outcome: str, k: int = 12) -> pd.DataFrame:
    """The ``k`` most influential parameters for an outcome (by ST, or by mu_star)."""
    score = "ST" if "ST" in df.columns else "mu_star"
    d = df[df["outcome"] == outcome].dropna(subset=[score])
    return d.sort_values(score, ascending=False).head(k)


def footnote(meta: Mapping[str, Any]) -> str:
    """One line describing a study: method, N, rows, reps, scenario, policy, seed."""
    m = meta["method"]
    how = (
        "Sobol' indices (Saltelli design, SALib), bars = 95% bootstrap intervals"
        if m == "sobol"
        else f"Morris elementary effects ({MORRIS_LEVELS} levels, SALib), bars = 95% bootstrap"
        " intervals of μ*"
    )
    return (
        f"{how}. N = {meta['n']}, {meta['rows']:,} parameter sets × {meta['reps']} runs "
        f"(common random numbers), {len(meta['varied'])} parameters varied over their ranges. "
        f"Scenario '{meta['scenario']}' ({meta['days']} days), policy '{meta['policy']}', "
        f"seed {meta['seed']}. Model output, not a forecast."
    )


def indices_markdown(df: pd.DataFrame, k: int = 5) -> str:
    """A readable summary: the top ``k`` parameters per outcome, exclusions, caveats."""
    meta = df.attrs
    method = meta["method"]
    lines = [
        f"# Sensitivity: scenario '{meta['scenario']}', policy '{meta['policy']}'",
        "",
        footnote(meta),
        "",
    ]
    if method == "sobol":
        lines += [
            "ST (total index): share of the outcome's variance that would vanish if the "
            "parameter were known, interactions included. S1: the parameter alone. "
            "± is the half-width of the 95% bootstrap interval.",
            "",
        ]
    else:
        lines += [
            "μ* (mean absolute elementary effect): change of the outcome across the "
            "parameter's full range, averaged over the other parameters; σ large against μ* "
            "means non-linear effects or interactions. ± is the 95% bootstrap half-width.",
            "",
        ]
    for outcome in dict.fromkeys(df["outcome"]):
        _, unit, question = OUTCOMES.get(outcome, (outcome, "", outcome))
        lines.append(f"## {question}")
        lines.append("")
        mean = meta.get("outcome_means", {}).get(outcome)
        if mean is not None:
            lines.append(f"Mean over the design: {mean:.4g} ({unit}).")
            lines.append("")
        if outcome in meta.get("constant", []):
            lines.append(
                f"The outcome is the same ({mean:g}) in every run of the design: no parameter "
                "can move it in this scenario under this policy, so it has no indices."
            )
            lines.append("")
            continue
        top = top_parameters(df, outcome, k)
        if method == "sobol":
            lines += ["| parameter | ST | S1 |", "|---|---|---|"]
            for r in top.itertuples():
                lines.append(
                    f"| `{r.parameter}` | {r.ST:.3f} ± {r.ST_conf:.3f} | "
                    f"{r.S1:.3f} ± {r.S1_conf:.3f} |"
                )
            d = df[df["outcome"] == outcome]
            lines += [
                "",
                f"Sum of S1 = {d['S1'].sum():.2f} (1 would mean no interactions; a "
                "negative S1 is estimation noise).",
                "",
            ]
        else:
            lines += [f"| parameter | μ* ({unit}) | σ |", "|---|---|---|"]
            for r in top.itertuples():
                lines.append(
                    f"| `{r.parameter}` | {r.mu_star:.3g} ± {r.mu_star_conf:.2g} | {r.sigma:.3g} |"
                )
            lines.append("")
    if meta.get("fixed"):
        fixed = ", ".join(f"`{k}` = {v:g}" for k, v in meta["fixed"].items())
        lines += [f"Held at the scenario's value and not varied: {fixed}.", ""]
    lines += [
        "Parameters not varied are held at the table's defaults (`escalation params`); the "
        "calibrated posterior is not used. A parameter that an outcome does not depend on "
        "in this scenario (for example one the scenario's initial state overrides) gets an "
        "index of zero.",
        "",
    ]
    return "\n".join(lines)


def plot_indices(df: pd.DataFrame, k: int = 12):
    """Figure: per outcome, horizontal bars of ST and S1 (or μ*) with intervals, top ``k``.

    Outcomes that are constant over the design get no panel; a line under the title names them.
    """
    import matplotlib.pyplot as plt  # no matplotlib.use(): it would break inline notebook figures

    meta = df.attrs
    method = meta["method"]
    constant = [o for o in dict.fromkeys(df["outcome"]) if o in meta.get("constant", [])]
    outcomes = [o for o in dict.fromkeys(df["outcome"]) if o not in constant]
    # Okabe & Ito (2008) colour-blind-safe palette
    blue, orange, grey = "#0072B2", "#E69F00", "#555555"
    err = {"elinewidth": 0.8, "capsize": 2, "ecolor": "#222222"}
    ncol = 2 if len(outcomes) > 1 else 1
    nrow = max(1, int(np.ceil(len(outcomes) / ncol)))
    fig, axes = plt.subplots(
        nrow, ncol, figsize=(6.6 * ncol, 4.3 * nrow + 1.1), squeeze=False, layout="constrained"
    )
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        label, unit, question = OUTCOMES.get(outcome, (outcome, "", outcome))
        ax.set_title(question, fontsize=10.5, loc="left")
        top = top_parameters(df, outcome, k).iloc[::-1]
        y = np.arange(len(top))
        if method == "sobol":
            h = 0.38
            ax.barh(y + h / 2, top["ST"], h, xerr=top["ST_conf"], color=blue,
                    label="total (ST)", error_kw=err)  # fmt: skip
            ax.barh(y - h / 2, top["S1"], h, xerr=top["S1_conf"], color=orange,
                    label="first order (S1)", error_kw=err)  # fmt: skip
            ax.set_xlabel(f"share of the variance of {label}")
            ax.set_xlim(min(0.0, float((top["S1"] - top["S1_conf"]).min()) - 0.02), None)
        else:
            ax.barh(y, top["mu_star"], 0.6, xerr=top["mu_star_conf"], color=blue,
                    label="μ* (mean |effect|)", error_kw=err)  # fmt: skip
            ax.plot(top["sigma"], y, "D", color=orange, ms=4, label="σ (spread of effects)")
            ax.set_xlabel(f"{label}: change across the parameter's range ({unit})")
        ax.axvline(0, color=grey, lw=0.6)
        ax.set_yticks(y, top["parameter"], fontsize=8.5)
        ax.tick_params(axis="x", labelsize=8.5)
        ax.grid(axis="x", color="#dddddd", lw=0.6)
        ax.set_axisbelow(True)
        ax.legend(fontsize=8, loc="lower right", frameon=False)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_axis_off()
    what = "Sobol' indices" if method == "sobol" else "Morris screening"
    title = f"Which assumptions matter? Global sensitivity ({what}), top {k} parameters"
    if constant:
        means = meta.get("outcome_means", {})
        gone = "; ".join(f"{OUTCOMES.get(o, (o,))[0]} = {means.get(o, np.nan):g}" for o in constant)
        title += f"\nNot shown, the same in every run (no parameter moves it here): {gone}"
    fig.suptitle(title, fontsize=12, fontweight="bold")
    note = footnote(meta)
    if method == "sobol":
        note += " A negative S1 is estimation noise (true indices are ≥ 0)."
    width = 115 * ncol if ncol > 1 else 105
    fig.text(0.01, 0.005, textwrap.fill(note, width), fontsize=7.5, color=grey, va="bottom")
    fig.get_layout_engine().set(rect=(0, 0.045, 1, 0.955))
    return fig


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() or None


def check_output_dir(out: str | Path, overwrite: bool) -> Path:
    """Refuse an existing output directory (unless ``overwrite``) or an unusable place."""
    out = Path(out)
    if out.exists() and not overwrite:
        raise UserError(f"{out}: already exists (choose another --out or pass --overwrite)")
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: exists and is not a directory")
    parent = out.resolve().parent
    if parent.exists() and not parent.is_dir():
        raise UserError(f"{parent}: is not a directory")
    return out


def write_results(
    df: pd.DataFrame,
    out: str | Path,
    overwrite: bool = False,
    scenario_path: str | Path | None = None,
    command: Sequence[str] | None = None,
) -> Path:
    """Write the study's files to ``out`` atomically (a temporary directory beside it, renamed).

    Files: ``indices.parquet``, ``indices.csv``, ``indices.md``, ``sensitivity.png``,
    ``sensitivity.pdf`` and ``manifest.json``.
    """
    import matplotlib.pyplot as plt

    out = check_output_dir(out, overwrite)
    parent = out.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; give it the usual mode
    except OSError as exc:
        raise UserError(f"{out}: cannot create the output directory ({exc.strerror})") from None
    try:
        table = df.copy()
        table.attrs = {}
        table.to_parquet(tmp / "indices.parquet", index=False)
        table.to_csv(tmp / "indices.csv", index=False)
        (tmp / "indices.md").write_text(indices_markdown(df), encoding="utf-8")
        fig = plot_indices(df)
        fig.savefig(tmp / "sensitivity.png", dpi=150)
        fig.savefig(tmp / "sensitivity.pdf")
        plt.close(fig)
        meta = dict(df.attrs)
        manifest = {
            "kind": "sensitivity",
            "version": __version__,
            "git_commit": _git_commit(),
            "scenario_file": None if scenario_path is None else str(scenario_path),
            "scenario_sha256": None if scenario_path is None else scenario_hash(scenario_path),
            "command": list(command) if command is not None else None,
            "created": pd.Timestamp.now(tz="UTC").isoformat(),
            "analysis": "SALib sobol (calc_second_order=False)"
            if meta["method"] == "sobol"
            else f"SALib morris (num_levels={MORRIS_LEVELS})",
            **meta,
        }
        (tmp / "manifest.json").write_text(
            json.dumps(manifest, indent=2, default=float) + "\n", encoding="utf-8"
        )
        if out.exists():  # overwrite: move the old one aside, then swap
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=parent))
            os.rename(out, old / out.name)
            os.rename(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
