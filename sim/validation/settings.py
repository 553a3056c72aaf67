"""How ``escalation validate`` runs the pre-registered protocol: the full run and the quick one.

The protocol (:mod:`sim.validation.protocol`) fixes the origins, horizons, series, modes,
samples, seed, scores and baselines. What it leaves to the code is the agent model's
calibration budget at each origin (:data:`sim.calibration.settings.MONTHLY`) and how the run is
shown. :data:`FULL` is the protocol's run; :data:`QUICK` (``--quick``, the CI's smoke run)
scores fewer origins with fewer samples and a token calibration, so that it finishes in about
a minute: its scores are not the protocol's and are not read as results.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sim.calibration.settings import MONTHLY, MONTHLY_QUICK, MonthlyCalibrationSettings
from sim.validation.protocol import ORIGINS, SAMPLES, SEED


@dataclass(frozen=True)
class EvaluationSettings:
    """One way of running the evaluation."""

    #: how the run is named in the report
    name: str
    #: the forecast origins scored
    origins: tuple[dt.date, ...] = ORIGINS
    #: samples per series-month of every model (the agent model's runs)
    samples: int = SAMPLES
    #: the seed of every forecast and calibration
    seed: int = SEED
    #: the agent model's calibration budget at each origin
    calibration: MonthlyCalibrationSettings = MONTHLY
    #: the agent model's history before an origin is simulated ``filter_factor`` times over
    #: and the runs nearest the last ``filter_months`` visible months go on
    #: (:func:`sim.validation.agent.nearest_runs`): a quarter of the runs, nearest to the last
    #: quarter's counts (the origins are quarterly)
    filter_months: int = 3
    filter_factor: int = 4

    @property
    def is_protocol(self) -> bool:
        """Whether this is the pre-registered run (every origin, the protocol's samples)."""
        return self.origins == ORIGINS and self.samples == SAMPLES and self.seed == SEED


#: The pre-registered run.
FULL = EvaluationSettings("protocol")
#: ``--quick``: three origins (one early, one in the quiet middle, one in the 2023-24 campaign),
#: 200 samples, the calibration of :data:`sim.calibration.settings.MONTHLY_QUICK`, the history
#: simulated twice over.
QUICK = EvaluationSettings(
    "quick",
    origins=(dt.date(2020, 7, 1), dt.date(2022, 1, 1), dt.date(2023, 10, 1)),
    samples=200,
    calibration=MONTHLY_QUICK,
    filter_factor=2,
)
