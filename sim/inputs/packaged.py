"""Files shipped inside the package, found with :mod:`importlib.resources` (never beside it).

* ``sim/scenarios/*.yaml``: the shipped scenarios (the repository's top-level ``scenarios/`` is
  a link to this folder, so ``escalation run scenarios/baseline.yaml`` works in a checkout and
  ``escalation run baseline`` works anywhere);
* ``sim/data/history_setting.yaml``: the one history setting of replay, branch and calibration;
* ``sim/data/*.csv``: the event record, the period counts and the calibrated posterior.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

#: The history setting of replay, branch and calibration (in ``sim/data``).
HISTORY_SETTING_FILE = "history_setting.yaml"


def data_path(name: str) -> Path:
    """The path of a file in the package's ``sim/data`` folder (it may not exist)."""
    return Path(str(resources.files("sim").joinpath("data", name)))


def scenario_dir() -> Path:
    """The package's folder of shipped scenarios."""
    return Path(str(resources.files("sim").joinpath("scenarios")))


def scenario_names() -> list[str]:
    """Names of the shipped scenarios (file stems), sorted."""
    d = scenario_dir()
    return sorted(p.stem for p in d.glob("*.yaml")) if d.is_dir() else []


def scenario_path(name: str) -> Path | None:
    """The shipped scenario file of a name (``baseline``, ``late_2019`` ...), or None."""
    if name not in scenario_names():
        return None
    return scenario_dir() / f"{name}.yaml"


def history_setting_path() -> Path:
    """The packaged history setting file."""
    return data_path(HISTORY_SETTING_FILE)


def file_sha256(path: str | Path | None) -> str | None:
    """SHA-256 of a file's bytes, or None if it cannot be read or there is none (a scenario
    given as an object, not a file)."""
    if path is None:
        return None
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None
