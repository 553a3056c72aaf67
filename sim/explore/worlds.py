"""Worlds: the parameter sets an exploration runs every policy in.

The calibrated record informs only some parameters (``informed`` in
:data:`sim.core.params.TABLE`, derived from the fit's report). A *world* fixes all of them:

* the parameters the record does **not** inform are *explored*: spread over their table ranges
  by a Latin hypercube (McKay, Beckman & Conover 1979, Technometrics 21:239) or a scrambled
  Sobol' sequence (Sobol' 1967; Owen 1998), both from :mod:`scipy.stats.qmc`;
* the informed ones are drawn from the calibrated posterior (one posterior row per world,
  :func:`sim.inputs.posterior.posterior_draws`), or kept at the table's defaults when the
  scenario says ``posterior: false`` or no posterior is shipped;
* values the scenario fixes (``params:``) are fixed in every world.

A bounds file chooses otherwise, per parameter: ``[low, high]`` explores it over that range
(inside the table's), ``posterior`` draws it from the posterior, a number fixes it. YAML maps
names to those; CSV has columns ``parameter,low,high`` (``low == high`` fixes the value).
This is the EMA Workbench's vocabulary (Kwakkel 2017, Environ. Model. Softw. 96:239):
uncertainties (explored parameters), levers (policies), outcomes.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sim.core.params import TABLE
from sim.errors import UserError
from sim.experiments.sampling import chunk_seed, posterior_path, scenario_posterior
from sim.explore.sensitivity_problem import MAX_BOUNDS_BYTES, unknown_parameter_error
from sim.inputs.files import read_text_file, read_yaml
from sim.inputs.posterior import posterior_draws
from sim.inputs.scenario import Scenario

SAMPLERS: tuple[str, ...] = ("lhs", "sobol")
#: SeedSequence streams of chunk 0 (see :mod:`sim.experiments.sampling`): the design, the
#: choice of posterior rows. Streams 0 and 1 of every chunk are its simulation draws.
_DESIGN_STREAM = 2
_POSTERIOR_STREAM = 3


@dataclass(frozen=True)
class WorldSpec:
    """How each parameter is set across worlds.

    Attributes
    ----------
    explored : name → (low, high) range the design spreads over
    from_posterior : names drawn from the posterior (one row per world)
    fixed : name → value held in every world (the scenario's ``params`` and the bounds file)
    """

    explored: dict[str, tuple[float, float]]
    from_posterior: tuple[str, ...]
    fixed: dict[str, float] = field(default_factory=dict)
    #: the posterior file the scenario draws from (None: the shipped one)
    posterior_file: str | None = None

    def digest(self) -> str:
        """A hash of the specification (part of what ``--resume`` checks)."""
        blob = json.dumps(
            {"explored": self.explored, "posterior": self.from_posterior, "fixed": self.fixed},
            sort_keys=True,
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _bound_error(path: Path, name: str, msg: str) -> UserError:
    return UserError(f"{path}, parameter '{name}': {msg}")


def _check_range(path: Path, name: str, lo: float, hi: float) -> None:
    p = TABLE[name]
    if not (np.isfinite(lo) and np.isfinite(hi) and lo <= hi):
        raise _bound_error(path, name, "expected [low, high] with low <= high")
    if lo < p.low or hi > p.high:
        raise _bound_error(
            path, name, f"[{lo:g}, {hi:g}] leaves the table's range [{p.low:g}, {p.high:g}]"
        )


def load_world_bounds(path: str | Path) -> dict[str, Any]:
    """Read a bounds file: name → ``(low, high)``, a fixed number, or ``"posterior"``.

    Raises
    ------
    UserError
        naming the file and the parameter for an unknown name, a value outside the table's
        range, or a malformed entry.
    """
    path = Path(path)
    raw: dict[str, Any] = {}
    if path.suffix.lower() == ".csv":
        text = read_text_file(path, "bounds file", MAX_BOUNDS_BYTES)
        reader = csv.DictReader(text.splitlines())
        try:
            rows = [(reader.line_num, r) for r in reader]
        except csv.Error as exc:  # e.g. a NUL byte
            raise UserError(f"{path}: not a CSV bounds file ({exc})") from None
        if not rows or not {"parameter", "low", "high"} <= set(rows[0][1]):
            raise UserError(f"{path}: a CSV bounds file has columns parameter,low,high")
        for i, r in rows:
            name = (r["parameter"] or "").strip()
            if name in raw:
                raise UserError(f"{path}, line {i}: parameter '{name}' is listed twice")
            try:
                raw[name] = [float(r["low"]), float(r["high"])]
            except (TypeError, ValueError):
                raise UserError(f"{path}, line {i}: low and high must be numbers") from None
    else:
        data = read_yaml(path, "bounds file", MAX_BOUNDS_BYTES)
        if not isinstance(data, dict) or not data:
            raise UserError(
                f"{path}: a bounds file maps parameter names to [low, high], a number or "
                "'posterior'"
            )
        raw = {str(k): v for k, v in data.items()}
    out: dict[str, Any] = {}
    for name, v in raw.items():
        if name not in TABLE:
            raise UserError(f"{path}: {unknown_parameter_error(name)}")
        if v == "posterior":
            out[name] = "posterior"
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            _check_range(path, name, float(v), float(v))
            out[name] = float(v)
        elif isinstance(v, (list, tuple)) and len(v) == 2:
            try:
                lo, hi = float(v[0]), float(v[1])
            except (TypeError, ValueError):
                raise _bound_error(path, name, "expected [low, high] as numbers") from None
            _check_range(path, name, lo, hi)
            out[name] = lo if lo == hi else (lo, hi)
        else:
            raise _bound_error(path, name, "expected [low, high], a number or 'posterior'")
    return out


def world_spec(scenario: Scenario, bounds: dict[str, Any] | None = None) -> WorldSpec:
    """The :class:`WorldSpec` of a scenario: uninformed parameters explored, informed ones
    from the posterior (if the scenario uses it and one is shipped), the scenario's own
    values fixed; then the bounds file's choices."""
    post = scenario_posterior(scenario)
    post_cols = set(post.columns) if post is not None and len(post) else set()
    explored: dict[str, tuple[float, float]] = {}
    from_post: list[str] = []
    fixed = {k: float(v) for k, v in scenario.params.items()}
    for name, p in TABLE.items():
        if name in fixed:
            continue
        if p.informed:
            if name in post_cols:
                from_post.append(name)
        else:
            explored[name] = (p.low, p.high)
    for name, v in (bounds or {}).items():
        explored.pop(name, None)
        if name in from_post:
            from_post.remove(name)
        fixed.pop(name, None)
        if v == "posterior":
            if name not in post_cols:
                raise UserError(
                    f"bounds: parameter '{name}' cannot come from the posterior (the scenario "
                    "does not use one, or it does not hold this parameter)"
                )
            from_post.append(name)
        elif isinstance(v, tuple):
            explored[name] = v
        else:
            fixed[name] = float(v)
    if not explored:
        raise UserError("no parameter left to explore (every one is fixed or from the posterior)")
    path = posterior_path(scenario)
    return WorldSpec(explored, tuple(from_post), fixed, None if path is None else str(path))


def sample_worlds(spec: WorldSpec, n: int, seed: int, sampler: str = "lhs") -> pd.DataFrame:
    """``n`` worlds: one row each, columns ``world``, ``posterior_row`` (-1 if none) and every
    parameter of the table that a world sets (explored, from the posterior, fixed).

    The design and the posterior rows come from their own SeedSequence streams of ``seed``,
    so they do not depend on how the worlds are later chunked.
    """
    if sampler not in SAMPLERS:
        raise UserError(f"--sampler: unknown sampler '{sampler}' (known: {', '.join(SAMPLERS)})")
    if n < 1:
        raise UserError(f"--worlds must be at least 1, got {n}")
    names = list(spec.explored)
    lo = np.array([spec.explored[k][0] for k in names])
    hi = np.array([spec.explored[k][1] for k in names])
    rng = np.random.default_rng(chunk_seed(seed, 0, _DESIGN_STREAM))
    kind = qmc.LatinHypercube if sampler == "lhs" else qmc.Sobol
    try:
        engine = kind(d=len(names), rng=rng)
    except TypeError:  # scipy < 1.15 calls it seed
        engine = kind(d=len(names), seed=rng)
    if sampler == "lhs":
        unit = engine.random(n)
    else:
        m = int(np.ceil(np.log2(max(n, 2))))
        unit = engine.random_base2(m)[:n]  # a power-of-two prefix keeps the balance
    x = np.clip(qmc.scale(unit, lo, hi), lo, hi)
    cols: dict[str, Any] = {"world": np.arange(n, dtype=np.int64)}
    prow = np.full(n, -1, dtype=np.int64)
    post_values: dict[str, np.ndarray] = {}
    if spec.from_posterior:
        post = posterior_draws(spec.posterior_file)
        prow = np.random.default_rng(chunk_seed(seed, 0, _POSTERIOR_STREAM)).integers(
            0, len(post), size=n
        )
        post_values = {k: post[k].to_numpy(dtype=float)[prow] for k in spec.from_posterior}
    cols["posterior_row"] = prow
    cols.update({k: x[:, i] for i, k in enumerate(names)})
    cols.update(post_values)
    cols.update({k: np.full(n, v) for k, v in spec.fixed.items()})
    return pd.DataFrame(cols)


def parameter_columns(worlds: pd.DataFrame) -> list[str]:
    """The parameter columns of a worlds table (everything but the bookkeeping columns)."""
    return [c for c in worlds.columns if c in TABLE]
