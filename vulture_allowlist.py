"""Names that vulture (the dead-code check of ./run-tests) cannot see being used.

Each entry is a name that a framework calls or reads, or that code reaches through a string.
``tests/test_tree.py`` fails when an entry is no longer needed (vulture finds nothing without
it), so the list cannot keep names of code that is gone. Validators, fixtures and the built-in
policies (``@register`` files each in the registry under its name, where commands and scenarios
find it) are left out by decorator instead (``[tool.vulture]`` in ``pyproject.toml``).
"""

from vulture.whitelist_utils import Whitelist

_ = Whitelist()

# pydantic reads a model's configuration
_.model_config
# Mesa's runners and visualisation stop when a model's `running` turns False
_.running
# A user's policy that a test names by import path ("module:Class") only
_.SilentTwin  # tests/test_explore_run.py
# pytest: a hook, a module's marks, a fixture requested by its argument name
_.pytest_configure
_.pytestmark
_.ctrl_c_raises

# A policy's classifier (sim/core/policies.py): part of its declaration, for readers and users
# choosing policies by kind (kinetic, inside Iraq, targets Iran), read by no code yet
_.classifier
# A helper for the numpy `decide` of a user's policy (sim/core/policies.py; tests/test_policies.py)
_._when
# A scenario's initial conditions that the state table reads by name (sim/core/layout.py)
_.militia_fear
# numpy reads an array's flags
_.writeable
# The pre-registered protocol's constants that state it for readers: the visibility rule in
# words (sim.validation.observed implements it) and the tail's weight at the protocol's samples
# (sim.validation.forecast_scores computes it from the samples it is given)
_.VISIBILITY  # sim/validation/protocol.py
_.TAIL_WEIGHT  # sim/validation/protocol.py
# Module-level __getattr__ and __dir__ (PEP 562): the lazy exports of sim and sim.explore,
# and the output-folder helpers sim.cli.common loads on first use
_.__getattr__  # sim/__init__.py, sim/explore/__init__.py, sim/cli/common.py
_.__dir__  # sim/__init__.py
