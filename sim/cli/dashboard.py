"""``escalation dashboard``: serve the interactive dashboard (:mod:`sim.dashboard.app`) in a
browser.

Runs Solara's server on ``sim/dashboard/app.py`` in production mode, bound to 127.0.0.1 unless told
otherwise, without telemetry. Solara loads its front-end files from a public CDN unless the
environment variable ``SOLARA_ASSETS_PROXY_CACHE_DIR`` names a local copy; in a source checkout
``./run-tests`` fills one at ``.cache/solara-assets``, which is used when the variable is unset.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from sim.cli.common import positive_int
from sim.errors import UserError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
#: The page Solara serves.
APP_PATH = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
#: Local copy of Solara's front-end files in a source checkout (filled by ./run-tests).
ASSETS_DIR = Path(__file__).resolve().parents[2] / ".cache" / "solara-assets"
STOP_GRACE = 10.0  # seconds the server gets to stop after Ctrl-C before it is killed


class DashboardError(UserError):
    """The dashboard cannot start (missing packages, port in use)."""


def port_number(text: str) -> int:
    """A TCP port, 1–65535."""
    value = positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"a port is at most 65535, got {value}")
    return value


def solara_command(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> list[str]:
    """The command line that serves the dashboard with this interpreter's Solara."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(APP_PATH),
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
        "--no-check-version",
    ]


def solara_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The server's environment: no telemetry, local front-end files if there are any."""
    env = dict(os.environ if environ is None else environ)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"
    env.setdefault("MPLBACKEND", "Agg")
    if "SOLARA_ASSETS_PROXY_CACHE_DIR" not in env and ASSETS_DIR.is_dir():
        env["SOLARA_ASSETS_PROXY_CACHE_DIR"] = str(ASSETS_DIR)
    return env


def url_for(host: str, port: int) -> str:
    """The address to open in a browser (a wildcard host is reached via loopback)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    shown = "[::1]" if shown == "::" else (f"[{shown}]" if ":" in shown else shown)
    return f"http://{shown}:{port}/"


def check_requirements() -> None:
    """Raise :class:`DashboardError` if the packages the dashboard needs are missing."""
    missing = [m for m in ("solara", "mesa.visualization") if _find(m) is None]
    if missing:
        raise DashboardError(
            f"the dashboard needs {', '.join(missing)}, which is not installed: "
            "pip install 'escalation-sim[viz]'"
        )


def _find(module: str):
    try:
        return importlib.util.find_spec(module)
    except ImportError:
        return None


def check_port_free(host: str, port: int) -> None:
    """Raise :class:`DashboardError` if ``host:port`` cannot be bound."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise DashboardError(
                f"cannot serve on {host}:{port} ({exc.strerror}); choose another with --port "
                "or --host"
            ) from None


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``dashboard`` sub-command."""
    p = sub.add_parser(
        "dashboard",
        help="serve the interactive dashboard (one run, day by day) in your browser",
        description="Serve the interactive dashboard: pick a scenario and a policy, move the "
        "main parameters, step or play one run and watch the escalation ladder, attacks, "
        "casualties and each actor's state day by day, and ask for the Monte Carlo "
        "distribution. Stop it with Ctrl-C.",
    )
    p.add_argument(
        "--port", type=port_number, default=DEFAULT_PORT, help="TCP port (default %(default)s)"
    )
    p.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help="address to listen on (default %(default)s, this machine only; 0.0.0.0 lets "
        "other machines connect)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Start the server, print its address, and wait until it ends or Ctrl-C is pressed."""
    check_requirements()
    check_port_free(args.host, args.port)
    cmd = solara_command(args.host, args.port)
    print(f"escalation dashboard: serving {url_for(args.host, args.port)} (Ctrl-C to stop)")
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"escalation dashboard: listening on {args.host}: other machines can connect")
    sys.stdout.flush()
    # Its own process group, so that Ctrl-C reaches only us and we stop the server in order.
    proc = subprocess.Popen(cmd, env=solara_env(), start_new_session=True)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        print("\nescalation dashboard: stopping", file=sys.stderr)
        _stop(proc)
        return 0


def _stop(proc: subprocess.Popen) -> None:
    """SIGINT the server's group (a clean shutdown), SIGKILL it after STOP_GRACE seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=STOP_GRACE)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):  # slow, or a second Ctrl-C
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
