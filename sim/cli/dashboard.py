"""``escalation dashboard``: serve the interactive dashboard (:mod:`sim.dashboard.app`) in a
browser.

Runs Solara's server on ``sim/dashboard/app.py`` in production mode, bound to 127.0.0.1 unless told
otherwise, without telemetry. Solara's front-end files are served from a local folder
(:mod:`sim.dashboard.assets`), which the command fills with ``npm pack`` the first time, so the
page needs no CDN. Ctrl-C (SIGINT), SIGTERM and SIGHUP stop the server and free the port.
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
from sim.dashboard.assets import ENV_VAR, default_dir, ensure_assets, solara_version_note
from sim.errors import UserError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
#: The page Solara serves.
APP_PATH = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
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


def solara_env(assets: Path, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The server's environment: no telemetry, front-end files from the folder ``assets``."""
    env = dict(os.environ if environ is None else environ)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"
    env.setdefault("MPLBACKEND", "Agg")
    env[ENV_VAR] = str(assets)
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
        "distribution. Stop it with Ctrl-C.\n\nThe page's front-end files are served from a "
        "local folder, filled with npm (Node.js) the first time (about 70 MB), so no CDN is "
        f"needed: --assets, else ${ENV_VAR}, else ~/.cache/escalation-sim/solara-assets.",
    )
    p.add_argument(
        "--port", type=port_number, default=DEFAULT_PORT, help="TCP port (default %(default)s)"
    )
    p.add_argument(
        "--assets",
        metavar="DIR",
        default=None,
        help=f"folder of Solara's front-end files (default: ${ENV_VAR}, else "
        "~/.cache/escalation-sim/solara-assets); filled with npm pack when incomplete",
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

    def say(text: str) -> None:
        print(f"escalation dashboard: {text}", file=sys.stderr)

    try:
        assets = ensure_assets(Path(args.assets) if args.assets else default_dir(), say=say)
    except KeyboardInterrupt:
        say("stopped while fetching the front-end files; run it again to finish")
        return 130
    note = solara_version_note()
    if note:
        say(note)
    cmd = solara_command(args.host, args.port)
    print(f"escalation dashboard: serving {url_for(args.host, args.port)} (Ctrl-C to stop)")
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"escalation dashboard: listening on {args.host}: other machines can connect")
    sys.stdout.flush()
    # SIGTERM and SIGHUP act as Ctrl-C from before the server starts, so that no signal can
    # end this process while the server lives on.
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    proc = None
    try:
        # Its own process group, so that Ctrl-C reaches only us and we stop the server in order.
        proc = subprocess.Popen(cmd, env=solara_env(assets), start_new_session=True)
        return proc.wait()
    except KeyboardInterrupt:
        print("\nescalation dashboard: stopping", file=sys.stderr)
        if proc is not None:
            _stop(proc)
        return 0
    finally:
        if proc is not None and proc.poll() is None:  # no way out leaves the server behind
            _stop(proc)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _interrupt(_signum: int, _frame: object) -> None:
    """SIGTERM and SIGHUP stop the dashboard as Ctrl-C does."""
    raise KeyboardInterrupt


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
