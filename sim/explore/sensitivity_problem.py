"""Sensitivity studies: the outcomes analysed, the parameters varied and their bounds.

A study's problem is SALib's ``{"num_vars", "names", "bounds"}`` over the parameter table
(:data:`sim.core.params.TABLE`); the methods are described in :mod:`sim.explore.sensitivity`.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sim.core import outcomes as declared
from sim.core.params import TABLE
from sim.errors import UserError
from sim.inputs.files import read_yaml
from sim.inputs.scenario import Scenario

METHODS: tuple[str, ...] = ("sobol", "morris")

#: Outcomes that can be analysed (tag ``sensitivity`` of :mod:`sim.core.outcomes`): a per-run
#: outcome column, or for a day of a first event its restricted mean
#: (:mod:`sim.explore.replicates`, a run without it counting the whole period) → (label, unit,
#: the question a figure panel answers). :data:`DEFAULT_OUTCOMES` come first and are analysed
#: unless told otherwise.
OUTCOMES: dict[str, tuple[str, str, str]] = {
    o.name: (o.label, o.unit, o.question)
    for o in sorted(
        (o for o in (*declared.DECLARED, *declared.RESTRICTED_MEANS.values())
         if "sensitivity" in o.tags and o.kind != declared.TIME_TO_EVENT),
        key=lambda o: "sensitivity_default" not in o.tags,
    )
}  # fmt: skip
#: Outcomes analysed unless told otherwise (tag ``sensitivity_default``).
DEFAULT_OUTCOMES: tuple[str, ...] = tuple(o.name for o in declared.tagged("sensitivity_default"))
#: Why an engine outcome is not offered: an average is defined only in some runs
#: (``lull_after_response``: where the US struck), so undefined in a parameter set where no
#: replicate defines it, and the variance decomposition needs a value in every row.
NOT_ANALYSED: dict[str, str] = {
    name: "defined only in some runs (NaN elsewhere), so not in every parameter set; the "
    "variance decomposition needs a value in every row"
    for name in declared.of_kind(declared.AVERAGE)
}


def parse_outcome_list(text: str) -> list[str]:
    """Split ``a,b,c`` (or ``all``) into analysed outcomes, refusing empty items, duplicates
    and names not in :data:`OUTCOMES`."""
    if text.strip() == "all":
        return list(OUTCOMES)
    names = [s.strip() for s in text.split(",")]
    if not text.strip() or any(not s for s in names):
        raise UserError(f"--outcomes: empty outcome name in '{text}'")
    for s in names:
        if s in NOT_ANALYSED:
            raise UserError(f"--outcomes: '{s}' cannot be analysed: {NOT_ANALYSED[s]}")
        if s not in OUTCOMES:
            close = difflib.get_close_matches(s, list(OUTCOMES), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise UserError(
                f"--outcomes: unknown outcome '{s}'{hint} (choose from all, {', '.join(OUTCOMES)})"
            )
    if len(set(names)) != len(names):
        raise UserError(f"--outcomes: an outcome is listed twice in '{text}'")
    return names


SOBOL_COLUMNS = ("outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf")
MORRIS_COLUMNS = ("outcome", "parameter", "mu_star", "mu_star_conf", "sigma", "mu")

#: Morris grid levels (the usual choice, Campolongo et al. 2007).
MORRIS_LEVELS = 4
#: Smallest base sample / number of trajectories accepted.
MIN_N = 4
#: Largest bounds file read (sensitivity's and explore's).
MAX_BOUNDS_BYTES = 1_000_000


def unknown_parameter_error(name: str, what: str = "parameter") -> UserError:
    """A :class:`UserError` naming an unknown parameter and the closest table names."""
    close = difflib.get_close_matches(name, list(TABLE), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return UserError(
        f"unknown {what} {name!r}{hint} (`escalation params` lists the {len(TABLE)} names)"
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
    data = read_yaml(path, "bounds file", MAX_BOUNDS_BYTES)
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
