"""The Mesa model: one run, inspectable day by day (the readable reference engine).

The actors (:mod:`sim.engines.mesa.agents`) own their state and call the rulebook; this module only
says in
which order they move. The ensemble engine (:mod:`sim.engines.ensemble`) follows the same order for
N
runs at once, and a test checks that the two agree in distribution.
"""

from __future__ import annotations

from types import SimpleNamespace

import mesa
import numpy as np

from sim.core import rules
from sim.core.ladder import SEV_LETHAL
from sim.core.params import GROUPS, Params
from sim.core.policies import Policy, get_policy
from sim.engines.ensemble import DayEvents, Result, Tally
from sim.engines.mesa.agents import Iran, IraqiGovernment, Militia, UnitedStates
from sim.experiments.sampling import model_params
from sim.inputs.scenario import Scenario, scenario_from_dict

DEFAULT_SCENARIO = {"name": "default", "start": "2019-10-01", "days": 365}


class EscalationModel(mesa.Model):
    """US–Iran–militia–Iraq escalation, one run with a daily time step.

    Each day (:meth:`step`): exogenous shocks; Iran sets its push and may strike directly;
    the militias, in random order, decide on attacks; the United States remembers, decides
    (its policy) and acts after a delay; the Iraqi government reacts; then every actor updates
    its state.

    Parameters
    ----------
    scenario : the validated scenario (period, shocks, initial state), kept as ``config``
        (Mesa reserves ``scenario``); a default one-year
        scenario from 1 October 2019 if None
    policy : a policy instance or registered name (default: the scenario's)
    params : parameters for one run (default: drawn as the ensemble draws them, from the
        scenario's posterior and ``params``: :func:`sim.experiments.sampling.model_params`)
    rng : seed or generator for Mesa's ``Model(rng=...)``
    forced_us : optional US action codes per day that replace the policy (replay)
    collect : whether the DataCollector records every day (the dashboard needs it; batch runs
        do not)
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        policy: Policy | str | None = None,
        params: Params | None = None,
        rng: int | np.random.Generator | None = None,
        forced_us: np.ndarray | None = None,
        collect: bool = True,
    ) -> None:
        super().__init__(rng=rng)
        self.collect = collect
        self.config = scenario or scenario_from_dict(DEFAULT_SCENARIO)
        sc = self.config
        pol = policy if policy is not None else sc.policy
        self.policy = get_policy(pol) if isinstance(pol, str) else pol
        self.p = params if params is not None else model_params(sc, rng)
        self.n_groups = len(GROUPS)
        self.shocks = sc.shock_arrays()
        self.forced_us = forced_us
        self.layout = rules.slot_layout(self.n_groups)
        self.k = rules.n_slots(self.n_groups)
        self.t = 0
        init = sc.initial
        self.iran = Iran(self, init.iran_grievance, init.iran_fear)
        for i, name in enumerate(GROUPS):
            Militia(self, i, name, init.militia_grievance, init.militia_fear)
        ad = self.p.air_defence_initial if init.air_defence is None else [init.air_defence]
        ex = self.p.exposure_initial if init.exposure is None else [init.exposure]
        self.us = UnitedStates(self, self.policy, ad, ex)
        self.iraq = IraqiGovernment(self, init.iraq_pressure, init.expulsion_voted)
        self.militias = self.agents_by_type[Militia]
        self.tally = Tally(1, sc.days, keep_daily=True)
        self.today: SimpleNamespace = SimpleNamespace()
        self.last: DayEvents | None = None
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "attacks": lambda m: int((m.last.severity > 0).sum()) if m.last else 0,
                "rung": lambda m: int(m.last.rung[0]) if m.last else 0,
                "us_killed_total": lambda m: int(m.us.cum_killed[0]),
                "us_wounded_total": lambda m: int(m.tally.out["us_wounded"][0]),
                "us_strikes_total": lambda m: int(m.tally.out["us_strikes"][0]),
                "iran_grievance": lambda m: float(m.iran.grievance[0]),
                "iran_push": lambda m: float(m.iran.push[0]),
                "iraq_pressure": lambda m: float(m.iraq.pressure[0]),
                "air_defence": lambda m: float(m.us.air_defence[0]),
            },
            agent_reporters={
                "grievance": lambda a: float(a.grievance[0]) if isinstance(a, Militia) else None,
                "fear": lambda a: float(a.fear[0]) if isinstance(a, Militia) else None,
            },
        )
        if collect:
            self.datacollector.collect(self)

    def _new_day(self) -> SimpleNamespace:
        u = self.rng.random((1, self.k))
        g = self.n_groups
        return SimpleNamespace(
            u={
                name: (u[:, s] if s.stop - s.start > 1 else u[:, s.start])
                for name, s in self.layout.items()
            },
            shock={name: series[self.t] for name, series in self.shocks.items()},
            attacked=np.zeros((1, g), dtype=bool),
            severity=np.zeros((1, g), dtype=np.int64),
            killed=np.zeros((1, g), dtype=np.int64),
            wounded=np.zeros((1, g), dtype=np.int64),
            named=np.zeros((1, g), dtype=bool),
        )

    def step(self) -> None:
        """Advance one day: shocks, Iran, militias, United States, Iraq, then state updates."""
        if self.t >= self.config.days:
            self.running = False
            return
        day = self.today = self._new_day()
        self.iran.act()
        self.militias.shuffle_do("act")
        day.total_killed = day.killed.sum(axis=1) + day.iran_killed
        day.lethal_today = (day.severity == SEV_LETHAL).any(axis=1)
        self.us.respond()
        self.iraq.react()
        self.militias.do("update")
        self.iran.update()
        self.us.update()
        rung = rules.rung_today(
            day.severity, day.protested, day.us_action, day.iran_struck, self.us.war
        )
        self.last = DayEvents(
            day.severity,
            day.total_killed,
            day.wounded.sum(axis=1) + day.iran_wounded,
            day.iran_struck,
            day.us_action,
            day.prosecuted,
            day.protested,
            rung,
        )
        state = SimpleNamespace(voted=self.iraq.voted, withdrawn=self.us.withdrawn, war=self.us.war)
        self.tally.add(self.t, self.last, state)
        self.t += 1
        if self.collect:
            self.datacollector.collect(self)
        if self.t >= self.config.days:
            self.running = False

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

    Run i uses parameter row i and an integer seed drawn from ``rng``, so the call is
    reproducible. Same signature and result as :func:`sim.engines.ensemble.run_ensemble`. (An
    integer
    seed makes Mesa's generator draw exactly what ``run_ensemble`` with one run and
    ``np.random.default_rng(seed)`` draws, which the engine-equivalence test uses.)
    """
    seeds = rng.integers(0, 2**63 - 1, size=params.n)
    outs, dailies = [], []
    for i in range(params.n):
        m = EscalationModel(
            scenario, policy, params.take(slice(i, i + 1)), rng=int(seeds[i]), collect=False
        )
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
