"""The Mesa model: one run, inspectable day by day (the readable reference engine).

The run's state is one row of the matrix of :mod:`sim.core.layout`; the actors
(:mod:`sim.engines.mesa.agents`) are views over it and each plays its own phases of the day
(:mod:`sim.core.day`). :meth:`EscalationModel.step` reads as the day: the phases in the order of
:func:`sim.core.day.run_day`, each called on the actor that plays it, so a run of this model and
run ``k`` of the ensemble engine with the same key are the same run, draw for draw.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.core import day, outcomes
from sim.core.draws import chunk_key, run_key
from sim.core.jit import announce_compile
from sim.core.layout import DAILY, DC, OC, SC, forcing_matrix, new_rows, shock_matrix
from sim.core.params import GROUPS, Params
from sim.core.policies import Policy, get_policy
from sim.core.state import DayEvents, Result, Tally, initial_rows
from sim.engines.mesa.agents import Iran, IraqiGovernment, Militia, UnitedStates
from sim.inputs.scenario import Scenario, scenario_from_dict

DEFAULT_SCENARIO = {"name": "default", "start": "2019-10-01", "days": 365}


def _so_far(o: outcomes.Outcome):
    """A DataCollector reporter: an outcome's value so far (its tally column)."""
    column = getattr(OC, o.name)
    if o.kind == outcomes.SHARE:
        return lambda m: bool(m.rows[0, column])
    return lambda m: int(m.rows[0, column])


def collector_name(o: outcomes.Outcome) -> str:
    """The DataCollector's name of an outcome's value so far (tag ``datacollector``): a sum
    over the days is a running total, ``<name>_total`` (``us_killed_total``; ``attacks_total``
    already says so); any other value (``war``, ``max_rung``) keeps the outcome's name."""
    summed = o.kind == outcomes.COUNT and "summed" in o.tally
    return f"{o.name}_total" if summed and not o.name.endswith("_total") else o.name


class EscalationModel(mesa.Model):
    """US–Iran–militia–Iraq escalation, one run with a daily time step.

    Each day (:meth:`step`): exogenous shocks; Iran sets its push and may strike directly;
    the militias, in random order, decide on attacks; the United States remembers, decides
    (its policy) and acts after a delay; the Iraqi government reacts; then every actor updates
    its state, and the day is tallied.

    Parameters
    ----------
    scenario : the validated scenario (period, shocks, initial state), kept as ``config``
        (Mesa reserves ``scenario``); a default one-year scenario from 1 October 2019 if None
    policy : a policy instance or registered name (default: the scenario's)
    params : parameters for one run (default: the table's defaults and the scenario's
        ``params``; :func:`sim.experiments.sampling.model_params` draws them as the ensemble
        does, from the scenario's posterior)
    rng : seed or generator for Mesa's ``Model(rng=...)``; the run's draw key comes from it
        unless ``key`` is given
    forced_us, forced_iran, forced_vote, forced_truce : optional per-day US action codes,
        Iranian strikes, expulsion votes and bitmasks of the groups in truce that replace the
        policy and the rules (replay of the record)
    collect : whether the DataCollector records every day (the dashboard needs it; batch runs
        do not): the day's ``attacks`` and ``rung``, the values so far of the outcomes tagged
        ``datacollector`` (:func:`collector_name`: ``attacks_total``, ``us_killed_total``,
        ``war``, ``max_rung`` ...), and a few state variables
    key, run : the chunk key and run index of the draws (:mod:`sim.core.draws`): run ``run``
        of an ensemble with chunk key ``key`` is this run
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        policy: Policy | str | None = None,
        params: Params | None = None,
        rng: int | np.random.Generator | None = None,
        forced_us: np.ndarray | None = None,
        collect: bool = True,
        forced_iran: np.ndarray | None = None,
        forced_vote: np.ndarray | None = None,
        key: int | None = None,
        run: int = 0,
        forced_truce: np.ndarray | None = None,
    ) -> None:
        super().__init__(rng=rng)
        announce_compile("day")
        self.collect = collect
        self.config = scenario or scenario_from_dict(DEFAULT_SCENARIO)
        sc = self.config
        pol = policy if policy is not None else sc.policy
        self.policy = get_policy(pol) if isinstance(pol, str) else pol
        self.p = params if params is not None else Params.build(1, sc.params)
        self.forced_us = forced_us
        self.rows = new_rows(self.p)
        initial_rows(self.rows, sc.initial)
        self.X = shock_matrix(sc.shock_arrays(), sc.days)
        self.F = forcing_matrix(sc.days, 1, forced_us, forced_iran, forced_vote, forced_truce)
        self.L = np.zeros((len(DAILY), sc.days, 1), dtype=np.int32)
        self.key = chunk_key(self.rng) if key is None else np.uint64(key)
        self.rk = np.uint64(run_key(self.key, run))
        self.t = 0
        self.iran = Iran(self)
        for i, name in enumerate(GROUPS):
            Militia(self, i, name)
        self.us = UnitedStates(self, self.policy)
        self.iraq = IraqiGovernment(self)
        self.militias = self.agents_by_type[Militia]
        self.tally = Tally(self.rows, self.L)
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "attacks": lambda m: int(m.rows[0, DC.attacks]),
                "rung": lambda m: int(m.rows[0, DC.rung]),
                **{collector_name(o): _so_far(o) for o in outcomes.tagged("datacollector")},
                "iran_grievance": lambda m: float(m.rows[0, SC.iran_grievance]),
                "iran_push": lambda m: float(m.rows[0, DC.push]),
                "iraq_pressure": lambda m: float(m.rows[0, SC.iraq_pressure]),
                "air_defence": lambda m: float(m.rows[0, SC.air_defence]),
            },
            agent_reporters={
                "grievance": lambda a: float(a.grievance[0]) if isinstance(a, Militia) else None,
                "fear": lambda a: float(a.fear[0]) if isinstance(a, Militia) else None,
            },
        )
        if collect:
            self.datacollector.collect(self)

    def step(self) -> None:
        """Advance one day: the phases of the day (:func:`sim.core.day.run_day`), in its order,
        each played by its actor; the militia groups act in a random order (the day's numbers
        do not depend on it, :mod:`sim.core.day`)."""
        if self.t >= self.config.days:
            self.running = False
            return
        self.begin_day()
        self.iran.iran_act()
        self.militias.shuffle_do("militia_act")
        self.count_day()
        self.attack_losses()
        self.us.us_observe()
        self.us.us_decide()
        self.us.us_act()
        self.iraq.iraq_react()
        self.red_line_update()
        self.militias.shuffle_do("militia_update")
        self.iran.iran_update()
        self.us.us_update()
        self.end_day()
        self.t += 1
        if self.collect:
            self.datacollector.collect(self)
        if self.t >= self.config.days:
            self.running = False

    # the phases no single actor plays -------------------------------------------------------
    def begin_day(self) -> None:
        """Clear today's events (:func:`sim.core.day.begin_day`)."""
        day.begin_day(0, self.rows)

    def count_day(self) -> None:
        """Count the day's attacks and US casualties (:func:`sim.core.day.count_day`)."""
        day.count_day(0, self.rows)

    def attack_losses(self) -> None:
        """The coalition members hurt by the day's attacks (:func:`sim.core.day.attack_losses`)."""
        day.attack_losses(0, self.t, self.rows, self.rk)

    def red_line_update(self) -> None:
        """The militias' shared reading of the US red line
        (:func:`sim.core.day.red_line_update`)."""
        day.red_line_update(0, self.rows)

    def end_day(self) -> None:
        """The day's rung and the tally (:func:`sim.core.day.end_day`)."""
        day.end_day(0, self.t, self.rows, self.L)

    @property
    def today(self) -> DayEvents:
        """Today's events of the run, typed (``model.today.severity`` of shape ``(1, G)``, one
        field per row of :data:`sim.core.layout.DAY`); after a step, that day's."""
        return DayEvents.from_rows(self.rows)

    @property
    def last(self) -> DayEvents | None:
        """The last day's events (None before the first step)."""
        return DayEvents.from_rows(self.rows) if self.t else None

    def result(self) -> Result:
        """Per-run outcomes and daily series so far, in the ensemble engine's format."""
        return Result(self.tally.out, self.tally.daily)


def run_mesa(
    scenario: Scenario,
    policy: Policy,
    params: Params,
    rng: np.random.Generator,
    keep_daily: bool = True,
) -> Result:
    """Run ``params.n`` Mesa models one after another and stack their outcomes.

    Same signature and result as :func:`sim.engines.ensemble.run_ensemble`: model ``i`` is run
    ``i`` of the chunk whose key comes from ``rng``, so both engines give the same numbers for
    the same generator, run for run.
    """
    key = chunk_key(rng)
    outs, dailies = [], []
    for i in range(params.n):
        m = EscalationModel(scenario, policy, params.take(slice(i, i + 1)), rng=i,
                            collect=False, key=key, run=i)  # fmt: skip
        for _ in range(scenario.days):
            m.step()
        r = m.result()
        outs.append(r.outcomes)
        dailies.append(r.daily)
    outcomes = {k: np.concatenate([o[k] for o in outs]) for k in outs[0]}
    daily = (
        {k: np.concatenate([d[k] for d in dailies], axis=1) for k in dailies[0]}
        if keep_daily
        else None
    )
    return Result(outcomes, daily)
