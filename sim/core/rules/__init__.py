"""The rulebook: every decision and state-update rule of the model, written once, by actor.

* :mod:`~sim.core.rules.common` decay, events of a daily hazard, overdispersed counts;
* :mod:`~sim.core.rules.iran` Iran's push on its partners, direct strikes, grievance, fear, deal;
* :mod:`~sim.core.rules.militia` attacks, severity, casualties, attribution, excitation, revenge,
  deterrence;
* :mod:`~sim.core.rules.us` the US memory, response, targeting, posture and withdrawal;
* :mod:`~sim.core.rules.iraq` Iraqi pressure, protests, the vote and prosecutions;
* :mod:`~sim.core.rules.escalation` the ladder, the day's attack counts and the war threshold;
* :mod:`~sim.core.rules.losses` militia members killed by US strikes, coalition members and
  contractors hurt by attacks (counted only: no rule reads them).

Each rule is a compiled pure function of scalars (numba, :mod:`sim.core.jit`): state,
parameters and uniform draws in, new values out, with no random generator of its own. The
day (:mod:`sim.core.day`) calls them for one run; the engines run that day. Sources of each
rule are named in its docstring; the numbers live in :mod:`sim.core.params`.
"""

from sim.core.rules import common, escalation, iran, iraq, losses, militia, us

__all__ = ["common", "escalation", "iran", "iraq", "losses", "militia", "us"]
