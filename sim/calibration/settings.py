"""The calibration's settings, in one place: the defaults of ``escalation calibrate`` and of
:func:`sim.calibration.calibrate.calibrate`, and the rule that marks a parameter as informed by
the record (its posterior 90% interval narrower than ``informed_width_ratio`` of its prior's;
``calibrate --write-posterior`` ships the verdicts as ``sim/data/informed.csv``, which the
parameter table reads)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CalibrationSettings:
    """Defaults of a calibration run."""

    particles: int = 1000  #: ABC population size
    generations: int = 8  #: ABC generations after the prior one (at most)
    rows: int = 2000  #: equally weighted posterior draws written
    min_acceptance: float = 0.03  #: ABC stops when a generation accepts less than this
    batch: int = 4000  #: particles simulated per engine call
    ppc_runs: int = 1000  #: runs of the posterior predictive check
    informed_width_ratio: float = 0.8  #: posterior / prior 90% width below which: informed


SETTINGS = CalibrationSettings()
