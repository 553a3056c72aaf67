"""Exploring assumptions: what the record cannot tell, and what it means for the decision.

* :mod:`~sim.explore.worlds` - sampled worlds (uninformed parameters over their ranges,
  informed ones from the posterior, a bounds file to choose otherwise)
* :mod:`~sim.explore.runner` - every world × policy × replication on common random numbers
* :mod:`~sim.explore.decisions` - regret, minimax regret, satisficing, rank stability
* :mod:`~sim.explore.discovery` - scenario discovery with the EMA Workbench (PRIM, CART,
  feature scoring)
* :mod:`~sim.explore.robustness` - whether the signs of ``compare``'s differences hold
* :mod:`~sim.explore.report`, :mod:`~sim.explore.figures` - the files and figures of
  ``escalation explore``
* :mod:`~sim.explore.sensitivity` (with ``sensitivity_problem``, ``sensitivity_analysis``,
  ``sensitivity_report``) - global sensitivity analysis with SALib
"""
