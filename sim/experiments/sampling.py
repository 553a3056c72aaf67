"""Seeds and parameter draws: the reproducibility contract.

* An experiment seed ``S`` and a chunk index ``c`` define everything about that chunk:
  ``SeedSequence(S, spawn_key=(c, 0))`` seeds the simulation's uniform draws and
  ``SeedSequence(S, spawn_key=(c, 1))`` seeds the choice of parameter draws. The policy does
  not enter, so run k sees the same draws under every policy (common random numbers), and the
  chunk does not depend on which worker or executor runs it.
* Parameters: the table's defaults, replaced by draws from the calibrated posterior where the
  scenario asks for it (``posterior: true``, the default: the shipped ``sim/data/posterior.csv``;
  or ``posterior: path/to/file.csv``), then by the scenario's own ``params`` (a value the user
  fixes is fixed in every run). A posterior that is missing or malformed is an error naming the
  file (:class:`sim.inputs.posterior.PosteriorError`), never a silent fall-back to the
  defaults.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.params import TABLE, Params
from sim.errors import UserError
from sim.inputs import posterior as posterior_io
from sim.inputs.packaged import file_sha256
from sim.inputs.scenario import Scenario


def chunk_seed(seed: int, chunk: int, stream: int) -> np.random.SeedSequence:
    """The seed sequence of one stream (0 draws, 1 parameters) of one chunk."""
    return np.random.SeedSequence(int(seed), spawn_key=(int(chunk), int(stream)))


def chunk_rngs(seed: int, chunk: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Generators ``(draws, parameters)`` of a chunk (see module docstring)."""
    return (
        np.random.default_rng(chunk_seed(seed, chunk, 0)),
        np.random.default_rng(chunk_seed(seed, chunk, 1)),
    )


def posterior_path(scenario: Scenario) -> Path | None:
    """The posterior file a scenario draws from: its own path, the shipped one (``posterior:
    true``), or None (``posterior: false``: the table's defaults)."""
    if scenario.posterior is False:
        return None
    if isinstance(scenario.posterior, str):
        return Path(scenario.posterior)
    return posterior_io.shipped_posterior_path()


def posterior_sha256(scenario: Scenario | None = None) -> str | None:
    """SHA-256 of the posterior file a scenario uses (default: the shipped one), or None."""
    path = posterior_io.shipped_posterior_path() if scenario is None else posterior_path(scenario)
    return None if path is None else file_sha256(path)


def scenario_posterior(scenario: Scenario) -> pd.DataFrame | None:
    """The posterior a scenario draws from, or None for ``posterior: false``."""
    path = posterior_path(scenario)
    return None if path is None else posterior_io.posterior_draws(path)


def build_params(
    scenario: Scenario,
    n: int,
    rng: np.random.Generator,
    overrides: dict[str, float | np.ndarray] | None = None,
    posterior: pd.DataFrame | bool | None = True,
) -> Params:
    """Parameters for ``n`` runs of a scenario.

    Parameters
    ----------
    rng : the chunk's parameter generator (:func:`chunk_rngs`)
    overrides : values that win over everything (for example a sensitivity design)
    posterior : a posterior table to draw from, True for the scenario's (the shipped one, or
        the file its ``posterior`` names; none if it says false), or False for the table's
        defaults
    """
    values: dict[str, float | np.ndarray] = {}
    post = None
    if posterior is True:
        post = scenario_posterior(scenario)
    elif isinstance(posterior, pd.DataFrame):
        post = posterior
    if post is not None and len(post):
        rows = rng.integers(0, len(post), size=n)
        for col in post.columns:
            values[col] = post[col].to_numpy(dtype=float)[rows]
    values.update(scenario.params)
    values.update(overrides or {})
    return Params.build(n, values)


def model_params(scenario: Scenario, rng: int | np.random.Generator | None) -> Params:
    """Parameters of one Mesa run (:class:`sim.engines.mesa.model.EscalationModel`) drawn as
    the ensemble draws them (:func:`build_params`: posterior, then the scenario's ``params``).

    ``rng``: an integer seed draws from the parameter stream of chunk 0 of that seed
    (:func:`chunk_rngs`); a generator gives a child stream (its own draws are not used up);
    None draws from fresh entropy.
    """
    if isinstance(rng, np.random.Generator):
        prng = rng.spawn(1)[0]
    elif rng is None:
        prng = np.random.default_rng()
    else:
        prng = chunk_rngs(int(rng), 0)[1]
    return build_params(scenario, 1, prng)


def held_values(scenario: Scenario) -> dict[str, float]:
    """Values of parameters a study does not vary: the posterior's medians (if the scenario
    draws from one), then the scenario's ``params`` (the table's defaults for the rest)."""
    post = scenario_posterior(scenario)
    values: dict[str, float] = {}
    if post is not None:
        values = {c: float(np.median(post[c].to_numpy(dtype=float))) for c in post.columns}
    values.update(scenario.params)
    return values


# --- the dashboard's parameters ---------------------------------------------------------------

#: Where a starting value comes from (:func:`start_values`).
SOURCE_SCENARIO, SOURCE_POSTERIOR, SOURCE_TABLE = "scenario", "posterior median", "table default"


def start_values(scenario: Scenario, names: Iterable[str]) -> dict[str, tuple[float, str]]:
    """The value a control of each parameter starts at, and where it comes from.

    The scenario's ``params`` first, then the median of its posterior, then the table's
    default. A control left at this value does not override the parameter
    (:func:`dashboard_params`).
    """
    post = scenario_posterior(scenario)
    out: dict[str, tuple[float, str]] = {}
    for name in names:
        if name not in TABLE:
            raise UserError(f"unknown parameter '{name}'")
        if name in scenario.params:
            out[name] = (float(scenario.params[name]), SOURCE_SCENARIO)
        elif post is not None and name in post.columns:
            out[name] = (float(np.median(post[name].to_numpy(dtype=float))), SOURCE_POSTERIOR)
        else:
            out[name] = (float(TABLE[name].default), SOURCE_TABLE)
    return out


def moved_controls(scenario: Scenario, controls: Mapping[str, float | None]) -> dict[str, float]:
    """The controls that override their parameter: parameter name -> value.

    ``controls`` maps parameter names to the values the controls show (None: not shown or not
    touched). A control still at its starting value (:func:`start_values`, within 1e-9
    relative) has not been moved and overrides nothing.
    """
    start = start_values(scenario, [k for k, v in controls.items() if v is not None])
    return {
        k: float(v)
        for k, v in controls.items()
        if v is not None and not math.isclose(float(v), start[k][0], rel_tol=1e-9, abs_tol=1e-12)
    }


def dashboard_params(
    scenario: Scenario,
    controls: Mapping[str, float | None],
    n: int,
    rng: np.random.Generator,
) -> tuple[Params, dict[str, float]]:
    """Parameters of the dashboard's runs, and the values its controls override.

    A control that has not been moved (:func:`moved_controls`) overrides nothing: that
    parameter comes from the scenario and the posterior as in every other command
    (:func:`build_params`). A moved control fixes its parameter in every run.

    Returns
    -------
    params : for ``n`` runs
    overridden : parameter name -> value, for the controls that were moved (the page lists
        them)
    """
    overridden = moved_controls(scenario, controls)
    return build_params(scenario, n, rng, overrides=dict(overridden)), overridden
