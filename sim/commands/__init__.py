"""Sub-commands of the ``escalation`` command line, one module each (see :mod:`sim.cli`)."""
