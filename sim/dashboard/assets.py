"""Solara's front-end files, kept in a local folder so that the dashboard needs no CDN.

Solara's server asks a public CDN (jsDelivr) for the JavaScript and CSS of its page. On a
machine that cannot reach it the page stays blank. Solara serves them from a local folder
instead when the environment variable ``SOLARA_ASSETS_PROXY_CACHE_DIR`` names one, laid out as
``<folder>/<npm package>@<version>/<files of the package>``. :func:`ensure_assets` fills such a
folder with ``npm pack`` from the npm registry (about 70 MB, once) and ``escalation dashboard``
calls it before it starts the server.

The packages are those solara 1.64.1 asks for (checked in a browser; a newer solara may ask
for other versions, and its server log names any it cannot find). Run
``python -m sim.dashboard.assets [DIR]`` to fill a folder by hand.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from sim.errors import UserError

#: The npm packages of Solara's page, as ``name@version``.
SOLARA_ASSETS: tuple[str, ...] = (
    "@widgetti/solara-vuetify-app@10.1.1",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2",
    "requirejs@2.3.6",
    "font-awesome@4.5.0",
)
#: The solara release the list was checked with.
CHECKED_SOLARA = "1.64.1"
#: The environment variable Solara reads.
ENV_VAR = "SOLARA_ASSETS_PROXY_CACHE_DIR"
NPM_TIMEOUT = 300  # seconds for one `npm pack`


class AssetsError(UserError):
    """The front-end files are missing and cannot be fetched."""


def default_dir(environ: dict[str, str] | None = None) -> Path:
    """``$SOLARA_ASSETS_PROXY_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/escalation-sim/
    solara-assets`` (``~/.cache/escalation-sim/solara-assets``)."""
    env = os.environ if environ is None else environ
    if env.get(ENV_VAR):
        return Path(env[ENV_VAR]).expanduser()
    cache = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache).expanduser() / "escalation-sim" / "solara-assets"


def missing(folder: Path) -> list[str]:
    """The packages of :data:`SOLARA_ASSETS` not yet in ``folder``."""
    return [pkg for pkg in SOLARA_ASSETS if not (folder / pkg / "package.json").is_file()]


def solara_version_note() -> str | None:
    """A warning if the installed solara is not the release the asset list was checked with."""
    try:
        found = version("solara")
    except PackageNotFoundError:
        return None
    if found != CHECKED_SOLARA:
        return (
            f"solara {found} is installed but the front-end files listed in "
            f"sim/dashboard/assets.py were checked with {CHECKED_SOLARA}; if the page stays "
            "blank, the server log names the files it could not find"
        )
    return None


def _fetch(pkg: str, folder: Path, npm: str) -> None:
    """``npm pack`` one package into ``folder/pkg`` (atomically: a rename at the end)."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".tmp-", dir=folder) as tmp:
        try:
            proc = subprocess.run(
                [npm, "pack", "--silent", pkg],
                cwd=tmp,
                capture_output=True,
                text=True,
                timeout=NPM_TIMEOUT,
                stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise AssetsError(f"npm pack {pkg} failed: {exc}") from None
        tgz = sorted(Path(tmp).glob("*.tgz"))
        if proc.returncode != 0 or not tgz:
            detail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise AssetsError(f"npm pack {pkg} failed: {' / '.join(detail) or 'no archive'}")
        unpacked = Path(tmp) / "unpacked"
        with tarfile.open(tgz[0]) as tar:
            for member in tar.getmembers():  # npm archives put every file under package/
                member.name = member.name.split("/", 1)[1] if "/" in member.name else ""
            tar.extractall(unpacked, members=[m for m in tar.getmembers() if m.name],
                           filter="data")  # fmt: skip
        target = folder / pkg
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            shutil.rmtree(target)
        unpacked.rename(target)


def ensure_assets(folder: Path | None = None, say: Callable[[str], None] = lambda s: None) -> Path:
    """Make sure ``folder`` (default :func:`default_dir`) holds every package; returns it.

    Raises
    ------
    AssetsError
        if a package is missing and npm is not installed or cannot fetch it; the message says
        what to do.
    """
    folder = default_dir() if folder is None else Path(folder)
    todo = missing(folder)
    if not todo:
        return folder
    npm = shutil.which("npm")
    if npm is None:
        raise AssetsError(
            f"the dashboard's front-end files are not in {folder} and npm (Node.js) is not "
            "installed to fetch them; install npm, or copy a filled folder there (or name one "
            f"with {ENV_VAR})"
        )
    say(f"fetching the dashboard's front-end files into {folder} (once, about 70 MB)")
    for pkg in todo:
        _fetch(pkg, folder, npm)
    return folder


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.dashboard.assets [DIR]``: fill DIR (default :func:`default_dir`)."""
    argv = sys.argv[1:] if argv is None else argv
    folder = Path(argv[0]) if argv else None
    try:
        out = ensure_assets(folder, say=lambda s: print(s, file=sys.stderr))
    except AssetsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
