"""The Mesa model with Mesa's conventions, drawn as ``escalation run`` draws its runs.

:class:`EscalationModel` is the engine's model (:class:`sim.engines.mesa.model.EscalationModel`)
built the way Mesa users build models: ``EscalationModel(policy="strike_syria",
scenario="baseline", rng=1, self_excitation=0.5)``, the scenario by name, the parameters of the
table (:mod:`sim.core.params`) as keyword arguments, checked against their ranges, so that
``mesa.batch_run`` sweeps them like any model's arguments::

    from mesa import batch_run
    rows = batch_run(EscalationModel, {"policy": ["do_nothing", "strike_syria"],
                                       "run": range(20)}, rng=1, max_steps=365)

**Seeds.** With an integer ``rng = s``, the model is run ``run`` (default 0) of
``escalation run SCENARIO --policy POLICY --seed s``: the same uniform draws (stream
``run % chunk_size`` of chunk ``run // chunk_size``, :func:`sim.experiments.sampling.chunk_rngs`)
and the same parameter draw from the scenario's posterior
(:func:`sim.experiments.sampling.build_params`), with the keyword parameters fixed over it as a
scenario's ``params`` would be. So batch_run's ``rng=s`` with ``run`` swept over ``range(n)``
gives the ``n`` runs of ``escalation run --runs n --seed s`` (with the default
``--chunk-size``), run for run; ``rng=[1, 2, 3]`` gives run 0 of seeds 1, 2 and 3. A generator
or None draws the parameters from the posterior with it (a child stream) or fresh entropy, and
the key of the draws from Mesa's ``model.rng``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.core.draws import chunk_key
from sim.core.params import check_value
from sim.core.policies import Policy
from sim.engines.mesa import model as engine
from sim.experiments.sampling import build_params, chunk_rngs
from sim.experiments.spec import DEFAULT_CHUNK_SIZE
from sim.inputs.scenario import Scenario, load_scenario


class EscalationModel(engine.EscalationModel):
    """One run of the Mesa model, built with Mesa's conventions (module docstring).

    Parameters
    ----------
    policy : a policy name or instance (default: the scenario's)
    scenario : a shipped scenario's name (default ``"baseline"``), a scenario file or a
        :class:`~sim.inputs.scenario.Scenario`
    rng : an integer seed (run ``run`` of ``escalation run --seed rng``), a generator, or None
    run : which run of that seed
    chunk_size : the ``--chunk-size`` of the ``escalation run`` this run belongs to
    collect : whether the DataCollector records every day (batch_run reads it at the end)
    **parameters : parameters of the table, fixed in this run
    """

    def __init__(
        self,
        policy: Policy | str | None = None,
        scenario: str | Path | Scenario = "baseline",
        rng: int | np.random.Generator | None = None,
        run: int = 0,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        collect: bool = True,
        **parameters: float,
    ) -> None:
        sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        for name, value in parameters.items():
            check_value(name, value)
        overrides = {k: float(v) for k, v in parameters.items()}
        self.run_index = int(run)
        if rng is None or isinstance(rng, np.random.Generator):
            # as :func:`sim.experiments.sampling.model_params`: a child stream, or fresh entropy
            prng = rng.spawn(1)[0] if rng is not None else np.random.default_rng()
            params = build_params(sc, 1, prng, overrides)
            super().__init__(sc, policy, params, rng=rng, collect=collect)
            return
        chunk, index = divmod(self.run_index, int(chunk_size))
        draws, prng = chunk_rngs(int(rng), chunk)
        params = build_params(sc, index + 1, prng, overrides).take(slice(index, index + 1))
        super().__init__(sc, policy, params, rng=int(rng), collect=collect,
                         key=int(chunk_key(draws)), run=index)  # fmt: skip


__all__ = ["EscalationModel"]
