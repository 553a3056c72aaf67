"""The ensemble engine: N runs advanced together as arrays.

It calls the rulebook (:mod:`sim.core.rules`) on arrays of shape ``(N,)`` and ``(N, G)``, in the
same
daily order as the Mesa model (:class:`sim.engines.mesa.model.EscalationModel`):

1. exogenous shocks on the timeline;
2. Iran: how hard it pushes its partners, and whether it strikes US forces directly;
3. militias: attacks, their severity, casualties and attribution;
4. United States: memory of unanswered attacks, the policy's decision, the response delay;
5. Iraqi government: prosecution, political pressure, protests, the expulsion vote;
6. state updates: excitation, grievance, fear, Iran's grievance and fear, deal progress,
   air defence, exposure, withdrawal, war.

Parameters may differ per run (:class:`sim.core.params.Params` of length N), so one call evaluates
many parameter draws. Random draws come in fixed slots (:func:`sim.core.rules.slot_layout`), so the
same generator gives the same draws under every policy (common random numbers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sim.core import ladder, rules
from sim.core.ladder import SEV_HARASSMENT, SEV_INJURY, SEV_LETHAL
from sim.core.params import GROUPS, Params
from sim.core.policies import Observation, Policy
from sim.inputs.scenario import InitialState, Scenario

#: Per-run outcome columns, with their meaning (also the Parquet schema).
OUTCOMES: dict[str, str] = {
    "attacks_total": "militia attacks on US forces in Iraq",
    "attacks_harassment": "attacks without casualties",
    "attacks_injury": "attacks that injured",
    "attacks_lethal": "attacks that killed Americans",
    "us_killed": "Americans killed (militia attacks and Iranian strikes)",
    "us_wounded": "Americans wounded",
    "strikes_syria": "US strikes in Syria",
    "strikes_iraq": "US strikes inside Iraq",
    "decapitations": "US decapitation strikes",
    "strikes_iran": "US strikes on Iranian forces",
    "us_strikes": "all US strikes",
    "press_baghdad": "US demands to Baghdad",
    "prosecutions": "militia members charged by Baghdad",
    "iran_strikes": "direct Iranian strikes on US forces",
    "protests": "days of protests or threats (rung 1)",
    "max_rung": "highest rung of the escalation ladder reached",
    "first_death_day": "day of the first US death (NaN if none)",
    "direct_exchange": "a direct US–Iran strike happened (either direction)",
    "expulsion_vote": "the Iraqi parliament voted to expel US forces",
    "withdrawal": "US forces withdrew from Iraq",
    "war": "a sustained US–Iran war began",
}
BOOL_OUTCOMES = ("direct_exchange", "expulsion_vote", "withdrawal", "war")

#: Daily series kept per run (shape (days, N)) for fan charts and streaming quantiles.
DAILY: tuple[str, ...] = ("attacks", "us_casualties", "rung", "us_strikes")


@dataclass
class State:
    """The state of N runs (shape ``(N,)``; militia arrays ``(N, G)``)."""

    excitation: np.ndarray
    grievance: np.ndarray
    fear: np.ndarray
    iran_grievance: np.ndarray
    iran_fear: np.ndarray
    deal_progress: np.ndarray
    air_defence: np.ndarray
    exposure: np.ndarray
    pending_severity: np.ndarray
    pending_group: np.ndarray
    pending_killed: np.ndarray
    pending_age: np.ndarray
    pending_iran: np.ndarray
    cum_killed: np.ndarray
    withdrawn: np.ndarray
    iraq_pressure: np.ndarray
    voted: np.ndarray
    exchanges: np.ndarray
    war: np.ndarray

    @classmethod
    def initial(cls, n: int, params: Params, init: InitialState) -> State:
        """The state on day 0 of ``n`` runs, from a scenario's initial conditions.

        The militias' initial grievance is given in strike-intensity units and converted as
        the grievance rule does (:func:`sim.core.rules.grievance_update`).
        """
        g = len(GROUPS)
        zeros = np.zeros(n)
        griev = np.broadcast_to(
            (init.militia_grievance * params.revenge_attacks / params.revenge_days)[:, None],
            (n, g),
        ).copy()
        ad = params.air_defence_initial if init.air_defence is None else zeros + init.air_defence
        ex = params.exposure_initial if init.exposure is None else zeros + init.exposure
        return cls(
            excitation=np.zeros((n, g)),
            grievance=griev,
            fear=np.full((n, g), init.militia_fear),
            iran_grievance=zeros + init.iran_grievance,
            iran_fear=zeros + init.iran_fear,
            deal_progress=zeros.copy(),
            air_defence=np.array(ad, dtype=float),
            exposure=np.array(ex, dtype=float),
            pending_severity=np.zeros(n, dtype=np.int64),
            pending_group=np.full(n, -1, dtype=np.int64),
            pending_killed=np.zeros(n, dtype=np.int64),
            pending_age=np.zeros(n, dtype=np.int64),
            pending_iran=np.zeros(n, dtype=bool),
            cum_killed=np.zeros(n, dtype=np.int64),
            withdrawn=np.zeros(n, dtype=bool),
            iraq_pressure=zeros + init.iraq_pressure,
            voted=np.full(n, init.expulsion_voted),
            exchanges=np.zeros(n, dtype=np.int64),
            war=np.zeros(n, dtype=bool),
        )


@dataclass
class DayEvents:
    """What happened on one day in each of N runs (returned by :func:`advance`)."""

    severity: np.ndarray  # (N, G) severity class of each group's attack
    killed: np.ndarray  # (N,) Americans killed
    wounded: np.ndarray  # (N,)
    iran_struck: np.ndarray  # (N,) bool
    us_action: np.ndarray  # (N,) action code carried out
    prosecuted: np.ndarray  # (N,) bool
    protested: np.ndarray  # (N,) bool
    rung: np.ndarray  # (N,)
    extra: dict = field(default_factory=dict)


def advance(
    s: State,
    p: Params,
    policy: Policy,
    u: np.ndarray,
    shock: dict[str, float],
    forced_us: np.ndarray | None = None,
    forced_iran: np.ndarray | None = None,
    forced_vote: np.ndarray | None = None,
) -> DayEvents:
    """Advance N runs by one day, in place, and return the day's events.

    Parameters
    ----------
    s : state of the runs, updated in place
    p : parameters of the runs
    policy : the US response policy
    u : uniform draws, shape ``(N, rules.n_slots(G))``
    shock : today's value of each shock series (:meth:`Scenario.shock_arrays`)
    forced_us : if given, the US action of the day (replay of history) instead of the policy's
        (and the US presence stays as it is: withdrawal is a US decision too)
    forced_iran : if given, whether Iran strikes US forces directly today (replay of history)
        instead of :func:`sim.core.rules.iran_direct_strike`; the day's draws are used alike
    forced_vote : if given, whether the Iraqi parliament votes to expel US forces today (replay
        of history) instead of :func:`sim.core.rules.expulsion_vote`
    """
    g = s.grievance.shape[1]
    sl = rules.slot_layout(g)
    col = {k: u[:, v] for k, v in sl.items()}
    one = {k: v[:, 0] for k, v in col.items() if v.shape[1] == 1}
    present = ~s.withdrawn

    # 2. Iran
    push = rules.iran_push(
        s.iran_grievance,
        s.iran_fear,
        s.deal_progress,
        p.iran_direction,
        p.deal_restraint,
        shock["iran_direction"] - shock["iran_restraint"],
    )
    iran_struck = rules.iran_direct_strike(
        s.iran_grievance, s.iran_fear, p.iran_strike_rate, present, one["iran_strike"]
    )
    if forced_iran is not None:
        iran_struck = np.broadcast_to(np.asarray(forced_iran, dtype=bool), present.shape) & present
    iran_killed, iran_wounded = rules.iran_strike_casualties(
        iran_struck,
        one["iran_lethal"],
        one["iran_killed"],
        one["iran_wounded"],
        p.iran_strike_p_lethal,
        p.killed_mean,
        p.iran_strike_wounded_mean,
    )

    # 3. militias
    hazard = rules.attack_hazard(
        p.base_rate,
        s.excitation,
        s.grievance,
        s.fear,
        p.closeness,
        push[:, None],
        s.exposure[:, None],
        present[:, None],
    )
    attacked = rules.occurs(hazard, col["attack"])
    c = lambda a: a[:, None]  # noqa: E731  (parameter of shape (N,) against (N, G))
    sev = rules.attack_severity(
        attacked,
        col["severity"],
        col["weapon"],
        col["target"],
        c(s.air_defence),
        c(p.p_injury),
        c(p.p_lethal),
        c(p.drone_share),
        c(p.drone_multiplier),
        c(p.embassy_share),
        c(p.embassy_multiplier),
    )
    killed_g, wounded_g = rules.casualties(
        sev, col["killed"], col["wounded"], c(p.killed_mean), c(p.wounded_mean)
    )
    named = rules.attributed(attacked, col["attribution"], p.deniability)
    killed = killed_g.sum(axis=1) + iran_killed
    wounded = wounded_g.sum(axis=1) + iran_wounded

    # 4. United States
    (s.pending_severity, s.pending_group, s.pending_killed, s.pending_age,
     s.pending_iran) = rules.pending_update(
        s.pending_severity, s.pending_group, s.pending_killed, s.pending_age, s.pending_iran,
        sev, named, killed_g, iran_struck, iran_killed, p.response_window,
    )  # fmt: skip
    obs = Observation(s.pending_severity, s.pending_group, s.pending_killed, s.pending_iran)
    if forced_us is None:
        decision = policy.decide(obs, p, one["us_policy"])
        action, intensity, answered = rules.us_response(
            decision.action,
            decision.intensity,
            decision.forgive,
            one["us_delay"],
            p.response_delay,
            present,
        )
    else:
        action = np.asarray(forced_us, dtype=np.int64) * present
        intensity = rules.forced_intensity(action, p)
        answered = rules.answers(action)
    target = rules.strike_target(s.pending_group)
    s.pending_severity, s.pending_group, s.pending_killed, s.pending_iran = rules.clear_pending(
        answered, s.pending_severity, s.pending_group, s.pending_killed, s.pending_iran
    )

    # 5. Iraqi government: it protests and votes on the pressure as it stood this morning (it
    # reacts to a US action the next day at the earliest), then weighs today's US action
    prosecuted = rules.prosecution(action, one["prosecution"], p.prosecution_rate)
    protested = rules.protest(s.iraq_pressure, p.protest_rate, one["protest"]) & present
    if forced_vote is None:
        s.voted = rules.expulsion_vote(
            s.voted, s.iraq_pressure, p.vote_threshold, p.vote_rate, one["vote"]
        )
    else:
        s.voted = s.voted | np.asarray(forced_vote, dtype=bool)
    s.iraq_pressure = rules.iraq_pressure_update(
        s.iraq_pressure,
        action,
        intensity,
        p.sovereignty_cost_iraq,
        p.sovereignty_cost_syria,
        p.sovereignty_cost_decapitation,
        p.press_cost,
        p.pressure_days,
    )

    # 6. state updates
    struck = rules.strike_matrix(action, intensity, target, g)
    pros = (np.arange(g) == target[:, None]) & prosecuted[:, None]
    s.excitation = rules.excitation_update(
        s.excitation, attacked, c(p.self_excitation), c(p.excitation_days)
    )
    s.grievance = rules.grievance_update(
        s.grievance,
        struck,
        struck.sum(axis=1, keepdims=True),
        c(p.revenge_attacks),
        c(p.revenge_days),
        c(p.revenge_spillover),
        shock["militia_grievance"],
    )
    s.fear = rules.fear_update(
        s.fear,
        struck,
        pros,
        c(p.deterrence_strength),
        c(p.prosecution_fear),
        c(p.deterrence_days),
    )
    s.iran_grievance = rules.iran_grievance_update(
        s.iran_grievance,
        action,
        iran_struck,
        p.iran_decap_grievance,
        p.iran_struck_grievance,
        p.iran_satisfaction,
        p.iran_grievance_days,
        shock["iran_grievance"],
    )
    s.iran_fear = rules.iran_fear_update(
        s.iran_fear, action, p.iran_fear_strength, p.iran_fear_days
    )
    lethal_today = (sev == SEV_LETHAL).any(axis=1)
    s.deal_progress = rules.deal_progress_update(
        s.deal_progress, action, lethal_today, p.deal_rate, p.deal_setback
    )
    s.air_defence = rules.air_defence_update(
        s.air_defence, lethal_today | iran_struck, p.air_defence_build, p.air_defence_max
    )
    s.exposure = rules.exposure_update(
        s.exposure, lethal_today, p.consolidation_step, p.exposure_min
    )
    s.cum_killed = s.cum_killed + killed
    if forced_us is None:  # a replay fixes the US presence to the record's with its actions
        s.withdrawn = rules.withdrawal(
            s.withdrawn,
            s.voted,
            s.cum_killed,
            s.iraq_pressure,
            one["withdraw"],
            p.withdraw_rate,
            p.withdraw_pressure,
            p.casualty_tolerance,
        )
    s.exchanges, s.war = rules.war_update(s.exchanges, s.war, iran_struck, action, p.war_exchanges)
    rung = rules.rung_today(sev, protested, action, iran_struck, s.war)
    return DayEvents(sev, killed, wounded, iran_struck, action, prosecuted, protested, rung)


class Tally:
    """Per-run outcome counters, filled day by day (shared by both engines)."""

    def __init__(self, n: int, days: int, keep_daily: bool = True) -> None:
        self.n = n
        self.out = {k: np.zeros(n, dtype=np.int64) for k in OUTCOMES}
        self.out["first_death_day"] = np.full(n, np.nan)
        for k in BOOL_OUTCOMES:
            self.out[k] = np.zeros(n, dtype=bool)
        self.daily = {k: np.zeros((days, n), dtype=np.int32) for k in DAILY} if keep_daily else None

    def add(self, t: int, ev: DayEvents, s: State) -> None:
        """Add day ``t``'s events."""
        o = self.out
        sev = ev.severity
        # attacks are rare: count each run's attacks by severity class from the non-zero entries
        rows, cols = np.nonzero(sev)
        by_class = np.bincount(
            rows * (SEV_LETHAL + 1) + sev[rows, cols], minlength=self.n * (SEV_LETHAL + 1)
        ).reshape(self.n, SEV_LETHAL + 1)
        n_att = by_class[:, 1:].sum(axis=1)
        o["attacks_total"] += n_att
        o["attacks_harassment"] += by_class[:, SEV_HARASSMENT]
        o["attacks_injury"] += by_class[:, SEV_INJURY]
        o["attacks_lethal"] += by_class[:, SEV_LETHAL]
        o["us_killed"] += ev.killed
        o["us_wounded"] += ev.wounded
        a = ev.us_action
        o["strikes_syria"] += a == ladder.US_STRIKE_SYRIA
        o["strikes_iraq"] += a == ladder.US_STRIKE_IRAQ
        o["decapitations"] += a == ladder.US_DECAPITATION
        o["strikes_iran"] += a == ladder.US_STRIKE_IRAN
        kinetic = ladder.IS_KINETIC[a]
        o["us_strikes"] += kinetic
        o["press_baghdad"] += a == ladder.US_PRESS_BAGHDAD
        o["prosecutions"] += ev.prosecuted
        o["iran_strikes"] += ev.iran_struck
        o["protests"] += ev.protested
        o["max_rung"] = np.maximum(o["max_rung"], ev.rung)
        first = np.isnan(o["first_death_day"]) & (ev.killed > 0)
        o["first_death_day"][first] = t
        o["direct_exchange"] |= ev.iran_struck | (a == ladder.US_STRIKE_IRAN)
        o["expulsion_vote"] = s.voted.copy()
        o["withdrawal"] = s.withdrawn.copy()
        o["war"] = s.war.copy()
        if self.daily is not None:
            self.daily["attacks"][t] = n_att
            self.daily["us_casualties"][t] = ev.killed + ev.wounded
            self.daily["rung"][t] = ev.rung
            self.daily["us_strikes"][t] = kinetic


@dataclass
class Result:
    """Outcomes of N runs: per-run columns and, if kept, daily series of shape (days, N)."""

    outcomes: dict[str, np.ndarray]
    daily: dict[str, np.ndarray] | None


def run_ensemble(
    scenario: Scenario,
    policy: Policy,
    params: Params,
    rng: np.random.Generator,
    keep_daily: bool = True,
    forced_us: np.ndarray | None = None,
    state: State | None = None,
    forced_iran: np.ndarray | None = None,
    forced_vote: np.ndarray | None = None,
    observe: Callable[[int, DayEvents, State], None] | None = None,
    tally: bool = True,
) -> Result:
    """Simulate ``params.n`` runs of ``scenario`` under ``policy``.

    Parameters
    ----------
    rng : the generator of the uniform draws; give every policy a generator seeded alike for
        common random numbers
    forced_us : optional ``(days,)`` or ``(days, N)`` US action codes that replace the policy
        (replay of the record)
    state : optional initial state (for branching from a reconstructed history); it is
        updated in place
    forced_iran, forced_vote : optional ``(days,)`` or ``(days, N)`` booleans that replace
        Iran's direct-strike rule and the expulsion-vote rule (replay of the record)
    observe : optional callback ``observe(t, events, state)`` after each day (the replay's
        daily trace)
    tally : whether to count the per-run outcomes (the calibration needs only its trace);
        without it the result's outcomes are empty
    """
    n, days = params.n, scenario.days
    s = state if state is not None else State.initial(n, params, scenario.initial)
    shocks = scenario.shock_arrays()
    k = rules.n_slots(len(GROUPS))
    counter = Tally(n, days, keep_daily) if tally else None
    for t in range(days):
        u = rng.random((n, k))
        shock_t = {name: series[t] for name, series in shocks.items()}
        forced = None if forced_us is None else forced_us[t]
        f_iran = None if forced_iran is None else forced_iran[t]
        f_vote = None if forced_vote is None else forced_vote[t]
        ev = advance(s, params, policy, u, shock_t, forced, f_iran, f_vote)
        if counter is not None:
            counter.add(t, ev, s)
        if observe is not None:
            observe(t, ev, s)
    return Result(counter.out, counter.daily) if counter else Result({}, None)
