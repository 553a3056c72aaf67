"""The actors as Mesa agents: each owns its state and calls the rulebook (:mod:`sim.core.rules`).

State variables are numpy arrays of length 1, so every rule is the same function the ensemble
engine applies to N runs at once. The order in which the actors move each day is spelled out in
:meth:`sim.engines.mesa.model.EscalationModel.step`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.core import rules
from sim.core.policies import Observation, Policy

if TYPE_CHECKING:
    from sim.engines.mesa.model import EscalationModel


class Iran(mesa.Agent):
    """Iran: directs or restrains its partners, and strikes US forces directly when its own are
    hit (Soleimani, 3 January 2020 → missiles on al-Asad, 8 January).

    State: ``grievance`` (Soleimani's killing = 1), ``fear`` of the US (log-hazard units),
    ``deal_progress`` toward a regional deal (0..1).
    """

    def __init__(self, model: EscalationModel, grievance: float, fear: float) -> None:
        super().__init__(model)
        self.grievance = np.array([grievance])
        self.fear = np.array([fear])
        self.deal_progress = np.zeros(1)
        self.push = np.zeros(1)

    def act(self) -> None:
        """Set today's push on the partners and decide on a direct strike."""
        m, p, day = self.model, self.model.p, self.model.today
        self.push = rules.iran_push(
            self.grievance,
            self.fear,
            self.deal_progress,
            p.iran_direction,
            p.deal_restraint,
            day.shock["iran_direction"] - day.shock["iran_restraint"],
        )
        day.iran_struck = rules.iran_direct_strike(
            self.grievance, self.fear, p.iran_strike_rate, ~m.us.withdrawn, day.u["iran_strike"]
        )
        day.iran_killed, day.iran_wounded = rules.iran_strike_casualties(
            day.iran_struck,
            day.u["iran_lethal"],
            day.u["iran_killed"],
            day.u["iran_wounded"],
            p.iran_strike_p_lethal,
            p.killed_mean,
            p.iran_strike_wounded_mean,
        )

    def update(self) -> None:
        """Grievance, fear and deal progress after the day's events."""
        p, day = self.model.p, self.model.today
        self.grievance = rules.iran_grievance_update(
            self.grievance,
            day.us_action,
            day.iran_struck,
            p.iran_decap_grievance,
            p.iran_struck_grievance,
            p.iran_satisfaction,
            p.iran_grievance_days,
            day.shock["iran_grievance"],
        )
        self.fear = rules.iran_fear_update(
            self.fear, day.us_action, p.iran_fear_strength, p.iran_fear_days
        )
        self.deal_progress = rules.deal_progress_update(
            self.deal_progress, day.us_action, day.lethal_today, p.deal_rate, p.deal_setback
        )


class Militia(mesa.Agent):
    """An Iran-backed militia group (Kata'ib Hezbollah, Harakat al-Nujaba, Asa'ib Ahl al-Haq, or
    the deniable front groups), with its own closeness to Iran, base rate and deniability.

    State: ``excitation`` (self-excitation, attacks/day), ``grievance`` (revenge, attacks/day),
    ``fear`` (deterrence, log-hazard units).
    """

    def __init__(self, model: EscalationModel, index: int, name: str, grievance: float,
                 fear: float) -> None:  # fmt: skip
        super().__init__(model)
        self.index = index
        self.group = name
        g = index
        p = model.p
        self.base_rate = p.base_rate[:, g]
        self.closeness = p.closeness[:, g]
        self.deniability = p.deniability[:, g]
        self.excitation = np.zeros(1)
        self.grievance = grievance * p.revenge_attacks / p.revenge_days
        self.fear = np.array([fear])

    def act(self) -> None:
        """Decide whether to attack today; if so, its severity, casualties and attribution."""
        m, p, day, g = self.model, self.model.p, self.model.today, self.index
        us = m.us
        hazard = rules.attack_hazard(
            self.base_rate,
            self.excitation,
            self.grievance,
            self.fear,
            self.closeness,
            m.iran.push,
            us.exposure,
            ~us.withdrawn,
        )
        attacked = rules.occurs(hazard, day.u["attack"][:, g])
        sev = rules.attack_severity(
            attacked,
            day.u["severity"][:, g],
            day.u["weapon"][:, g],
            day.u["target"][:, g],
            us.air_defence,
            p.p_injury,
            p.p_lethal,
            p.drone_share,
            p.drone_multiplier,
            p.embassy_share,
            p.embassy_multiplier,
        )
        killed, wounded = rules.casualties(
            sev, day.u["killed"][:, g], day.u["wounded"][:, g], p.killed_mean, p.wounded_mean
        )
        day.attacked[:, g] = attacked
        day.severity[:, g] = sev
        day.killed[:, g] = killed
        day.wounded[:, g] = wounded
        day.named[:, g] = rules.attributed(attacked, day.u["attribution"][:, g], self.deniability)

    def update(self) -> None:
        """Self-excitation, revenge and deterrence after the day's events."""
        p, day, g = self.model.p, self.model.today, self.index
        self.excitation = rules.excitation_update(
            self.excitation, day.attacked[:, g], p.self_excitation, p.excitation_days
        )
        self.grievance = rules.grievance_update(
            self.grievance,
            day.struck[:, g],
            day.struck.sum(axis=1),
            p.revenge_attacks,
            p.revenge_days,
            p.revenge_spillover,
            day.shock["militia_grievance"],
        )
        self.fear = rules.fear_update(
            self.fear,
            day.struck[:, g],
            day.prosecuted_groups[:, g],
            p.deterrence_strength,
            p.prosecution_fear,
            p.deterrence_days,
        )


class UnitedStates(mesa.Agent):
    """The United States: a response policy, a memory of unanswered attacks, and a force posture
    (air defence, exposed sites) that adapts to casualties.
    """

    def __init__(self, model: EscalationModel, policy: Policy, air_defence: np.ndarray,
                 exposure: np.ndarray) -> None:  # fmt: skip
        super().__init__(model)
        self.policy = policy
        self.air_defence = np.array(air_defence, dtype=float)
        self.exposure = np.array(exposure, dtype=float)
        self.pending_severity = np.zeros(1, dtype=np.int64)
        self.pending_group = np.full(1, -1, dtype=np.int64)
        self.pending_killed = np.zeros(1, dtype=np.int64)
        self.pending_age = np.zeros(1, dtype=np.int64)
        self.pending_iran = np.zeros(1, dtype=bool)
        self.cum_killed = np.zeros(1, dtype=np.int64)
        self.withdrawn = np.zeros(1, dtype=bool)
        self.exchanges = np.zeros(1, dtype=np.int64)
        self.war = np.zeros(1, dtype=bool)

    def respond(self) -> None:
        """Remember today's attacks, ask the policy, and act after the response delay."""
        m, p, day = self.model, self.model.p, self.model.today
        (
            self.pending_severity,
            self.pending_group,
            self.pending_killed,
            self.pending_age,
            self.pending_iran,
        ) = rules.pending_update(
            self.pending_severity,
            self.pending_group,
            self.pending_killed,
            self.pending_age,
            self.pending_iran,
            day.severity,
            day.named,
            day.killed,
            day.iran_struck,
            day.iran_killed,
            p.response_window,
        )
        present = ~self.withdrawn
        if m.forced_us is None:
            obs = Observation(
                self.pending_severity, self.pending_group, self.pending_killed, self.pending_iran
            )
            d = self.policy.decide(obs, p, day.u["us_policy"])
            action, intensity, answered = rules.us_response(
                d.action, d.intensity, d.forgive, day.u["us_delay"], p.response_delay, present
            )
        else:
            action = np.asarray(m.forced_us[m.t : m.t + 1], dtype=np.int64) * present
            intensity = rules.forced_intensity(action, p)
            answered = rules.answers(action)
        day.us_action, day.intensity = action, intensity
        day.target = rules.strike_target(self.pending_group)
        day.struck = rules.strike_matrix(action, intensity, day.target, m.n_groups)
        (
            self.pending_severity,
            self.pending_group,
            self.pending_killed,
            self.pending_iran,
        ) = rules.clear_pending(
            answered,
            self.pending_severity,
            self.pending_group,
            self.pending_killed,
            self.pending_iran,
        )

    def update(self) -> None:
        """Posture, casualties, withdrawal and the count of direct exchanges."""
        m, p, day = self.model, self.model.p, self.model.today
        self.air_defence = rules.air_defence_update(
            self.air_defence,
            day.lethal_today | day.iran_struck,
            p.air_defence_build,
            p.air_defence_max,
        )
        self.exposure = rules.exposure_update(
            self.exposure, day.lethal_today, p.consolidation_step, p.exposure_min
        )
        self.cum_killed = self.cum_killed + day.total_killed
        if m.forced_us is None:  # a replay fixes the US presence to the record's
            self.withdrawn = rules.withdrawal(
                self.withdrawn,
                m.iraq.voted,
                self.cum_killed,
                m.iraq.pressure,
                day.u["withdraw"],
                p.withdraw_rate,
                p.withdraw_pressure,
                p.casualty_tolerance,
            )
        self.exchanges, self.war = rules.war_update(
            self.exchanges, self.war, day.iran_struck, day.us_action, p.war_exchanges
        )


class IraqiGovernment(mesa.Agent):
    """The Iraqi government: sovereignty pressure after US strikes on its soil, protests, the
    expulsion vote (5 January 2020), and prosecutions when pressed (none in the record).
    """

    def __init__(self, model: EscalationModel, pressure: float, voted: bool) -> None:
        super().__init__(model)
        self.pressure = np.array([pressure])
        self.voted = np.array([voted])

    def react(self) -> None:
        """Prosecute if pressed; protest and perhaps vote to expel on the pressure as it stood
        this morning (parliament reacts the next day at the earliest: the vote of 5 January 2020
        came two days after the decapitation); then weigh today's US action."""
        m, p, day = self.model, self.model.p, self.model.today
        day.prosecuted = rules.prosecution(day.us_action, day.u["prosecution"], p.prosecution_rate)
        day.prosecuted_groups = (np.arange(m.n_groups) == day.target[:, None]) & day.prosecuted[
            :, None
        ]
        day.protested = rules.protest(self.pressure, p.protest_rate, day.u["protest"]) & ~(
            m.us.withdrawn
        )
        self.voted = rules.expulsion_vote(
            self.voted, self.pressure, p.vote_threshold, p.vote_rate, day.u["vote"]
        )
        self.pressure = rules.iraq_pressure_update(
            self.pressure,
            day.us_action,
            day.intensity,
            p.sovereignty_cost_iraq,
            p.sovereignty_cost_syria,
            p.sovereignty_cost_decapitation,
            p.press_cost,
            p.pressure_days,
        )
