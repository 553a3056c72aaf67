"""Exploring assumptions: what the record cannot tell, and what it means for the decision.

* :mod:`~sim.explore.worlds` - sampled worlds (uninformed parameters over their ranges,
  informed ones from the posterior, a bounds file to choose otherwise)
* :mod:`~sim.explore.runner` - every world × policy × replication on common random numbers
* :mod:`~sim.explore.decisions` - regret, minimax regret, satisficing, rank stability
* :mod:`~sim.explore.discovery` - scenario discovery with the EMA Workbench (PRIM, CART,
  feature scoring)
* :mod:`~sim.explore.function`, :mod:`~sim.explore.ema` - the model as a function of its
  parameters, and as a ready EMA Workbench model (``sim.explore.ema_model()``)
* :mod:`~sim.explore.robustness` - whether the signs of ``compare``'s differences hold
* :mod:`~sim.explore.report`, :mod:`~sim.explore.figures` - the files and figures of
  ``escalation explore``
* :mod:`~sim.explore.sensitivity` (with ``sensitivity_problem``, ``sensitivity_analysis``,
  ``sensitivity_report``) - global sensitivity analysis with SALib
"""

from typing import Any

#: Names importable from the package itself, each from its module on first use (the package
#: stays cheap to import): the model as a function, and as an EMA Workbench model.
_LAZY = {
    "ema_model": "sim.explore.ema",
    "model_function": "sim.explore.function",
}


def __getattr__(name: str) -> Any:
    """``sim.explore.ema_model`` and ``sim.explore.model_function``, imported on first use."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sim.explore' has no attribute {name!r}")
