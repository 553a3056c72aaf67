"""escalation-sim: an agent-based model of US–Iran–militia escalation in Iraq.

One rulebook (:mod:`sim.core.rules`) drives two engines (:mod:`sim.engines.mesa.model` for one
inspectable Mesa
run, :mod:`sim.engines.ensemble` for N runs as arrays) and the calibration.

The public Python API (:mod:`sim.api`, docs/api.md) is exported from here and imported on first
use, so that ``import sim`` stays cheap::

    import sim
    runs = sim.simulate("baseline", "do_nothing", runs=200, seed=1)
    cmp = sim.compare("baseline", ["do_nothing", "strike_syria"], runs=200, seed=1)
"""

from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("escalation-sim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

#: Names exported from :mod:`sim.api` (imported when first used).
API = (
    "Branch",
    "Calibration",
    "Comparison",
    "EscalationModel",
    "Replay",
    "Runs",
    "branch",
    "calibrate",
    "compare",
    "load_scenario",
    "model_function",
    "replay",
    "run",
    "simulate",
    "validate",
)

__all__ = ["__version__", *API]


def __getattr__(name: str) -> Any:
    """Import :mod:`sim.api` on first use of one of its names."""
    if name in API:
        import importlib

        # imported by name: the package's modules import ``sim`` for its version, and the
        # layers (.importlinter) put the API above them
        return getattr(importlib.import_module("sim.api"), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *API})
