"""What a calibration simulates: the documented windows with their settings, the US actions
and the militias' declared truces of the record forced, as in a replay
(:data:`sim.history.replay.REPLAY_FORCE`, :func:`sim.history.replay.forcing_from_record`), and
the statistics read from the simulated traces."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.calibration.settings import SEGMENTS
from sim.calibration.statistics import Statistic, build_statistics
from sim.errors import UserError
from sim.experiments.sampling import build_params
from sim.history.replay import REPLAY_FORCE, Trace, forcing_from_record, simulate, window
from sim.inputs.scenario import Scenario


@dataclass
class Design:
    """What a calibration simulates: windows, their settings and forcing, the statistics."""

    stats: list[Statistic]
    ends: dict[str, dt.date]
    settings: dict[str, Scenario] = field(default_factory=dict)
    forcings: dict = field(default_factory=dict)

    @classmethod
    def from_record(cls, events: pd.DataFrame, periods: pd.DataFrame, until: dt.date) -> Design:
        stats, ends = build_statistics(events, periods, until)
        if not stats:
            raise UserError(f"the record has no usable statistics up to {until}")
        d = cls(stats, ends)
        for seg in SEGMENTS:
            if seg.name in ends:
                setting = window(seg.setting(), seg.start, ends[seg.name])
                d.settings[seg.name] = setting
                d.forcings[seg.name] = forcing_from_record(
                    events, seg.start, setting.days, REPLAY_FORCE
                )
        return d

    def simulate(
        self, values: dict[str, np.ndarray], n: int, rng: np.random.Generator
    ) -> dict[str, Trace]:
        """One run per parameter vector in every window (the setting's own parameters, such as
        the 2024 drone share, apply unless ``values`` sets them)."""
        out = {}
        for name, setting in self.settings.items():
            p = build_params(setting, n, rng, overrides=values, posterior=False)
            out[name] = simulate(setting, p, rng, forcing=self.forcings[name], tally=False)
        return out

    def statistics(self, traces: dict[str, Trace]) -> np.ndarray:
        """Simulated statistics, shape (N, S)."""
        return np.column_stack([s.fn(traces[s.segment]) for s in self.stats])
