#!/usr/bin/env bash
# Usage: scripts/wheel_smoke.sh [PYTHON]
#
# Builds the wheel of this checkout, installs it into a fresh venv and runs every command and
# every public function of the Python API briefly from an empty temporary folder, so that nothing can come from the checkout: the
# scenarios, the history setting, the record and the posterior must all be found inside the
# installed package. PYTHON (default .venv/bin/python) builds the wheel and makes the venv.
#
# The dependencies: by default the fresh venv sees those already installed in PYTHON's venv
# (a .pth file), and the wheel itself is installed with --no-deps: quick (well under two
# minutes). WHEEL_SMOKE_FULL=1 installs the wheel with its dependencies from the index instead
# (a few minutes). Exit status: 0 all commands worked, 1 otherwise.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
py=${1:-$root/.venv/bin/python}
work=$(mktemp -d "${TMPDIR:-/tmp}/escalation-wheel.XXXXXX")
trap 'rm -rf "$work"' EXIT
SECONDS=0
say() { printf 'wheel smoke: %s\n' "$*" >&2; }
# each command starts Python afresh: bytecode written once, into .cache/pycache (see run-tests)
unset PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX=${PYTHONPYCACHEPREFIX:-$root/.cache/pycache}

# build from a copy of what the wheel is made of (setuptools builds in the source tree)
mkdir "$work/src"
cp "$root/pyproject.toml" "$root/README.md" "$root/LICENSE" "$work/src/"
cp -R "$root/sim" "$work/src/sim"
find "$work/src/sim" -name __pycache__ -prune -exec rm -rf {} +
"$py" -m pip wheel "$work/src" --no-deps -q --disable-pip-version-check -w "$work/dist" >&2
wheel=$(ls "$work"/dist/escalation_sim-*.whl)
say "built $(basename "$wheel") in ${SECONDS}s"
"$py" -m venv "$work/venv"
venv_py=$work/venv/bin/python
if [ "${WHEEL_SMOKE_FULL:-}" = 1 ]; then
    "$venv_py" -m pip install -q --disable-pip-version-check "$wheel" >&2
else
    deps=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    site=$("$venv_py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    printf '%s\n' "$deps" >"$site/_escalation_smoke_deps.pth"
    "$venv_py" -m pip install -q --disable-pip-version-check --no-deps "$wheel" >&2
fi
say "installed into a fresh venv at ${SECONDS}s"

mkdir "$work/run"
cd "$work/run"
export MPLBACKEND=Agg
# the package must come from the wheel, not from the checkout
"$venv_py" - "$work/venv" <<'PY'
import sys
from pathlib import Path

import sim

where = Path(sim.__file__).resolve()
assert Path(sys.argv[1]).resolve() in where.parents, f"sim imported from {where}"
PY
esc=$work/venv/bin/escalation
run() {
    local t0=$SECONDS
    "$esc" "$@" >"$work/last.log" 2>&1 || { cat "$work/last.log" >&2; say "FAILED: escalation $*"; exit 1; }
    say "escalation $* ($((SECONDS - t0))s)"
}
run replay --scenario late_2019 --end 2020-01-31 --force us,iran --runs 20 --seed 1 --out replay
run branch --at 2020-01-03 --start 2019-12-01 --policies record,do_nothing --horizon 20 \
    --runs 20 --seed 1 --out branch
run calibrate --seed 1 --particles 20 --generations 1 --rows 20 --ppc-runs 20 --out calibration \
    --write-posterior fits/posterior.csv
run validate --quick --out validation
run record full --monthly --format csv
run record seeds --plot record.png
run run baseline --runs 20 --workers 1 --quiet --out run
run explore mid_2024 --policies do_nothing,strike_iraq --worlds 32 --replications 2 --workers 1 \
    --quiet --out explore
run sensitivity early_2021 --n 4 --params p_injury --reps 1 --quiet --out sensitivity
# the Python API: every public function, small, from the installed package
t0=$SECONDS
"$venv_py" - <<'PY' >"$work/last.log" 2>&1 || { cat "$work/last.log" >&2; say "FAILED: the Python API"; exit 1; }
import sim

sc = sim.load_scenario("baseline", self_excitation=0.3)
runs = sim.simulate(sc, "do_nothing", runs=10, seed=1)
assert runs.shape[0] == 10
res = sim.run("baseline", "strike_syria", runs=10, seed=1)
res.save("api-run")
cmp = sim.compare("baseline", ["strike_syria"], runs=10, seed=1)
assert len(cmp.differences) and cmp.summary()
cmp.save("api-compare")
sim.replay("2020-01-01", "2020-01-20", runs=5, seed=1).save("api-replay")
sim.branch("2020-01-03", "record,do_nothing", horizon=10, runs=5, seed=1).save("api-branch")
cal = sim.calibrate("seeds", 1, particles=20, generations=1, rows=20, ppc_runs=20)
cal.save("api-calibration")
sim.validate(quick=True).save("api-validation")
assert "attacks_total" in sim.model_function("do_nothing", runs=5, seed=1)
m = sim.EscalationModel(policy="do_nothing", rng=1)
m.step()
try:
    from sim.explore import ema_model
    import ema_workbench  # noqa: F401  (the extra 'explore')
except ImportError:
    pass
else:
    ema_model(runs=2)
PY
say "the Python API ($((SECONDS - t0))s)"
for f in api-run/summary.md api-compare/summary.md api-replay/runs.parquet api-branch/branch.csv \
    api-calibration/report.md api-validation/summary.md; do
    [ -s "$f" ] || { say "missing output $f"; exit 1; }
done
cat >mine.yaml <<'YAML'
name: mine
start: 2021-01-01
days: 30
posterior: fits/posterior.csv
YAML
run run mine.yaml --runs 20 --workers 1 --quiet --out run-mine
for f in replay/runs.parquet branch/branch.parquet calibration/report.md fits/posterior.csv record.png \
    validation/summary.md run/outcomes.parquet explore/manifest.json sensitivity/indices.csv \
    run-mine/manifest.json; do
    [ -s "$f" ] || { say "missing output $f"; exit 1; }
done
grep -q '"posterior_file": ".*fits/posterior.csv"' run-mine/manifest.json ||
    { say "run-mine did not draw from fits/posterior.csv"; exit 1; }
# a bad input: one line, status 2
printf 'name: bad\n\xff\n' >bad.yaml
set +e
"$esc" run bad.yaml --out bad >"$work/last.log" 2>&1
status=$?
set -e
if [ "$status" -ne 2 ] || [ "$(wc -l <"$work/last.log")" -ne 1 ] || [ -e bad ]; then
    cat "$work/last.log" >&2
    say "a non-UTF-8 scenario should give one line and status 2 (got $status)"
    exit 1
fi
if [ "${WHEEL_SMOKE_FULL:-}" != 1 ]; then
    "$venv_py" -c 'from sim.dashboard import app; assert "baseline" in app.scenario_choices()'
fi
say "every command worked from $work/run in ${SECONDS}s"
