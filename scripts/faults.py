"""Fault cases against the installed command: two writers, kills, full and read-only disks.

Usage::

    .venv/bin/python scripts/faults.py

Runs ``escalation`` (the one beside this Python) as subprocesses in a temporary folder, on a
30-day scenario, and checks what the README promises when things go wrong:

* two writers of one ``--out``, in every order (the second starting while the first computes
  its chunks or is about to publish; seed 5 against seed 6 with ``--overwrite``; two identical
  commands): the second is refused at once in one line naming the first's pid, and the
  published folder is the first's, matching its manifest file for file and number for number;
* SIGKILL, SIGTERM and SIGHUP of a running ``run --workers 2`` mid-run: every process it
  started (workers, forkserver, resource tracker) is gone within a few seconds, and
  ``--resume`` gives results identical to an uninterrupted run;
* a full disk (a file-size limit, ``RLIMIT_FSIZE``, so that writes fail with EFBIG) while the
  chunks are written, while the result is assembled, in ``replay`` and in ``record --plot``:
  one line naming the file, exit status 2, nothing published (the chunks kept for
  ``--resume``, which then finishes with the uninterrupted numbers);
* as root (where ``mount`` works): a read-only file system as ``--out``, a real full disk (a
  64 kB tmpfs), and no writable folder for the compiled kernels.

The moments are chosen with the pipeline's test hook ``ESCALATION_TEST_GATE``
(:data:`sim.experiments.pipeline.GATE_ENV`). Prints one line per case; exit status 0 when all
held, 1 otherwise. Takes about a minute (CI runs it after the tests).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
ESCALATION = str(Path(sys.executable).parent / "escalation")
GATE = "ESCALATION_TEST_GATE"
SCENARIO = """name: faults
start: 2021-01-01
days: 30
posterior: true
"""
#: The run every case makes (or resumes): 8 chunks of 50 runs.
RUN = ["run", "faults.yaml", "--policy", "strike_iraq", "--runs", "400", "--chunk-size", "50",
       "--quiet"]  # fmt: skip
TIMEOUT = 240


class Failed(AssertionError):
    """A case did not hold."""


def check(cond: bool, why: str) -> None:
    if not cond:
        raise Failed(why)


def env(**extra: str) -> dict[str, str]:
    """The commands' environment: as run-tests, bytecode written once, in .cache/pycache."""
    e = {**os.environ, "MPLBACKEND": "Agg"}
    e.pop("PYTHONDONTWRITEBYTECODE", None)
    e.setdefault("PYTHONPYCACHEPREFIX", str(ROOT / ".cache" / "pycache"))
    return {**e, **extra}


#: Runs ``argv[2:]`` with writes beyond ``argv[1]`` bytes failing with EFBIG (SIGXFSZ, which
#: would kill the process, ignored; both survive the exec).
LIMITED = """
import os, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]),) * 2)
os.execv(sys.argv[2], sys.argv[2:])
"""


def start(args: list[str], cwd: Path, **kw: object) -> subprocess.Popen:
    """Start ``escalation ARGS`` in ``cwd`` (``extra_env``: more environment; ``file_size``:
    a limit of every file it writes, bytes)."""
    extra = kw.pop("extra_env", {})
    limit = kw.pop("file_size", None)
    cmd = [ESCALATION, *args]
    if limit is not None:  # no bytecode then: CPython would cache a cut .pyc file
        cmd = [sys.executable, "-c", LIMITED, str(limit), *cmd]
        extra = {**extra, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.Popen(cmd, cwd=cwd, env=env(**extra), text=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, **kw)  # fmt: skip


def run(args: list[str], cwd: Path, **kw: object) -> tuple[int, str]:
    p = start(args, cwd, **kw)
    _, err = p.communicate(timeout=TIMEOUT)
    return p.returncode, err


def refusal(code: int, err: str, *words: str) -> str:
    """Assert one line, status 2, no traceback, containing ``words``; return the line."""
    lines = err.strip().splitlines()
    check(code == 2, f"status {code}, not 2: {err.strip()[-400:]}")
    check(len(lines) == 1 and lines[0].startswith("escalation: error: "), f"not one line: {err}")
    for w in words:
        check(w in lines[0], f"{w!r} not in: {lines[0]}")
    return lines[0]


def wait_for(path: Path, proc: subprocess.Popen, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise Failed(f"ended before {path.name}: {proc.communicate()[1][-400:]}")
        check(time.monotonic() < deadline, f"{path.name} never appeared")
        time.sleep(0.05)


def group(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group, from /proc."""
    live = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            live.append(int(stat.parent.name))
    return live


def same_results(out: Path, ref: Path) -> None:
    for name in ("outcomes.parquet", "daily_quantiles.parquet"):
        a, b = pd.read_parquet(out / name), pd.read_parquet(ref / name)
        check(a.equals(b), f"{out.name}/{name} differs from the uninterrupted run's")


def matches_manifest(out: Path, seed: int) -> None:
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    present = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    check(sorted(m["files"]) == present, f"{out.name}: manifest lists {m['files']}, has {present}")
    check(m["seed"] == seed, f"{out.name}: manifest seed {m['seed']}, not {seed}")
    summary = (out / "summary.md").read_text(encoding="utf-8")
    check(f"- Seed: {seed};" in summary, f"{out.name}/summary.md is not seed {seed}'s")


def leftovers(cwd: Path, name: str) -> list[str]:
    return sorted(p.name for p in cwd.iterdir() if p.name in (name, f".{name}.lock"))


# --- the cases ---------------------------------------------------------------------------------


def kill_and_resume(work: Path, ref: Path, sig: signal.Signals) -> None:
    """A signal to the main process mid-run: no process left, --resume identical."""
    out = f"killed-{sig.name}"
    gate = work / f"gate-{sig.name}"
    p = start([*RUN, "--seed", "5", "--workers", "2", "--out", out], work,
              extra_env={GATE: f"chunk2@{gate}"}, start_new_session=True)  # fmt: skip
    wait_for(Path(f"{gate}.reached"), p)
    before = group(p.pid)
    check(len(before) >= 4, f"expected main, forkserver, tracker, workers: {before}")
    p.send_signal(sig)
    p.wait(timeout=60)
    deadline = time.monotonic() + 5
    while group(p.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = group(p.pid)
    for pid in left:  # do not leave them running whatever happens
        os.kill(pid, signal.SIGKILL)
    check(not left, f"{len(left)} processes outlived the main process by 5 s after {sig.name}")
    chunks = list((work / f"{out}.partial").glob("chunks/*/*.parquet"))
    check(len(chunks) >= 2 and not (work / out).exists(), f"{out}: {len(chunks)} chunks kept")
    code, err = run([*RUN, "--seed", "5", "--workers", "1", "--out", out, "--resume"], work)
    check(code == 0, f"--resume after {sig.name}: {err[-400:]}")
    same_results(work / out, ref)
    check(leftovers(work, out) == [out], f"left beside {out}: {leftovers(work, out)}")


def second_writer(work: Path, ref: Path, stage: str, first: list[str], second: list[str],
                  first_seed: int, twin: bool = False) -> None:  # fmt: skip
    """``first`` stops at ``stage``; ``second`` (and with ``twin`` an identical copy of
    ``first``) must be refused naming it; ``first`` then publishes a folder that matches its
    manifest."""
    out = "shared"
    gate = work / f"gate-{stage}-{first_seed}"
    p = start([*first, "--out", out], work, extra_env={GATE: f"{stage}@{gate}"})
    try:
        wait_for(Path(f"{gate}.reached"), p)
        state = work / f"{out}.partial" / "state.json"
        stamp = state.stat().st_mtime_ns
        for args in (second, first) if twin else (second,):
            code, err = run([*args, "--out", out], work)
            line = refusal(code, err, f"another process is writing it (pid {p.pid}, started ")
            check("--resume" not in line, f"advice that would mix two runs: {line}")
            check(state.stat().st_mtime_ns == stamp, "the second writer touched OUT.partial")
    finally:
        gate.write_text("go")
    _, err = p.communicate(timeout=TIMEOUT)
    check(p.returncode == 0, f"the first writer failed: {err[-400:]}")
    matches_manifest(work / out, first_seed)
    if first_seed == 5:
        same_results(work / out, ref)
    check(leftovers(work, out) == [out], f"left beside {out}: {leftovers(work, out)}")


def full_disk_then_resume(work: Path, ref: Path, limit: int, words: str) -> None:
    out = f"full-{limit}"
    code, err = run([*RUN, "--seed", "5", "--workers", "1", "--out", out], work,
                    file_size=limit)  # fmt: skip
    refusal(code, err, words, "File too large: ", "--resume")
    check(leftovers(work, out) == [], f"left beside {out}: {leftovers(work, out)}")
    check(not (work / f"{out}.partial" / "final").exists(), "the assembly folder was kept")
    code, err = run([*RUN, "--seed", "5", "--workers", "1", "--out", out, "--resume"], work)
    check(code == 0, f"--resume after a full disk: {err[-400:]}")
    same_results(work / out, ref)


def full_disk_replay_and_plot(work: Path) -> None:
    d = work / "replay-full"
    d.mkdir()
    code, err = run(["replay", "--start", "2020-01-01", "--end", "2020-02-15", "--runs", "50",
                     "--out", "r"], d, file_size=3000)  # fmt: skip
    refusal(code, err, "--out r: cannot write the result (File too large: r/")
    code, err = run(["record", "seeds", "--plot", "rec.png"], d, file_size=20000)
    refusal(code, err, "--plot rec.png: cannot write it (File too large: ")
    check(sorted(p.name for p in d.iterdir()) == [], f"left: {sorted(d.iterdir())}")


def as_root(work: Path) -> str | None:
    """Read-only and really full file systems (tmpfs mounts), and no folder for the kernels;
    None if done, else why skipped."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return "needs root and mount"
    ro, tiny, src = work / "ro", work / "tiny", work / "src"
    for d in (ro, tiny, src):
        d.mkdir()
    mounted = []
    try:
        for d, opts in ((ro, "size=1m,ro"), (tiny, "size=64k"), (src, "size=64m")):
            r = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(d)],
                               capture_output=True, text=True)  # fmt: skip
            if r.returncode != 0:
                return f"mount failed ({r.stderr.strip()})"
            mounted.append(d)
        code, err = run([*RUN, "--workers", "1", "--out", str(ro / "x")], work)
        refusal(code, err, f"--out {ro / 'x'}: cannot create it, {ro} is not writable")
        code, err = run([*RUN, "--workers", "1", "--out", str(tiny / "x")], work)
        refusal(code, err, "No space left on device")
        check(not (tiny / "x").exists() and not (tiny / ".x.lock").exists(), "tiny: left")
        # no writable folder for the kernels: a read-only copy of the package, a read-only HOME
        shutil.copytree(ROOT / "sim", src / "sim", ignore=shutil.ignore_patterns("__pycache__"))
        subprocess.run(["mount", "-o", "remount,ro", str(src)], check=True)
        r = subprocess.run([sys.executable, "-m", "sim.cli.main", "params"], cwd=work,
                           env={**env(PYTHONPATH=str(src), HOME=str(ro)),
                                "PYTHONDONTWRITEBYTECODE": "1"},
                           capture_output=True, text=True, timeout=TIMEOUT)  # fmt: skip
        refusal(r.returncode, r.stderr, "cannot store the compiled kernels", "ESCALATION_NUMBA")
        return None
    finally:
        for d in reversed(mounted):
            subprocess.run(["umount", str(d)], capture_output=True)


def main() -> int:
    t0 = time.monotonic()
    failures = 0
    with tempfile.TemporaryDirectory(prefix="escalation-faults-") as tmp:
        work = Path(tmp)
        (work / "faults.yaml").write_text(SCENARIO, encoding="utf-8")
        code, err = run([*RUN, "--seed", "5", "--workers", "1", "--out", "ref"], work)
        if code != 0:
            print(f"faults: the reference run failed:\n{err}", file=sys.stderr)
            return 1
        ref = work / "ref"
        w5 = [*RUN, "--seed", "5", "--workers", "1"]
        w6 = [*RUN, "--seed", "6", "--workers", "1"]
        cases: dict[str, Callable[[], str | None]] = {
            **{f"{s.name}, then --resume": (lambda s=s: kill_and_resume(work, ref, s))
               for s in (signal.SIGKILL, signal.SIGTERM, signal.SIGHUP)},
            "two writers, the second while the first computes": lambda: second_writer(
                work / "w1", ref, "chunk1", w5, [*w6, "--overwrite"], 5, twin=True),
            "two writers, the second as the first publishes": lambda: second_writer(
                work / "w2", ref, "publish", w5, [*w6, "--overwrite"], 5),
            "two writers, seed 6 with --overwrite first": lambda: second_writer(
                work / "w3", ref, "publish", [*w6, "--overwrite"], [*w5, "--overwrite"], 6),
            "full disk while the chunks are written": lambda: full_disk_then_resume(
                work, ref, 2000, "cannot write chunk 0 of strike_iraq"),
            "full disk while the result is assembled": lambda: full_disk_then_resume(
                work, ref, 60000, "cannot write the result"),
            "full disk in replay and record --plot": lambda: full_disk_replay_and_plot(work),
            "read-only and full file systems, no folder for the kernels": lambda: as_root(work),
        }  # fmt: skip
        for d in ("w1", "w2", "w3"):
            (work / d).mkdir()
            shutil.copy(work / "faults.yaml", work / d / "faults.yaml")

        def attempt(name: str) -> tuple[str, str, float]:
            c0 = time.monotonic()
            try:
                skipped = cases[name]()
                verdict = f"skipped ({skipped})" if skipped else "ok"
            except (Failed, subprocess.TimeoutExpired) as exc:
                verdict = f"FAILED: {exc}"
            return name, verdict, time.monotonic() - c0

        with ThreadPoolExecutor(max_workers=3) as pool:
            for name, verdict, seconds in pool.map(attempt, cases):
                failures += verdict.startswith("FAILED")
                print(f"faults: {name}: {verdict} ({seconds:.0f}s)", file=sys.stderr)
    print(f"faults: {len(cases) - failures}/{len(cases)} cases held in "
          f"{time.monotonic() - t0:.0f}s", file=sys.stderr)  # fmt: skip
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
