#!/usr/bin/env bash
# Usage: scripts/bootstrap.sh run|test
#
# Makes sure .venv in the repository root holds a Python >= 3.12 with this project installed
# in editable mode: `run` installs the plain package (what ./escalation needs), `test` adds the
# viz, notebooks and test extras (what ./run-tests needs). Idempotent and quiet: it does work
# only when .venv is missing or broken, or pyproject.toml changed since the last install, and
# then prints a line or two on stderr (plus pip's error output if the install fails).
#
# Where it looks for a Python >= 3.12, in order: $ESCALATION_PYTHON; python3.12, python3.13,
# python3.14 and python3 on PATH (pyenv shims are tried with PYENV_VERSION set); pyenv's
# installed versions; `uv python find`; the usual macOS and Homebrew locations.
#
# Exit status: 0 ready, 1 venv or install failure, 2 no Python >= 3.12 found, 64 bad usage.
# It can also be sourced (`. scripts/bootstrap.sh test`); it then returns instead of exiting.

_esc_say() { printf '%s\n' "bootstrap: $*" >&2; }

# Print the real interpreter path if the command "$@" is a working Python >= 3.12.
_esc_probe() {
    "$@" -c 'import sys; assert sys.version_info >= (3, 12); print(sys.executable)' 2>/dev/null
}

# Print the folders of pyenv's installed versions >= 3.12, newest minor first (free-threaded
# "t" builds left out).
_esc_pyenv_versions() {
    local roots=() r d
    if command -v pyenv >/dev/null 2>&1; then
        r=$(pyenv root 2>/dev/null) && [ -n "$r" ] && roots+=("$r")
    fi
    [ -n "${PYENV_ROOT:-}" ] && roots+=("$PYENV_ROOT")
    roots+=("$HOME/.pyenv" /root/.pyenv)
    for r in "${roots[@]}"; do
        for d in "$r"/versions/3.1[2-9]*; do
            [ -x "$d/bin/python3" ] || continue
            case "${d##*/}" in *t) continue ;; esac
            printf '%s\n' "$d"
        done
    done | sort -r -u
}

# Print the path of a Python >= 3.12, or return 1.
_esc_find_python() {
    local c exe d v minor
    if [ -n "${ESCALATION_PYTHON:-}" ]; then
        if exe=$(_esc_probe "$ESCALATION_PYTHON"); then
            printf '%s\n' "$exe"
            return 0
        fi
        _esc_say "ESCALATION_PYTHON=$ESCALATION_PYTHON is not a working Python >= 3.12; looking elsewhere"
    fi
    for c in python3.12 python3.13 python3.14 python3; do
        command -v "$c" >/dev/null 2>&1 || continue
        if exe=$(_esc_probe "$c"); then
            printf '%s\n' "$exe"
            return 0
        fi
        # A pyenv shim for a version that is installed but not selected fails unless
        # PYENV_VERSION names it: try each installed version of the same minor release.
        minor=${c#python}
        [ "$minor" = 3 ] && continue
        while IFS= read -r d; do
            v=${d##*/}
            case "$v" in "$minor" | "$minor".*) ;; *) continue ;; esac
            if exe=$(PYENV_VERSION=$v _esc_probe "$c"); then
                printf '%s\n' "$exe"
                return 0
            fi
        done < <(_esc_pyenv_versions)
    done
    while IFS= read -r d; do
        if exe=$(_esc_probe "$d/bin/python3"); then
            printf '%s\n' "$exe"
            return 0
        fi
    done < <(_esc_pyenv_versions)
    if command -v uv >/dev/null 2>&1; then
        if c=$(uv python find '>=3.12' 2>/dev/null) && exe=$(_esc_probe "$c"); then
            printf '%s\n' "$exe"
            return 0
        fi
    fi
    for minor in 3.13 3.12 3.14; do
        for c in "/Library/Frameworks/Python.framework/Versions/$minor/bin/python$minor" \
            "/opt/homebrew/bin/python$minor" "/usr/local/bin/python$minor" \
            "/opt/homebrew/opt/python@$minor/bin/python$minor" \
            "/usr/local/opt/python@$minor/bin/python$minor" "$HOME/.local/bin/python$minor"; do
            [ -x "$c" ] || continue
            if exe=$(_esc_probe "$c"); then
                printf '%s\n' "$exe"
                return 0
            fi
        done
    done
    return 1
}

# Return 0 if .venv works and its stamp matches pyproject.toml, 1 if .venv works but needs an
# install (setting $stamp), 2 if .venv/bin/python is missing, broken or older than 3.12.
# The test stamp covers `run` too, since its extras are a superset.
# Uses the caller's $root, $venv, $mode and $extras.
_esc_ready() {
    local hash
    hash=$("$venv/bin/python" -c 'import hashlib, sys
assert sys.version_info >= (3, 12)
print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$root/pyproject.toml" 2>/dev/null) ||
        return 2
    stamp=$venv/.installed-$extras-$hash
    [ -e "$stamp" ] && return 0
    [ "$mode" = run ] && [ -e "$venv/.installed-viz-notebooks-test-$hash" ] && return 0
    return 1
}

_esc_no_python() {
    cat >&2 <<'MSG'
escalation-sim needs Python 3.12 or newer, and none was found (looked at $ESCALATION_PYTHON,
python3.12, python3.13, python3, pyenv's versions, uv and the usual macOS locations).
Get one in any of these ways, then run this command again:
  pyenv install 3.12            (https://github.com/pyenv/pyenv)
  uv python install 3.12        (https://docs.astral.sh/uv/)
  the installer from https://www.python.org/downloads/
or set ESCALATION_PYTHON to the path of a python3.12 (or newer) executable.
MSG
}

# Make .venv if needed and install into it; called with the lock held.
_esc_setup() {
    local py log rc
    _esc_ready
    rc=$?
    [ "$rc" -eq 0 ] && return 0
    if [ "$rc" -eq 2 ]; then
        if [ -e "$venv" ]; then
            _esc_say "$venv is broken or older than Python 3.12; recreating it"
            rm -rf "$venv"
        fi
        if ! py=$(_esc_find_python); then
            _esc_no_python
            return 2
        fi
        _esc_say "creating .venv with Python $("$py" -c 'import sys; print(sys.version.split()[0])') ($py)"
        if ! "$py" -m venv "$venv" >/dev/null 2>&1; then
            rm -rf "$venv"
            if ! { command -v uv >/dev/null 2>&1 && uv venv -q --seed --python "$py" "$venv"; }; then
                rm -rf "$venv"
                _esc_say "could not create $venv with $py ('$py -m venv' failed; on Debian or Ubuntu, install the venv package for that Python)"
                return 1
            fi
        fi
        _esc_ready
        rc=$?
        if [ "$rc" -eq 2 ]; then
            _esc_say "the new $venv/bin/python does not run"
            return 1
        fi
        [ "$rc" -eq 0 ] && return 0
    fi
    # --no-compile: no bytecode for all ~13,000 modules of the dependencies at install time
    # (about 50 s of CPU); the modules the commands import get theirs just after the install,
    # even where PYTHONDONTWRITEBYTECODE is set (below)
    _esc_say "installing escalation-sim ($extras) into .venv; the first time takes a few minutes"
    log=$venv/.bootstrap-pip.log
    if ! (cd "$root" && "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-input \
        --no-compile -e "$spec") >"$log" 2>&1; then
        cat "$log" >&2
        _esc_say "pip install -e '$spec' failed (output above, also in $log)"
        return 1
    fi
    rm -f "$venv"/.installed-* "$log"
    # Bytecode for the modules the commands import (not all ~13,000 of the dependencies): one
    # import of every sub-command, with writing allowed even where PYTHONDONTWRITEBYTECODE is
    # set, so that later commands start without compiling their imports again (seconds each).
    _esc_say "writing bytecode for the commands' imports"
    (cd "$root" && env -u PYTHONDONTWRITEBYTECODE "$venv/bin/python" -c '
import importlib
from sim.cli.main import COMMANDS
for c in COMMANDS:
    try:
        importlib.import_module("sim.cli." + c)
    except Exception:  # an optional extra not installed (run mode): its command says so
        pass
') >/dev/null 2>&1 || true
    : >"$stamp"
}

_esc_bootstrap() {
    local mode=${1:-} root venv extras spec stamp locked="" rc
    case "$mode" in
        run) extras=base spec=. ;;
        test) extras=viz-notebooks-test spec='.[viz,notebooks,test]' ;;
        *)
            _esc_say "usage: scripts/bootstrap.sh run|test"
            return 64
            ;;
    esac
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) || return 1
    venv=$root/.venv
    _esc_ready && return 0
    # One set-up at a time: two first runs side by side would fight over .venv. (A fixed fd
    # number, since macOS's bash 3.2 has no {var}> redirections; macOS has no flock either.)
    if command -v flock >/dev/null 2>&1 && mkdir -p "$root/.cache" &&
        exec 9>"$root/.cache/bootstrap.lock"; then
        locked=1
        flock 9
    fi
    _esc_setup
    rc=$?
    if [ -n "$locked" ]; then
        exec 9>&-
    fi
    return "$rc"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    _esc_bootstrap "$@"
    exit $?
fi
_esc_bootstrap "$@"
