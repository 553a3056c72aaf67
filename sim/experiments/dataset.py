"""An experiment's per-run outcomes and daily series as an :class:`xarray.Dataset`, written as
NetCDF or Zarr on request, for researchers who work in xarray.

One variable per outcome of :mod:`sim.core.outcomes` over ``policy × run`` (its ``units``,
``long_name`` and ``description`` from the declaration), and, when the daily series were kept
(``keep_daily``), one variable per daily series over ``policy × run × day`` named
``daily_<series>`` (:data:`sim.core.layout.DAILY`), with the calendar date of each day as a
coordinate. The manifest (the run's provenance) is the attribute ``manifest`` (JSON text:
NetCDF attributes hold only numbers and text), the scenario, seed and runs attributes of their
own.

xarray, and h5netcdf or zarr for the files, are the optional extra ``xarray``
(``pip install 'escalation-sim[xarray]'``); without them only this module's functions fail,
naming the extra.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.core import outcomes as declared
from sim.errors import UserError

if TYPE_CHECKING:
    import xarray as xr

    from sim.inputs.scenario import Scenario

#: The file formats of :func:`save_xarray`, and the name each writes.
XARRAY_FORMATS: dict[str, str] = {"netcdf": "results.nc", "zarr": "results.zarr"}

#: Units of the daily series (:data:`sim.core.layout.DAILY`).
DAILY_UNITS: dict[str, str] = {
    "attacks": "militia attacks per day",
    "us_casualties": "Americans killed or wounded per day",
    "rung": "highest rung of the escalation ladder that day",
    "us_strikes": "US strikes per day",
}


def _xarray() -> Any:
    try:
        import xarray
    except ImportError:
        raise UserError(
            "results as xarray need the optional extra: pip install 'escalation-sim[xarray]'"
        ) from None
    return xarray


#: The packages each format needs, beside xarray.
FORMAT_PACKAGES: dict[str, tuple[str, ...]] = {"netcdf": ("h5netcdf", "h5py"), "zarr": ("zarr",)}


def require(fmt: str) -> None:
    """Refuse, before any work, a format that is unknown or whose packages are missing
    (:class:`sim.errors.UserError` naming the extra to install)."""
    import importlib.util

    if fmt not in XARRAY_FORMATS:
        raise UserError(f"format {fmt!r}: expected one of {', '.join(XARRAY_FORMATS)}")
    missing = [m for m in ("xarray", *FORMAT_PACKAGES[fmt]) if importlib.util.find_spec(m) is None]
    if missing:
        raise UserError(
            f"writing {fmt} needs {', '.join(missing)}: pip install 'escalation-sim[xarray]'"
        )


def to_dataset(
    runs: pd.DataFrame,
    daily: Mapping[str, Mapping[str, np.ndarray]] | None,
    scenario: Scenario,
    manifest: Mapping[str, Any],
) -> xr.Dataset:
    """The dataset of an experiment (module docstring).

    Parameters
    ----------
    runs : per-run outcomes, one row per policy × run (``outcomes.parquet``)
    daily : per policy, each daily series as a (days, runs) array, or None
    scenario : the scenario run (its dates)
    manifest : the run's provenance record
    """
    xr = _xarray()
    policies = list(pd.unique(runs["policy"]))
    run_ids = np.sort(pd.unique(runs["run"]))
    data_vars: dict[str, Any] = {}
    table = runs.set_index(["policy", "run"])
    for o in declared.DECLARED:
        if not o.engine or o.name not in table.columns:
            continue
        col = table[o.name].unstack("run").reindex(index=policies, columns=run_ids)
        data_vars[o.name] = xr.Variable(
            ("policy", "run"),
            col.to_numpy(),
            attrs={"units": o.unit, "long_name": o.label, "description": o.description},
        )
    coords: dict[str, Any] = {"policy": policies, "run": run_ids}
    if daily:
        first = next(iter(daily.values()))
        days = next(iter(first.values())).shape[0]
        coords["day"] = np.arange(days)
        coords["date"] = ("day", scenario.dates()[:days].astype("datetime64[ns]"))
        for name in first:
            arr = np.stack([np.asarray(daily[p][name]).T for p in policies])  # policy, run, day
            data_vars[f"daily_{name}"] = xr.Variable(
                ("policy", "run", "day"),
                arr,
                attrs={"units": DAILY_UNITS.get(name, "per day"), "long_name": name},
            )
    attrs = {
        "title": f"escalation-sim: {scenario.name}",
        "scenario": scenario.name,
        "start": str(scenario.start),
        "days": int(scenario.days),
        "seed": int(manifest.get("seed", -1)),
        "runs_per_policy": len(run_ids),
        "manifest": json.dumps(manifest, sort_keys=True, default=str),
    }
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


def save_xarray(ds: xr.Dataset, directory: Path, fmt: str) -> Path:
    """Write ``ds`` into ``directory`` as ``results.nc`` (``fmt="netcdf"``, HDF5-based NetCDF-4
    through h5netcdf) or ``results.zarr`` (``fmt="zarr"``). Returns the path written."""
    require(fmt)
    path = Path(directory) / XARRAY_FORMATS[fmt]
    if fmt == "netcdf":
        ds.to_netcdf(path, engine="h5netcdf")
    else:
        ds.to_zarr(path, mode="w")
    return path
