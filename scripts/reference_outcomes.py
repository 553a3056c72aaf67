"""Reference outcomes: per-run numbers of every built-in policy on every shipped scenario.

A refactoring of the rules, the day, the state layout or the engines must leave the numbers as
they are, to the last bit. This script computes a fixed set of cases and either writes their
per-run outcome arrays to a compressed ``.npz`` file or checks the current code against one:

* every built-in policy × every shipped scenario, ``RUNS`` runs each over the scenario's
  horizon, parameters drawn as ``escalation run`` draws them (the scenario's posterior);
* every built-in policy on the baseline with parameters drawn uniformly over the table's
  ranges (the wide draws reach the rules the posterior rarely does: war, the deal, truces, a
  negotiated withdrawal);
* a user's policy written in Python (the engine's other decision path);
* a replay of the record that ``replay`` forces by default (the five articles' rows,
  ``sim.history.replay.record_events``; every forceable actor forced) and a branch from it
  under three policies (a state carried from a history);
* the Mesa engine on a few runs of a few policies.

Each case keeps every per-run outcome the engine counts (one float64 matrix, with the names and
dtypes of its rows) and a SHA-256 digest of its daily series. ``--check`` compares bit for bit
(NaN equal to NaN) and names every outcome that differs; ``--subset`` checks a quick selection
that still reaches every policy, scenario and engine path (the test suite checks them all:
about ten seconds once the kernels are compiled).

Usage::

    python scripts/reference_outcomes.py --write tests/data/reference_outcomes.npz
    python scripts/reference_outcomes.py --check tests/data/reference_outcomes.npz
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import sys
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from sim.core import ladder
from sim.core.params import TABLE, Params
from sim.core.policies import Decision, Policy, all_policies, get_policy
from sim.engines.ensemble import run_ensemble
from sim.engines.mesa.model import run_mesa
from sim.experiments.sampling import build_params, chunk_rngs
from sim.history.replay import FORCEABLE, branch, record_events, replay
from sim.inputs.packaged import scenario_names
from sim.inputs.scenario import load_scenario

SEED = 20240831
RUNS = 64
MESA_RUNS = 3
MESA_POLICIES = ("do_nothing", "tit_for_tat", "negotiate_withdrawal", "answer_attributed")


class InKindInPython(Policy):
    """Tit-for-tat written in numpy (the engine's Python decision path), forgiving a tenth."""

    name = "in_kind_in_python"

    def decide(self, obs, params, u) -> Decision:
        sev = np.asarray(obs.pending_severity)
        action = np.select(
            [obs.pending_iran, sev >= ladder.SEV_LETHAL, sev >= ladder.SEV_HARASSMENT],
            [ladder.US_STRIKE_IRAN, ladder.US_STRIKE_IRAQ, ladder.US_STRIKE_SYRIA],
            ladder.US_NONE,
        ).astype(np.int64)
        intensity = np.select(
            [action == ladder.US_STRIKE_IRAQ, action == ladder.US_STRIKE_SYRIA,
             action == ladder.US_STRIKE_IRAN],
            [params.intensity_iraq, params.intensity_syria, params.intensity_iran],
            0.0,
        )  # fmt: skip
        return Decision(action, intensity, (action != ladder.US_NONE) & (np.asarray(u) < 0.1))


def _digest(daily: dict[str, np.ndarray] | None) -> np.ndarray:
    h = hashlib.sha256()
    for k in sorted(daily or {}):
        h.update(k.encode())
        h.update(np.ascontiguousarray(daily[k]).tobytes())
    return np.array(h.hexdigest())


def _outcomes(prefix: str, outcomes: dict[str, np.ndarray], daily) -> dict[str, np.ndarray]:
    """A case's arrays: its outcomes as one float64 matrix (one row per outcome, in name order;
    counts and flags are exact in float64), their dtypes, and the digest of its daily series."""
    names = sorted(outcomes)
    return {
        prefix: np.stack([np.asarray(outcomes[k], dtype=np.float64) for k in names]),
        f"{prefix}@names": np.array([f"{k}:{np.asarray(outcomes[k]).dtype}" for k in names]),
        f"{prefix}@daily": _digest(daily),
    }


def wide_params(n: int, seed: int) -> Params:
    """``n`` parameter sets drawn uniformly over the table's ranges, each parameter from a
    stream of its own keyed by its name (a parameter added to the table changes no other's)."""
    values = {}
    for k, p in TABLE.items():
        rng = np.random.default_rng([seed, zlib.crc32(k.encode())])
        values[k] = rng.uniform(p.low, p.high, n)
    return Params.build(n, values)


Case = tuple[str, Callable[[], dict[str, np.ndarray]]]


def cases(subset: bool = False) -> Iterator[Case]:
    """The cases, by name: each a function giving its arrays. ``subset``: a quick selection
    that still reaches every policy, every scenario and every engine path."""
    policies = all_policies()
    names = scenario_names()
    for k, sname in enumerate(names):
        for j, pname in enumerate(policies):
            if subset and (j + k) % len(names):
                continue

            def posterior(sname=sname, pname=pname):
                sc = load_scenario(sname)
                draws, prng = chunk_rngs(SEED, 0)
                params = build_params(sc, RUNS, prng)
                r = run_ensemble(sc, get_policy(pname), params, draws)
                return _outcomes(f"posterior/{sname}/{pname}", r.outcomes, r.daily)

            yield f"posterior/{sname}/{pname}", posterior
    for j, pname in enumerate(policies):
        if subset and j % 3:
            continue

        def wide(pname=pname):
            sc = load_scenario("baseline")
            r = run_ensemble(sc, get_policy(pname), wide_params(RUNS, SEED), chunk_rngs(SEED, 1)[0])
            return _outcomes(f"wide/baseline/{pname}", r.outcomes, r.daily)

        yield f"wide/baseline/{pname}", wide

    def python_policy():
        sc = load_scenario("late_2019")
        draws, prng = chunk_rngs(SEED, 2)
        r = run_ensemble(sc, InKindInPython(), build_params(sc, RUNS, prng), draws)
        return _outcomes("python/late_2019/in_kind_in_python", r.outcomes, r.daily)

    yield "python/late_2019/in_kind_in_python", python_policy

    def replayed():
        events = record_events()
        res = replay(events, dt.date(2019, 10, 1), dt.date(2020, 6, 30), RUNS, SEED,
                     force=FORCEABLE)  # fmt: skip
        return _outcomes("replay/2019-10_2020-06", res.trace.outcomes, res.trace.series)

    yield "replay/2019-10_2020-06", replayed

    def branched():
        events = record_events()
        pols = ("record", "do_nothing", "strike_iraq", "negotiate_withdrawal")
        res = branch(events, dt.date(2020, 1, 1), pols, 120, RUNS, SEED,
                     start=dt.date(2019, 10, 1))  # fmt: skip
        out = _outcomes("branch/history", res.history.outcomes, res.history.series)
        for name, tr in res.futures.items():
            out |= _outcomes(f"branch/{name}", tr.outcomes, tr.series)
        return out

    yield "branch/2020-01-01", branched
    for pname in MESA_POLICIES:
        if subset and pname not in ("tit_for_tat", "negotiate_withdrawal"):
            continue

        def mesa(pname=pname):
            sc = load_scenario("baseline")
            draws, prng = chunk_rngs(SEED, 3)
            r = run_mesa(sc, get_policy(pname), build_params(sc, MESA_RUNS, prng), draws)
            return _outcomes(f"mesa/baseline/{pname}", r.outcomes, r.daily)

        yield f"mesa/baseline/{pname}", mesa


def compute(subset: bool = False) -> dict[str, np.ndarray]:
    """Every array of :func:`cases`."""
    out: dict[str, np.ndarray] = {}
    for _, fn in cases(subset):
        out |= fn()
    return out


def same(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit-for-bit equality (NaN equals NaN; dtype and shape must agree)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind == "f":
        return a.tobytes() == b.tobytes()
    return bool(np.array_equal(a, b))


def _rows(arrays: dict[str, np.ndarray], key: str) -> dict[str, np.ndarray] | None:
    """A case's outcome rows by ``name:dtype`` (None for an array that is not a case's matrix)."""
    names = arrays.get(f"{key}@names")
    if names is None or arrays[key].ndim != 2 or len(names) != len(arrays[key]):
        return None
    return {str(n): row for n, row in zip(names, arrays[key], strict=True)}


def differences(ref: dict[str, np.ndarray], now: dict[str, np.ndarray]) -> list[str]:
    """The arrays of ``now`` that differ from ``ref``, naming the outcomes that differ. A case
    or an outcome that ``now`` adds (a new policy's, a new outcome) is not a difference
    (:func:`new_cases`); one that it lost is."""
    out = []
    for k in ref:
        if k.endswith("@names"):
            continue
        if k not in now:
            out.append(f"{k}: lost")
            continue
        a, b = _rows(ref, k), _rows(now, k)
        if a is None or b is None:
            if not same(ref[k], now[k]):
                out.append(f"{k}: differs")
            continue
        lost = [n for n in a if n not in b]
        changed = [n for n in a if n in b and not same(a[n], b[n])]
        if lost or changed:
            what = [f"differs in {', '.join(changed)}"] if changed else []
            what += [f"lost {', '.join(lost)}"] if lost else []
            out.append(f"{k}: {'; '.join(what)}")
    return out


def new_cases(ref: dict[str, np.ndarray], now: dict[str, np.ndarray]) -> list[str]:
    """The cases of ``now`` that the reference does not hold (a policy added since), and the
    outcomes a reference case gained (an outcome added since)."""
    out = sorted(k for k in now if "@" not in k and k not in ref)
    for k in ref:
        a, b = _rows(ref, k), _rows(now, k) if k in now else None
        if a is not None and b is not None:
            out += [f"{k}: {n}" for n in b if n not in a]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--write", metavar="FILE", help="compute every case and write FILE (.npz)")
    g.add_argument("--check", metavar="FILE", help="compare the current code with FILE")
    ap.add_argument("--subset", action="store_true", help="check the quick selection only")
    args = ap.parse_args(argv)
    if args.write:
        arrays = compute()
        path = Path(args.write)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, **arrays)
        print(f"wrote {len(arrays)} arrays to {path} ({path.stat().st_size:,} bytes)")
        return 0
    with np.load(args.check) as f:
        ref = {k: f[k] for k in f.files}
    now = compute(args.subset)
    if args.subset:
        ref = {k: v for k, v in ref.items() if k.split("@")[0] in now}
    diff = differences(ref, now)
    for line in diff:
        print(line)
    for k in new_cases(ref, now):
        print(f"{k}: new, not in the reference (write it again to keep it)")
    cases = [k for k in ref if not k.endswith("@names")]
    print(f"{len(cases) - len(diff)} of {len(cases)} reference arrays identical to {args.check}")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
