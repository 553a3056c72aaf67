"""The ``escalation`` command line.

Each sub-command lives in its own module under :mod:`sim.cli` and exposes
``register(subparsers)``, which adds its parser and sets ``func(args) -> int``. Bad input of any
kind raises :class:`sim.errors.UserError`; this module prints its one-line message and exits
with status 2, without a traceback.

Only the module of the sub-command being run is imported (its dependencies, numba's kernels,
pandas, matplotlib, are costly): ``escalation --help`` lists the others from :data:`HELP`, whose
lines a test keeps equal to the modules' own.
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from sim import __version__
from sim.cli.common import HelpFormatter, Parser
from sim.errors import UserError

#: Sub-command modules, in the order ``escalation --help`` lists them.
COMMANDS: tuple[str, ...] = (
    "run",
    "compare",
    "params",
    "record",
    "sensitivity",
    "explore",
    "calibrate",
    "replay",
    "branch",
    "validate",
    "dashboard",
    "policies",
)


#: The one-line help of each sub-command, as its module's ``register`` gives it (a test checks
#: that they agree): ``escalation --help`` prints them without importing the modules.
HELP: dict[str, str] = {
    "run": "Monte Carlo runs of a scenario under one policy",
    "compare": "compare US response policies on the same random draws",
    "params": "list the parameters: unit, default, what the runs draw, whether the record "
    "informs them",
    "record": "validate a record and summarise it, print its monthly series or draw them; "
    "import an ACLED export",
    "sensitivity": "global sensitivity analysis: which parameters drive the outcomes",
    "explore": "run policies across sampled worlds: regret, satisficing, scenario discovery",
    "calibrate": "fit the parameters to the documented record (ABC-SMC) and write a report",
    "replay": "simulate a historical window with some actors' actions fixed to the record",
    "branch": "branch from the documented history at a date under several policies",
    "validate": "score rolling-origin forecasts of the agent model and the baselines on the record",
    "dashboard": "serve the interactive dashboard (one run, day by day) in your browser",
    "policies": "list the US response policies: what triggers each, what it does, its source",
}


def command_of(argv: Sequence[str]) -> str | None:
    """The sub-command named on a command line (the first word that is one), or None."""
    for word in argv:
        if word in COMMANDS:
            return word
        if not word.startswith("-"):
            return None  # an unknown command: argparse says so
    return None


def build_parser(command: str | None = "*") -> argparse.ArgumentParser:
    """The argument parser: every sub-command registered from its module (``command="*"``,
    the default), or only ``command``'s, the others listed by name and :data:`HELP` (None:
    none imported, what ``escalation --help`` needs)."""
    parser = Parser(
        prog="escalation",
        description="Simulate US–Iran–militia escalation in Iraq and compare US response "
        "policies. Explores assumptions; it is not a forecast.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=Parser
    )
    for name in COMMANDS:
        if command in ("*", name):
            importlib.import_module(f"sim.cli.{name}").register(sub)
        else:
            sub.add_parser(name, help=HELP[name], add_help=False)
    return parser


def _writable(folder: Path) -> bool:
    """Whether ``folder`` could be written (it, or the nearest parent that exists)."""
    try:
        while not folder.exists():
            folder = folder.parent
        return folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)
    except OSError:
        return False


def quiet_matplotlib_config() -> None:
    """With a read-only HOME, matplotlib falls back to a temporary folder for its settings and
    font cache and says so in two lines on stderr; give it one of our own first (removed at
    exit), so that a command that works says nothing about it. ``MPLCONFIGDIR`` set by the user
    is left alone."""
    if os.environ.get("MPLCONFIGDIR"):
        return
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "matplotlib"
    if _writable(config):
        return
    folder = tempfile.mkdtemp(prefix="escalation-matplotlib-")
    os.environ["MPLCONFIGDIR"] = folder
    atexit.register(shutil.rmtree, folder, True)


#: What numba raises, when a compiled function is defined, if no folder can hold its cache.
NO_CACHE_LOCATOR = "no locator available"


def _no_kernel_cache() -> str:
    """The one-line message for numba finding no writable folder for the compiled kernels."""
    folder = os.environ.get("ESCALATION_NUMBA_CACHE") or os.environ.get("NUMBA_CACHE_DIR")
    where = folder or str(Path.home() / ".cache" / "escalation-sim" / "numba")
    return (
        f"cannot store the compiled kernels: neither {where} nor the package's folder can be "
        "written; set ESCALATION_NUMBA_CACHE to a writable folder"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    quiet_matplotlib_config()
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        # imports the sub-command's module only (the rulebook, whose kernels numba caches)
        parser = build_parser(command_of(argv))
    except RuntimeError as exc:
        if NO_CACHE_LOCATOR not in str(exc):
            raise
        print(f"escalation: error: {_no_kernel_cache()}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    try:
        status = int(args.func(args) or 0)
        sys.stdout.flush()
        return status
    except UserError as exc:
        print(f"escalation: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (``escalation params | head``): not an error. Point stdout at
        # /dev/null so that the interpreter's final flush does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
