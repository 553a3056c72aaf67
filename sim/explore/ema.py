"""The model as an EMA Workbench model: :func:`ema_model` (Kwakkel 2017, Environ. Model. Softw.
96:239; ema_workbench 3.0).

``perform_experiments(ema_model(), 100)`` samples the parameters of the table over their ranges
(Latin hypercube by default) and the US policy, runs each experiment through
:func:`sim.explore.function.model_function` and returns EMA's ``(experiments, outcomes)``, ready
for PRIM, CART or feature scoring as in EMA's tutorials.

* **Uncertainties**: every parameter of :data:`sim.core.params.TABLE` whose range is not a
  point (or those named), as a ``RealParameter`` over its range, its name the parameter's
  with the dot of a group parameter written ``__`` (``closeness__front_groups``: EMA's names
  must be Python identifiers).
* **Lever**: the US response policy, a ``CategoricalParameter`` named ``us_policy`` (EMA
  reserves ``policy`` for its own policy object, and a lever of that name breaks its
  experiment table); its categories are the built-in policies (or those named).
* **Constants**: ``runs`` and ``seed`` of every call (common random numbers across experiments:
  :mod:`sim.explore.function`); ``scenario``, the scenario's name.
* **Outcomes**: a ``ScalarOutcome`` per outcome the commands print (tag ``key_table`` of
  :mod:`sim.core.outcomes`), or those named (any of
  :data:`sim.explore.function.FUNCTION_OUTCOMES`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sim.core import outcomes as declared
from sim.core.params import TABLE
from sim.core.policies import all_policies, get_policy
from sim.errors import UserError
from sim.explore.function import FUNCTION_OUTCOMES, model_function
from sim.inputs.scenario import load_scenario

#: The name of the policy lever (EMA reserves ``policy``).
POLICY_LEVER = "us_policy"
#: The outcomes of :func:`ema_model` unless named: those ``run`` and ``compare`` print.
STANDARD_OUTCOMES: tuple[str, ...] = tuple(o.name for o in declared.tagged("key_table"))

_SCENARIOS: dict[str, Any] = {}


#: What stands for the dot of a group parameter's name (``closeness.front_groups``) in EMA,
#: whose names must be Python identifiers.
DOT = "__"


def ema_name(name: str) -> str:
    """The EMA name of a parameter of the table (``closeness__front_groups``)."""
    return name.replace(".", DOT)


def _table_name(name: str) -> str:
    return name.replace(DOT, ".")


def ema_function(
    us_policy: str = "do_nothing",
    runs: int = 50,
    seed: int = 1,
    scenario: str = "baseline",
    **params: float,
) -> dict[str, float]:
    """The function EMA calls: :func:`sim.explore.function.model_function` with the policy
    lever ``us_policy`` (module level, so that EMA's multiprocessing evaluator can send it to
    its workers)."""
    sc = _SCENARIOS.get(scenario)
    if sc is None:
        sc = _SCENARIOS[scenario] = load_scenario(scenario)
    params = {_table_name(k): v for k, v in params.items()}
    return model_function(policy=us_policy, runs=int(runs), seed=int(seed), scenario=sc, **params)


def ema_model(
    name: str = "escalation",
    *,
    scenario: str = "baseline",
    runs: int = 50,
    seed: int = 1,
    parameters: Sequence[str] | None = None,
    policies: Sequence[str] | None = None,
    outcomes: Sequence[str] | None = None,
) -> Any:
    """A ready ``ema_workbench.Model`` of the escalation model (module docstring).

    Parameters
    ----------
    name : the model's name in EMA (letters, digits and underscores)
    scenario : a shipped scenario's name or a scenario file (period, shocks, held parameters)
    runs, seed : runs averaged per experiment, and their seed
    parameters : the uncertainties (default: every parameter of the table with a range)
    policies : the categories of the ``us_policy`` lever (default: every built-in policy)
    outcomes : the outcomes (default: :data:`STANDARD_OUTCOMES`)

    Raises
    ------
    sim.errors.UserError
        for an unknown parameter, policy or outcome, or without ema_workbench installed.
    """
    try:
        from ema_workbench import (
            CategoricalParameter,
            Constant,
            Model,
            RealParameter,
            ScalarOutcome,
        )
    except ImportError:
        raise UserError(
            "ema_model needs the EMA Workbench: pip install 'escalation-sim[explore]'"
        ) from None
    load_scenario(scenario)  # refuse a bad scenario here, not in EMA's workers
    names = (
        list(parameters)
        if parameters is not None
        else [n for n, p in TABLE.items() if p.high > p.low]
    )
    for n in names:
        if n not in TABLE:
            raise UserError(f"ema_model: unknown parameter '{n}' (escalation params lists them)")
        if not TABLE[n].high > TABLE[n].low:
            raise UserError(f"ema_model: parameter '{n}' has no range to explore")
    cats = list(policies) if policies is not None else all_policies()
    for p in cats:
        get_policy(p)
    outs = list(outcomes) if outcomes is not None else list(STANDARD_OUTCOMES)
    for o in outs:
        if o not in FUNCTION_OUTCOMES:
            raise UserError(
                f"ema_model: unknown outcome '{o}' (known: {', '.join(FUNCTION_OUTCOMES)})"
            )
    model = Model(name, function=ema_function)
    model.uncertainties = [RealParameter(ema_name(n), TABLE[n].low, TABLE[n].high) for n in names]
    if len(cats) > 1:
        model.levers = [CategoricalParameter(POLICY_LEVER, cats)]
        constants = []
    else:
        constants = [Constant(POLICY_LEVER, cats[0])]
    model.constants = [
        *constants,
        Constant("runs", int(runs)),
        Constant("seed", int(seed)),
        Constant("scenario", str(scenario)),
    ]
    model.outcomes = [ScalarOutcome(o) for o in outs]
    return model


__all__ = ["POLICY_LEVER", "STANDARD_OUTCOMES", "ema_function", "ema_model", "ema_name"]
