"""escalation-sim: an agent-based model of US–Iran–militia escalation in Iraq.

One rulebook (:mod:`sim.core.rules`) drives two engines (:mod:`sim.engines.mesa.model` for one
inspectable Mesa
run, :mod:`sim.engines.ensemble` for N runs as arrays) and the calibration.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("escalation-sim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"
