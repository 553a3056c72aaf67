"""Names that vulture (the dead-code check of ./run-tests) cannot see being used.

Each entry is a name that a framework calls or reads, or that code reaches through a string.
``tests/test_tree.py`` fails when an entry is no longer needed (vulture finds nothing without
it), so the list cannot keep names of code that is gone. Validators and fixtures are left out
by decorator instead (``[tool.vulture]`` in ``pyproject.toml``).
"""

from vulture.whitelist_utils import Whitelist

_ = Whitelist()

# pydantic reads a model's configuration
_.model_config
# Mesa's runners and visualisation stop when a model's `running` turns False
_.running
# Policies register themselves by subclassing sim.core.policies.Policy (its __init_subclass__
# files each under its name); commands and scenarios find them by that name
_.StrikeSyria
_.EscalateSyria
_.StrikeIraq
_.CasualtyThreshold
_.AnswerAttributed
_.HoldIranAccountable
_.IraqiAccountability
_.RegionalDeal
_.Decapitation
_.TitForTat
_.GenerousTitForTat
_.NegotiateWithdrawal
_.SilentTwin  # tests/test_explore_run.py
# pytest: a hook, a module's marks, a fixture requested by its argument name
_.pytest_configure
_.pytestmark
_.ctrl_c_raises

# Unused code in packages that other changes are rewriting (sim/core, sim/validation); it is
# removed there, and its entry here with it.
_.slot_layout  # sim/core/draws.py
_.n_slots  # sim/core/draws.py
_.classifier  # sim/core/policies.py: the policies' tags, which no code reads
# numpy reads an array's flags
_.writeable
# The pre-registered protocol's constants that state it for readers: the visibility rule in
# words (sim.validation.observed implements it) and the tail's weight at the protocol's samples
# (sim.validation.forecast_scores computes it from the samples it is given)
_.VISIBILITY  # sim/validation/protocol.py
_.TAIL_WEIGHT  # sim/validation/protocol.py
# HiGHS reads the fields of the linear programme it is passed (sim/inputs/monthly.py)
_.num_col_
_.col_cost_
_.col_lower_
_.col_upper_
_.row_lower_
_.row_upper_
_.format_
_.num_row_
_.start_
_.index_
_.value_
