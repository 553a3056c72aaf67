"""Seeds and parameter draws: the reproducibility contract.

* An experiment seed ``S`` and a chunk index ``c`` define everything about that chunk:
  ``SeedSequence(S, spawn_key=(c, 0))`` seeds the simulation's uniform draws and
  ``SeedSequence(S, spawn_key=(c, 1))`` seeds the choice of parameter draws. The policy does
  not enter, so run k sees the same draws under every policy (common random numbers), and the
  chunk does not depend on which worker or executor runs it.
* Parameters: the table's defaults, replaced by the calibrated posterior where the scenario
  asks for it (``posterior: true``, the default) and the shipped file exists, then by the
  scenario's own ``params`` (a value the user fixes is fixed in every run).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from sim.core.params import TABLE, Params
from sim.inputs.scenario import Scenario

POSTERIOR_FILE = "posterior.csv"


def chunk_seed(seed: int, chunk: int, stream: int) -> np.random.SeedSequence:
    """The seed sequence of one stream (0 draws, 1 parameters) of one chunk."""
    return np.random.SeedSequence(int(seed), spawn_key=(int(chunk), int(stream)))


def chunk_rngs(seed: int, chunk: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Generators ``(draws, parameters)`` of a chunk (see module docstring)."""
    return (
        np.random.default_rng(chunk_seed(seed, chunk, 0)),
        np.random.default_rng(chunk_seed(seed, chunk, 1)),
    )


@lru_cache(maxsize=4)
def _load_posterior(path: str | None) -> pd.DataFrame | None:
    if path is None:
        ref = resources.files("sim") / "data" / POSTERIOR_FILE
        if not ref.is_file():
            return None
        df = pd.read_csv(ref.open("r", encoding="utf-8"))
    else:
        df = pd.read_csv(path)
    unknown = [c for c in df.columns if c not in TABLE]
    if unknown:
        raise ValueError(f"{path or POSTERIOR_FILE}: unknown parameter column '{unknown[0]}'")
    return df


def posterior_draws(path: str | None = None) -> pd.DataFrame | None:
    """The shipped calibrated posterior (one row per draw), or None if none is shipped."""
    return _load_posterior(path)


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
    posterior : a posterior table to draw from, True for the shipped one (if the scenario asks
        for it), or False for the table's defaults
    """
    values: dict[str, float | np.ndarray] = {}
    post = None
    if posterior is True and scenario.posterior:
        post = posterior_draws()
    elif isinstance(posterior, pd.DataFrame):
        post = posterior
    if post is not None and len(post):
        rows = rng.integers(0, len(post), size=n)
        for col in post.columns:
            values[col] = post[col].to_numpy(dtype=float)[rows]
    values.update(scenario.params)
    values.update(overrides or {})
    return Params.build(n, values)
