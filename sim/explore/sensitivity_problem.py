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

from sim.core.params import TABLE
from sim.errors import UserError
from sim.inputs.files import read_yaml
from sim.inputs.scenario import Scenario

METHODS: tuple[str, ...] = ("sobol", "morris")

#: Outcomes that can be analysed: a per-run outcome column (sim.engines.ensemble.OUTCOMES) or a
#: restricted mean of one (sim.explore.replicates) → (short label, unit, the question a figure
#: panel answers). :data:`DEFAULT_OUTCOMES` are analysed unless told otherwise.
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
    # more outcomes, analysed when named (--outcomes); the days to a first event as the
    # restricted mean over the period (sim.explore.replicates), a run without it counting
    # the whole period
    "war": ("P(US–Iran war)", "probability", "Which assumptions drive the chance of war?"),
    "days_to_war_restricted_mean": (
        "restricted mean days to war",
        "days, censored at the period's end",
        "Which assumptions drive how soon the US–Iran war begins?",
    ),
    "days_to_iran_strike_restricted_mean": (
        "restricted mean days to an Iranian strike",
        "days, censored at the period's end",
        "Which assumptions drive how soon Iran strikes US forces directly?",
    ),
    "days_to_withdrawal_restricted_mean": (
        "restricted mean days to withdrawal",
        "days, censored at the period's end",
        "Which assumptions drive how soon US forces withdraw from Iraq?",
    ),
    "first_death_day_restricted_mean": (
        "restricted mean days to the first US death",
        "days, censored at the period's end",
        "Which assumptions drive how soon an American is killed?",
    ),
    "deal_reached": (
        "P(regional deal)",
        "probability",
        "Which assumptions drive the chance of a regional deal?",
    ),
    "withdrawal_negotiated": (
        "P(negotiated withdrawal)",
        "probability",
        "Which assumptions drive the chance of a negotiated US withdrawal?",
    ),
    "truce_days": ("truce days", "days", "Which assumptions drive the days of militia truce?"),
    "iraqi_harmed": (
        "Iraqis harmed",
        "killed or wounded",
        "Which assumptions drive the harm to Iraqi civilians and security forces?",
    ),
    "militia_killed": (
        "militia killed",
        "fighters killed",
        "Which assumptions drive the militia fighters killed by US strikes?",
    ),
    "coalition_killed": (
        "coalition killed",
        "people killed",
        "Which assumptions drive the deaths of coalition members and contractors?",
    ),
    "coalition_wounded": (
        "coalition wounded",
        "people wounded",
        "Which assumptions drive the wounded among coalition members and contractors?",
    ),
    "misdirected_strikes": (
        "misdirected strikes",
        "strikes",
        "Which assumptions drive US strikes on the wrong militia group?",
    ),
}
#: Outcomes analysed unless told otherwise.
DEFAULT_OUTCOMES: tuple[str, ...] = (
    "direct_exchange",
    "us_killed",
    "attacks_total",
    "us_strikes",
    "max_rung",
)
#: Why an engine outcome is not offered (``lull_after_response``: defined only in runs where
#: the US struck, so undefined in a parameter set where no replicate struck, and the variance
#: decomposition needs a value in every row).
NOT_ANALYSED: dict[str, str] = {
    "lull_after_response": "defined only in runs where the US struck (NaN elsewhere), so not "
    "in every parameter set; the variance decomposition needs a value in every row",
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
