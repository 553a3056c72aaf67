"""Helpers for tests that drive a real headless Chromium against a served Solara page.

Follows the recipe in shared/notes/dashboard-testing.md: Debian's Chromium launched by
Playwright with ``executable_path`` (``playwright install`` downloads a browser and fails on
machines without internet), and Solara served in production mode from a subprocess, with its
front-end files read from a local folder filled with ``npm pack`` (sim/dashboard/assets.py).

Typical use::

    from browser import CHROMIUM_ARGS, free_port, require_chromium, serve_solara

    exe = require_chromium()
    with serve_solara(app_file, free_port()) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(url)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

# As root on a machine whose network reaches only package registries, Chromium needs
# --no-sandbox, and without the background-networking flags it keeps trying outside hosts.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

SERVER_START_TIMEOUT = 90.0  # seconds until the page must answer 200
SERVER_STOP_GRACE = 10.0  # seconds between SIGTERM and SIGKILL

_MACOS_BROWSERS = (
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
)


def chromium_path() -> str | None:
    """Path of a Chromium (or Chrome) executable, or None.

    $ESCALATION_CHROMIUM if set, then Debian's /usr/bin/chromium, then the usual names on PATH,
    then the macOS application bundles.
    """
    override = os.environ.get("ESCALATION_CHROMIUM")
    if override:
        return override if os.access(override, os.X_OK) else None
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    for path in _MACOS_BROWSERS:
        if os.access(path, os.X_OK):
            return path
    return None


def running_under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_chromium() -> str:
    """The Chromium path; skips the calling test if there is none, but fails it under CI.

    CI (./run-tests installs Debian's chromium there) must never pass by skipping the browser.
    """
    path = chromium_path()
    if path is not None:
        return path
    message = (
        "no Chromium found (looked at $ESCALATION_CHROMIUM, /usr/bin/chromium, chromium, "
        "chromium-browser, google-chrome on PATH); on Debian: apt-get install chromium"
    )
    if running_under_ci():
        pytest.fail(f"{message}. Under CI the browser tests must run, not skip.")
    pytest.skip(message)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def solara_env() -> dict[str, str]:
    """The environment for a Solara server: local asset folder, no telemetry.

    The folder is $SOLARA_ASSETS_PROXY_CACHE_DIR (./run-tests sets it), else the one
    ``escalation dashboard`` uses, filled the same way (:mod:`sim.dashboard.assets`).
    """
    from sim.dashboard.assets import default_dir, ensure_assets

    env = dict(os.environ)
    if not env.get("SOLARA_ASSETS_PROXY_CACHE_DIR"):
        env["SOLARA_ASSETS_PROXY_CACHE_DIR"] = str(ensure_assets(default_dir()))
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"
    env.setdefault("MPLBACKEND", "Agg")
    return env


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"(no server log: {exc})"
    return "\n".join(text.splitlines()[-lines:]) or "(server log is empty)"


def _answers_200(url: str) -> bool:
    # No proxies: an HTTP_PROXY in the environment must not swallow a loopback request.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM the server's process group, SIGKILL it if still alive after the grace time."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=SERVER_STOP_GRACE)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@contextlib.contextmanager
def serve_solara(app_path: str | os.PathLike[str], port: int) -> Iterator[str]:
    """Serve a Solara app on 127.0.0.1:port in production mode and yield its URL.

    The server runs in its own process group with this interpreter. Waits until the page
    answers 200 (at most SERVER_START_TIMEOUT seconds, else RuntimeError with the server log's
    tail). An exception raised inside the ``with`` block gets the log's tail added as a note,
    since a blank page or a missing element usually has its cause there (for example a
    front-end file Solara could not find in the asset folder). On exit the process group is
    stopped with SIGTERM, then SIGKILL after SERVER_STOP_GRACE seconds.
    """
    url = f"http://127.0.0.1:{port}/"
    cmd = [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(app_path),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--production",
        "--no-open",
        "--no-check-version",
    ]
    env = solara_env()
    with tempfile.TemporaryDirectory(prefix="solara-server-") as tmp:
        log_path = Path(tmp) / "server.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while not _answers_200(url):
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"the Solara server for {app_path} exited with status {proc.returncode}"
                        f" before answering; its log ends:\n{_tail(log_path)}"
                    )
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the Solara server for {app_path} did not answer 200 at {url} within "
                        f"{SERVER_START_TIMEOUT:.0f} s; its log ends:\n{_tail(log_path)}"
                    )
                time.sleep(0.25)
            try:
                yield url
            except Exception as exc:
                assets = Path(env["SOLARA_ASSETS_PROXY_CACHE_DIR"])
                exc.add_note(
                    f"Solara asset folder: {assets} (filled by ./run-tests)\n"
                    f"Solara server log ({url}) ends:\n{_tail(log_path)}"
                )
                raise
        finally:
            _stop(proc)
