"""The rolling-origin evaluation of the pre-registered protocol (``escalation validate``;
``docs/validation.md``).

At each origin (:data:`sim.validation.protocol.ORIGINS`):

1. the **visible record** (:func:`sim.validation.observed.visible_record`: the rows that ended
   and were published before the origin) gives the monthly table the baselines are fitted on,
   rebuilt from those rows (:func:`sim.validation.observed.visible_table`);
2. the **baselines** (:mod:`sim.validation.forecasters`) are refitted on it and sample the
   next months in both modes (:func:`sim.validation.rolling.rolling_forecasts`, the forecast
   window's US strikes taken from the whole record's table in the given mode);
3. each **agent model** (:class:`AgentModel`) gets its posterior: the calibration on the
   visible monthly table (:func:`sim.calibration.monthly_fit.calibrate_monthly`) or a fixed one
   (the shipped five-article posterior), and forecasts by a branch conditioned on the visible
   history (:func:`sim.validation.agent.agent_forecasts`).

Every forecast is then scored against the whole record's monthly table
(:func:`sim.validation.observed.observed_table`) by :mod:`sim.validation.forecast_scores`, and
the result is an :class:`sim.validation.results.Evaluation` (tables, figures, report,
``save``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from sim.calibration.monthly_fit import calibrate_monthly
from sim.inputs.posterior import posterior_draws, shipped_posterior_path
from sim.inputs.record import Record, load_record
from sim.inputs.scenario import Scenario
from sim.validation.agent import (
    agent_forecasts,
    agent_seed,
    calibration_targets,
    forcing_events,
)
from sim.validation.forecasters import Forecaster, baselines
from sim.validation.observed import observed_table, visible_record, visible_table
from sim.validation.protocol import HORIZONS, SERIES
from sim.validation.results import Evaluation
from sim.validation.rolling import Forecast, rolling_forecasts, score_forecasts, visible_history
from sim.validation.settings import FULL, EvaluationSettings

#: Name of the agent model calibrated at every origin, and of the five-article one.
AGENT, AGENT_ARTICLES = "agent", "agent_articles"

#: ``progress(done, total, line)``: called after each origin.
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class AgentModel:
    """An agent model of the evaluation: a name and its posterior, or None to calibrate it on
    the visible record at every origin."""

    name: str
    posterior: pd.DataFrame | None = None


def default_agents() -> tuple[AgentModel, ...]:
    """The protocol's agent models: calibrated at each origin, and the shipped five-article
    posterior (``sim/data/posterior.csv``)."""
    return (
        AgentModel(AGENT),
        AgentModel(AGENT_ARTICLES, posterior_draws(shipped_posterior_path())),
    )


def observed_frame(record: Record) -> pd.DataFrame:
    """The documented monthly series of the protocol, long: series, month, best, low, high, and
    the US strikes a month."""
    table = observed_table(record)
    rows = []
    for name in SERIES:
        obs = table.series[name]
        for i, m in enumerate(table.months):
            rows.append((name, m, obs.best[i], obs.low[i], obs.high[i], table.strikes[i]))
    return pd.DataFrame(rows, columns=["series", "month", "best", "low", "high", "us_strikes"])


def evaluate(
    record: Record | None = None,
    settings: EvaluationSettings = FULL,
    agents: Sequence[AgentModel] | None = None,
    forecasters: Mapping[str, Forecaster] | None = None,
    progress: Progress | None = None,
    setting: Scenario | None = None,
    command: str = "",
) -> Evaluation:
    """Run the rolling-origin evaluation (the module docstring).

    Parameters
    ----------
    record : the record (default: the packaged one, ``load_record("full")``)
    settings : origins, samples, seed and the calibration budget (:data:`FULL`: the protocol)
    agents : the agent models (default :func:`default_agents`)
    forecasters : the baselines by name (default: the protocol's,
        :func:`sim.validation.forecasters.baselines`)
    progress : called after each origin with (origins done, origins, a line)
    setting : the agent models' history setting (default: the packaged one)
    command : the command line, for the report and manifest
    """
    t0 = time.perf_counter()
    record = record if record is not None else load_record("full")
    agents = default_agents() if agents is None else tuple(agents)
    forecasters = baselines() if forecasters is None else dict(forecasters)
    observed = observed_table(record)
    forecasts: list[Forecast] = []
    calibration: list[pd.DataFrame] = []
    timings: list[dict[str, object]] = []
    seeds: dict[str, object] = {"protocol": settings.seed, "calibration": {}, "forecast": {}}
    n = len(settings.origins)
    for k, origin in enumerate(settings.origins):
        t = time.perf_counter()
        visible = visible_record(record, origin)
        vtable = visible_table(visible, origin)
        t_table = time.perf_counter() - t

        t = time.perf_counter()
        forecasts += rolling_forecasts(
            observed, forecasters, origins=[origin], samples=settings.samples,
            seed=settings.seed, history=lambda o, s, vt=vtable: visible_history(vt, s, o),
        )  # fmt: skip
        t_base = time.perf_counter() - t

        events = forcing_events(visible.events, record.events, origin)
        t_cal = t_agent = 0.0
        for agent in agents:
            posterior = agent.posterior
            if posterior is None:
                t = time.perf_counter()
                cseed = agent_seed(settings.seed, agent.name, origin, "calibration")
                fit = calibrate_monthly(visible.events, calibration_targets(vtable), cseed,
                                        settings.calibration)  # fmt: skip
                t_cal += time.perf_counter() - t
                posterior = fit.posterior
                summ = fit.summary()
                summ.insert(0, "origin", origin)
                summ.insert(1, "model", agent.name)
                summ["targets"] = int(fit.targets.used().sum())
                summ["simulations"] = fit.simulations
                summ["seconds"] = round(fit.seconds, 2)
                summ["final_distance"] = fit.abc.last.epsilon
                summ["stop"] = fit.abc.stop_reason
                calibration.append(summ)
                seeds["calibration"][f"{agent.name} {origin}"] = cseed
            t = time.perf_counter()
            fseed = agent_seed(settings.seed, agent.name, origin, "forecast")
            seeds["forecast"][f"{agent.name} {origin}"] = fseed
            forecasts += agent_forecasts(agent.name, posterior, events, vtable, origin,
                                         HORIZONS, settings.samples, fseed,
                                         settings.filter_months, settings.filter_factor,
                                         setting)  # fmt: skip
            t_agent += time.perf_counter() - t
        row = {"origin": origin, "visible_table_s": t_table, "baselines_s": t_base,
               "calibration_s": t_cal, "agent_forecasts_s": t_agent,
               "total_s": t_table + t_base + t_cal + t_agent}  # fmt: skip
        timings.append(row)
        if progress is not None:
            progress(k + 1, n, f"origin {origin}: {row['total_s']:.1f} s (calibration "
                               f"{t_cal:.1f} s, agent forecasts {t_agent:.1f} s, baselines "
                               f"{t_base:.1f} s, visible table {t_table:.1f} s)")  # fmt: skip
    scores = score_forecasts(forecasts, observed)
    cal = pd.concat(calibration, ignore_index=True) if calibration else pd.DataFrame()
    return Evaluation(
        settings=settings,
        scores=scores,
        observed=observed_frame(record),
        calibration=cal,
        timings=pd.DataFrame(timings),
        agents=tuple(a.name for a in agents),
        seconds=time.perf_counter() - t0,
        record={"name": record.name, "key": record.key},
        seeds=seeds,
        command=command,
    )
