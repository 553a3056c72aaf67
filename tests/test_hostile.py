"""Hostile inputs, extreme values and faults, in this process: one message naming the file and
field or the option, exit status 2, no traceback, nothing half-written.

Files that are not regular files (a FIFO, /dev/zero, a folder, a socket) for every reader;
dates at the calendar's edges and outside the accepted years (hypothesis); YAML keys given
twice (hypothesis); a record or period file with a header and no rows, numbers of any length
(hypothesis); posteriors with too few columns or draws; unusable ``--out`` places, garbage Dask
addresses (hypothesis), requests too large for the machine; one writer per result folder; a
full disk or read-only target at each stage (monkeypatched writers); workers that end with the
main process. ``tests/test_installed_command.py`` runs a sample of the same through the
installed command, and ``scripts/faults.py`` the faults with real processes and disks.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import errno
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim.experiments.store as store_module
from sim.cli.main import main, quiet_matplotlib_config
from sim.errors import UserError
from sim.experiments import budget
from sim.experiments.executors import check_dask_address
from sim.experiments.lock import OutputLock, lock_path
from sim.experiments.store import partial_dir
from sim.explore.sensitivity import load_bounds
from sim.explore.worlds import load_world_bounds
from sim.inputs.dates import FIRST_DAY, LAST_DAY, MAX_DAYS
from sim.inputs.files import DuplicateKey, parse_yaml
from sim.inputs.packaged import data_path
from sim.inputs.posterior import posterior_draws
from sim.inputs.record import load_events, load_period_counts, load_record, packaged_record_dir
from sim.inputs.scenario import ScenarioError, load_scenario

HYPO = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
LEGACY = Path(__file__).parent / "data"
GOOD = textwrap.dedent(
    """\
    name: hostile
    start: 2021-01-01
    days: 20
    posterior: false
    shocks:
      - kind: iran_direction
        start: 2021-01-02
        end: 2021-01-05
        magnitude: 0.5
    """
)


@contextlib.contextmanager
def folder() -> Iterator[Path]:
    d = Path(tempfile.mkdtemp(prefix="hostile-"))
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    """The single line a refused command printed on stderr (asserts there is only one)."""
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("escalation: error: "), err
    assert "Traceback" not in err
    return lines[0]


def left_beside(out: Path) -> list[str]:
    """What a command left at ``out`` or beside it (the result, its .partial, its lock)."""
    names = {out.name, partial_dir(out).name, lock_path(out).name}
    return sorted(p.name for p in out.parent.iterdir() if p.name in names)


# --- files that are not files ------------------------------------------------------------------


def _record_with(events: Path, d: Path) -> Path:
    """A record folder in ``d`` whose events.csv is a link to ``events``, the others
    packaged."""
    rec = d / "rec"
    rec.mkdir()
    (rec / "events.csv").symlink_to(events)
    for other in ("counts.csv", "gaps.csv"):
        shutil.copy(packaged_record_dir() / other, rec / other)
    return rec


READERS: dict[str, Callable[[Path, Path], object]] = {
    "scenario": lambda p, d: load_scenario(p),
    "posterior": lambda p, d: posterior_draws(p),
    "record": lambda p, d: load_record(_record_with(p, d)),
    "held-out events": lambda p, d: load_events(p),
    "held-out periods": lambda p, d: load_period_counts(p),
    "sensitivity bounds": lambda p, d: load_bounds(p),
    "world bounds": lambda p, d: load_world_bounds(p),
}


def _special(kind: str, d: Path) -> tuple[Path, str]:
    """A file of ``kind`` in ``d`` (or /dev/zero) and the words the refusal must use."""
    if kind == "devzero":
        return Path("/dev/zero"), "character device"
    path = d / f"special.{kind}"
    if kind == "fifo":
        os.mkfifo(path)
        return path, "named pipe"
    if kind == "folder":
        path.mkdir()
        return path, "folder"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    sock.close()
    return path, "socket"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", ["fifo", "devzero", "folder", "socket"])
@pytest.mark.parametrize("reader", sorted(READERS))
def test_only_regular_files_are_read(reader: str, kind: str) -> None:
    with folder() as d:
        path, words = _special(kind, d)
        t0 = time.monotonic()
        with pytest.raises(UserError) as err:
            READERS[reader](path, d)
        assert time.monotonic() - t0 < 10  # refused at once: not waited on, not read
        msg = str(err.value)
        named = "events.csv" if reader == "record" else path.name
        assert named in msg and words in msg and "\n" not in msg, msg


@pytest.mark.timeout(60)
def test_an_exploration_with_a_pipe_for_a_file_is_refused(tmp_path) -> None:
    from sim.explore.runner import load_exploration

    for name in ("worlds.parquet", "outcomes.parquet"):
        (tmp_path / name).write_bytes(b"")
    os.mkfifo(tmp_path / "manifest.json")
    with pytest.raises(UserError, match=r"manifest\.json: is a named pipe \(FIFO\)"):
        load_exploration(tmp_path)


# --- dates ---------------------------------------------------------------------------------------


def _scenario_file(d: Path, text: str) -> Path:
    f = d / "s.yaml"
    f.write_text(text, encoding="utf-8")
    return f


@HYPO
@given(
    year=st.integers(0, 9999), month=st.integers(0, 13), day=st.integers(0, 32),
    days=st.sampled_from([1, 20, 365, MAX_DAYS, MAX_DAYS + 1]),
    quoted=st.booleans(),
)  # fmt: skip
def test_a_scenario_start_anywhere_in_the_calendar(year, month, day, days, quoted) -> None:
    text = f"{year:04d}-{month:02d}-{day:02d}"
    start = f"'{text}'" if quoted else text
    with folder() as d:
        f = _scenario_file(d, f"name: s\nstart: {start}\ndays: {days}\nposterior: false\n")
        try:
            real = dt.date(year, month, day)
        except ValueError:
            real = None
        inside = real is not None and FIRST_DAY <= real <= LAST_DAY
        fits = inside and days <= MAX_DAYS and real + dt.timedelta(days=days - 1) <= LAST_DAY
        if fits:
            assert load_scenario(f).start == real
            return
        with pytest.raises(ScenarioError) as err:
            load_scenario(f)
        msg = str(err.value)
        assert msg.startswith(f"{f}, field '") and "\n" not in msg and "YAML" not in msg, msg
        field = "days" if inside else "start"
        assert f"field '{field}'" in msg, msg
        if real is None and month == 2 and day == 29 and year > 0:
            assert f"{year} is not a leap year" in msg, msg
        if real is not None and not inside:
            assert "outside the years the model accepts (1990-2100)" in msg, msg


@pytest.mark.parametrize(
    "shock, field",
    [
        ("start: 9999-01-01\n    magnitude: 1", "shocks.0.start"),
        ("start: 1066-10-14\n    magnitude: 1", "shocks.0.start"),
        ("start: 2021-01-02\n    end: 9999-12-31\n    magnitude: 1", "shocks.0.end"),
        ("start: 2021-02-29\n    magnitude: 1", "shocks.0.start"),
    ],
)
def test_shock_dates_outside_the_calendar(shock: str, field: str) -> None:
    kind = "iran_direction" if "end:" in shock else "iran_grievance"
    text = f"name: s\nstart: 2021-01-01\nposterior: false\nshocks:\n  - kind: {kind}\n    {shock}\n"
    with folder() as d:
        f = _scenario_file(d, text)
        with pytest.raises(ScenarioError, match=rf"field '{re.escape(field)}'"):
            load_scenario(f)


@pytest.mark.parametrize(
    "args, words",
    [
        (["replay", "--start", "0001-01-01", "--end", "2020-01-31"], "--start: 0001-01-01 is outs"),
        (["replay", "--start", "2021-02-29", "--end", "2021-03-31"], "2021 is not a leap year"),
        (["replay", "--start", "2020-01-01", "--end", "9999-12-31"], "--end: 9999-12-31 is outs"),
        (["replay", "--start", "1990-01-01", "--end", "2020-01-01"], "longest simulated period"),
        (["branch", "--at", "2020-01-03", "--horizon", "9999999"], "--horizon 9999999 from"),
        (["branch", "--at", "2100-12-01", "--horizon", "100"], "after the last day"),
        (["branch", "--at", "9999-01-01"], "--at: 9999-01-01 is outside"),
        (["calibrate", "--until", "0001-01-01"], "--until: 0001-01-01 is outside"),
    ],
)
def test_command_line_dates_outside_the_calendar(tmp_path, capsys, args, words) -> None:
    out = tmp_path / "out"
    assert main([*args, "--runs", "5", "--out", str(out)] if args[0] != "calibrate"
                else [*args, "--out", str(out)]) == 2  # fmt: skip
    assert words in one_line(capsys)
    assert left_beside(out) == []


# --- YAML keys given twice -----------------------------------------------------------------------

_key = st.text("abcdefgh_", min_size=1, max_size=6)


@HYPO
@given(keys=st.lists(_key, min_size=1, max_size=8, unique=True), data=st.data())
def test_a_key_given_twice_is_named_with_its_lines(keys: list[str], data: st.DataObject) -> None:
    nested = data.draw(st.booleans())
    again = data.draw(st.integers(0, len(keys) - 1))
    where = data.draw(st.integers(again + 1, len(keys)))
    lines = [f"{k}: {i}" for i, k in enumerate(keys)]
    lines.insert(where, f"{keys[again]}: twice")
    first, line = again + 1, where + 1
    if nested:
        lines = ["outer:", *("  " + x for x in lines)]
        first, line = first + 1, line + 1
    with pytest.raises(DuplicateKey) as err:
        parse_yaml("\n".join(lines) + "\n")
    assert str(err.value) == (
        f"line {line}: the key {keys[again]!r} appears twice (first on line {first})"
    )


def test_a_key_given_twice_in_each_yaml_reader(tmp_path) -> None:
    f = _scenario_file(tmp_path, GOOD.replace("days: 20\n", "days: 20\nname: again\n"))
    with pytest.raises(ScenarioError, match=r"s\.yaml, line 4: the key 'name' appears twice"):
        load_scenario(f)
    b = tmp_path / "b.yaml"
    b.write_text("p_lethal: [0.01, 0.2]\np_lethal: [0.1, 0.3]\n")
    for read in (load_bounds, load_world_bounds):
        with pytest.raises(UserError, match=r"b\.yaml, line 2: the key 'p_lethal' appears"):
            read(b)
    # merging an anchor and overriding one of its keys is not a repeat
    merged = parse_yaml("a: &a {x: 1, y: 2}\nb:\n  <<: *a\n  x: 3\n")
    assert merged == {"a": {"x": 1, "y": 2}, "b": {"x": 3, "y": 2}}
    bomb = "a: &a [1, 2]\n" + "".join(f"k{i}: *a\n" for i in range(200))
    with pytest.raises(ScenarioError, match="more than 100 aliases"):
        load_scenario(_scenario_file(tmp_path, bomb))


# --- records, periods and posteriors too short; numbers too large ----------------------------


def _record_text(name: str) -> str:
    return (packaged_record_dir() / name).read_text(encoding="utf-8")


def _copy_record(d: Path, **files: str) -> Path:
    rec = d / "rec"
    rec.mkdir()
    for name in ("events.csv", "counts.csv", "gaps.csv"):
        text = files.get(name.removesuffix(".csv"), _record_text(name))
        (rec / name).write_text(text, encoding="utf-8")
    return rec


def test_a_record_or_period_file_with_a_header_only_is_refused(tmp_path) -> None:
    header = _record_text("events.csv").splitlines()[0] + "\n"
    counts_header = _record_text("counts.csv").splitlines()[0] + "\n"
    with pytest.raises(UserError, match=r"events\.csv, file: no events and no count statements"):
        load_record(_copy_record(tmp_path, events=header, counts=counts_header))
    # events alone, or count statements alone, are a record (of counts, of events)
    (tmp_path / "c").mkdir()
    counts_only = load_record(_copy_record(tmp_path / "c", events=header))
    assert counts_only.events.empty and not counts_only.counts.empty
    for name, read, what in (
        ("five_articles_events.csv", load_events, "no events"),
        ("five_articles_period_counts.csv", load_period_counts, "no count statements"),
    ):
        f = tmp_path / name
        f.write_text((LEGACY / name).read_text(encoding="utf-8").splitlines()[0] + "\n")
        with pytest.raises(UserError, match=rf"{re.escape(name)}, file: {what}"):
            read(f)


def _events_with(**cells: str) -> str:
    frame = pd.read_csv(packaged_record_dir() / "events.csv", dtype=str, keep_default_na=False)
    for k, v in cells.items():
        frame.loc[0, k] = v
    return frame.to_csv(index=False)


@settings(max_examples=25, deadline=None, database=None)
@given(digits=st.text("0123456789", min_size=1, max_size=40))
def test_record_numbers_of_any_length(digits: str) -> None:
    with folder() as d:
        rec = _copy_record(d, events=_events_with(us_wounded=digits))
        if int(digits) <= 1_000_000:
            assert load_record(rec).events["us_wounded"].iloc[0] >= 0
            return
        with pytest.raises(UserError) as err:
            load_record(rec)
        assert "events.csv, line 2, field 'us_wounded'" in str(err.value)
        assert "larger than any count" in str(err.value)


@pytest.mark.parametrize(
    "date, words", [("0001-01-01", "outside the years"), ("1989-12-31", "outside the years"),
                    ("9999-12-31", "is after 2024-08-31")],
)  # fmt: skip
def test_record_dates_outside_the_calendar(tmp_path, date, words) -> None:
    rec = _copy_record(tmp_path, events=_events_with(date=date, date_precision="day"))
    with pytest.raises(UserError, match=rf"events\.csv, line 2, field 'date': .*{words}"):
        load_record(rec)


def test_posteriors_with_too_few_columns_or_draws(tmp_path) -> None:
    lines = data_path("posterior.csv").read_text(encoding="utf-8").splitlines()
    cases = {
        "one_column.csv": ("p_lethal\n0.1\n0.12\n", "lacks 20 of the 21 parameters"),
        "one_draw.csv": ("\n".join(lines[:2]) + "\n", "has 1 draw"),
        "unnamed.csv": (",".join(["", *lines[0].split(",")[1:]]) + "\n" + "\n".join(lines[1:4]),
                        "empty column name"),
    }  # fmt: skip
    for name, (text, words) in cases.items():
        f = tmp_path / name
        f.write_text(text)
        with pytest.raises(UserError, match=rf"{re.escape(name)}: .*{words}"):
            posterior_draws(f)
    good = tmp_path / "good.csv"
    good.write_text("\n".join(lines[:4]) + "\n")
    assert len(posterior_draws(good)) == 3


# --- the command line --------------------------------------------------------------------------


@pytest.mark.parametrize("out", ["/", ".", "..", "sub/..", "x\x00y", "n" * 300])
def test_unusable_out_places(tmp_path, monkeypatch, capsys, out) -> None:
    monkeypatch.chdir(tmp_path)
    for command in (
        ["run", "baseline", "--runs", "5"],
        ["replay", "--start", "2020-01-01", "--end", "2020-01-31", "--runs", "5"],
    ):
        assert main([*command, "--out", out]) == 2
        assert "--out" in one_line(capsys)
    assert sorted(tmp_path.iterdir()) == []


@HYPO
@given(st.text(max_size=40))
def test_any_dask_address_is_checked_or_refused_in_one_message(address: str) -> None:
    try:
        scheme, host, port = check_dask_address(address)
    except UserError as exc:
        assert str(exc).startswith("--dask-scheduler ") and "\n" not in str(exc)
        return
    assert scheme in ("tcp", "tls", "ws", "wss", "ucx") and host and 1 <= port <= 65535


@pytest.mark.parametrize("address", ["garbage", "tcp://", "tcp://host:port", "http://h:1",
                                     "tcp://127.0.0.1:99999", "tcp://127.0.0.1:1"])  # fmt: skip
def test_garbage_dask_addresses_through_the_command(tmp_path, capsys, address) -> None:
    out = tmp_path / "out"
    args = ["run", "baseline", "--runs", "5", "--out", str(out), "--dask-scheduler", address]
    assert main(args) == 2
    assert "--dask-scheduler" in one_line(capsys)
    assert left_beside(out) == []


@pytest.mark.parametrize(
    "args, option",
    [
        (["run", "baseline", "--runs", "99999999999"], "--runs 99999999999"),
        (["compare", "baseline", "--runs", "10000000000"], "--runs 10000000000"),
        (["compare", "baseline", "--runs", "10", "--workers", "100000"], "--workers 100000"),
        (["explore", "baseline", "--worlds", "99999999999"],
         "--worlds 99999999999 --replications 20"),
        (["sensitivity", "baseline", "--n", "99999999999"], "--n 99999999999 --reps 4"),
        (["replay", "--start", "2020-01-01", "--end", "2020-12-31", "--runs", "99999999999"],
         "--runs 99999999999"),
        (["branch", "--at", "2020-01-03", "--runs", "99999999999"], "--runs 99999999999"),
        (["calibrate", "--particles", "99999999999"], "--particles 99999999999"),
    ],
)  # fmt: skip
def test_requests_beyond_the_machine_are_refused_with_estimates(tmp_path, capsys, args, option):
    out = tmp_path / "out"
    t0 = time.monotonic()
    assert main([*args, "--out", str(out)]) == 2
    line = one_line(capsys)
    assert line.startswith(f"escalation: error: {option}: ") and "--allow-large" in line
    if "--workers" not in option:
        assert "would take about" in line and "of memory" in line
    assert time.monotonic() - t0 < 60
    assert left_beside(out) == []


def test_the_size_limits() -> None:
    small = budget.experiment_cost(13, 1000, 365, 2000, 2)  # the default compare
    budget.check(small, "--runs")
    assert small.hours < 1 / 60
    big = budget.experiment_cost(1, 10**11, 365, 2000, 2)
    with pytest.raises(UserError, match=r"--runs: 1 policy × 100,000,000,000 runs"):
        budget.check(big, "--runs")
    budget.check(big, "--runs", allow=True)  # --allow-large
    long = budget.Cost("a long one", 25 * 3600 * 2, 1, workers=2)  # 25 hours on 2 cores
    with pytest.raises(UserError, match="at most 24 hours"):
        budget.check(long, "--runs")
    budget.check(budget.Cost("on Dask", 1e12, 1, workers=0), "--runs")  # time unknown there
    with pytest.raises(UserError, match="more than 4 worker processes per core"):
        budget.check_workers(9, 2)
    budget.check_workers(8, 2)


def test_a_bad_command_line_is_one_line(capsys) -> None:
    for args in (["run", "baseline", "--runs", "x" * 5000], ["nosuch"], ["run"],
                 ["run", "baseline", "--runs", "0"]):  # fmt: skip
        with pytest.raises(SystemExit) as exc:
            main(args)
        assert exc.value.code == 2
        line = one_line(capsys)
        assert "--help" in line and len(line) < 600


def test_no_folder_for_the_kernels_is_one_message(monkeypatch, capsys) -> None:
    import sim.cli.main as cli

    def no_locator(command: str | None = "*") -> None:
        raise RuntimeError("cannot cache function 'mix': no locator available for file 'x.py'")

    monkeypatch.setattr(cli, "build_parser", no_locator)
    monkeypatch.setenv("ESCALATION_NUMBA_CACHE", "/read/only/cache")
    assert cli.main(["run", "baseline"]) == 2
    assert "/read/only/cache" in one_line(capsys)


def test_a_read_only_home_leaves_matplotlib_quiet(tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    monkeypatch.delenv("MPLCONFIGDIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocker / "config"))  # cannot be created
    quiet_matplotlib_config()
    folder_ = Path(os.environ["MPLCONFIGDIR"])
    assert folder_.is_dir() and folder_.name.startswith("escalation-matplotlib-")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("MPLCONFIGDIR", "/chosen")
    quiet_matplotlib_config()
    assert os.environ["MPLCONFIGDIR"] == "/chosen"  # the user's choice is kept


# --- one writer per result folder --------------------------------------------------------------

HOLDER = """
import sys, time
from sim.experiments.lock import OutputLock
with OutputLock(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(120)
"""


@pytest.mark.timeout(120)
def test_a_second_writer_is_refused_naming_the_first(tmp_path, short_scenario, capsys) -> None:
    out = tmp_path / "shared"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(out)], stdout=subprocess.PIPE,
                              text=True)  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "locked"
        info = json.loads(lock_path(out).read_text())
        assert info["pid"] == holder.pid
        partial_dir(out).mkdir()  # the holder's work so far
        (partial_dir(out) / "state.json").write_text("{}")
        sc = str(short_scenario(days=10))
        for extra in ([], ["--overwrite"], ["--resume"]):
            assert main(["run", sc, "--runs", "5", "--workers", "1", "--out", str(out),
                         *extra]) == 2  # fmt: skip
            line = one_line(capsys)
            assert f"another process is writing it (pid {holder.pid}, started " in line
            assert "-c" in line  # its command line
            assert (partial_dir(out) / "state.json").exists()  # not touched
        assert main(["replay", "--start", "2020-01-01", "--end", "2020-01-20", "--runs", "5",
                     "--out", str(out), "--overwrite"]) == 2  # fmt: skip
        assert f"pid {holder.pid}" in one_line(capsys)
    finally:
        holder.kill()
        holder.wait()
    # the lock went with its process; the file it left is no obstacle
    shutil.rmtree(partial_dir(out))
    assert lock_path(out).exists()
    assert main(["run", sc, "--runs", "5", "--workers", "1", "--out", str(out), "--quiet"]) == 0
    assert out.is_dir() and not lock_path(out).exists() and not partial_dir(out).exists()


def test_the_lock_is_released_on_failure_and_its_folders_removed(tmp_path) -> None:
    out = tmp_path / "new" / "deeper" / "out"
    with pytest.raises(KeyboardInterrupt), OutputLock(out):
        assert lock_path(out).exists()
        raise KeyboardInterrupt
    assert sorted(tmp_path.iterdir()) == []


# --- a full disk or a read-only target at each stage -------------------------------------------


def _fail(code: int) -> Callable[..., None]:
    """A writer (``write_bytes_atomic(path, data)``, ``write_parquet_atomic(df, path)``) that
    fails as a full or read-only disk does."""

    def write(*args: object) -> None:
        path = next(a for a in args if isinstance(a, str | Path))
        raise OSError(code, os.strerror(code), str(path))

    return write


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_a_failed_write_of_a_figure_publishes_nothing_and_resume_finishes(
    tmp_path, short_scenario, monkeypatch, capsys, code
) -> None:
    import sim.figures.style as style

    sc = str(short_scenario(days=20))
    out = tmp_path / "c"
    args = ["run", sc, "--policy", "strike_iraq", "--runs", "40", "--chunk-size", "10",
            "--workers", "1", "--quiet", "--out", str(out)]  # fmt: skip
    monkeypatch.setattr(style, "write_bytes_atomic", _fail(code))
    assert main(args) == 2
    line = one_line(capsys)
    assert f"({os.strerror(code)}: {out}/" in line and "--resume" in line
    assert not out.exists() and not (partial_dir(out) / "final").exists()
    assert not lock_path(out).exists()
    assert len(list(partial_dir(out).glob("chunks/*/*.parquet"))) == 4  # kept for --resume
    monkeypatch.undo()
    assert main([*args, "--resume"]) == 0
    ref = tmp_path / "ref"
    assert main([*args[:-1], str(ref)]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out / "outcomes.parquet"),
                                  pd.read_parquet(ref / "outcomes.parquet"))  # fmt: skip
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(manifest["files"]) == sorted(p.name for p in out.iterdir())


def test_a_failed_chunk_write_keeps_the_chunks_before_it(tmp_path, short_scenario, monkeypatch,
                                                         capsys) -> None:  # fmt: skip
    real = store_module.write_parquet_atomic
    written: list[Path] = []

    def second_fails(df: pd.DataFrame, path: Path) -> None:
        if written:
            _fail(errno.ENOSPC)(path)
        real(df, path)
        written.append(path)

    monkeypatch.setattr(store_module, "write_parquet_atomic", second_fails)
    out = tmp_path / "c"
    assert main(["run", str(short_scenario(days=20)), "--runs", "40", "--chunk-size", "20",
                 "--workers", "1", "--quiet", "--out", str(out)]) == 2  # fmt: skip
    line = one_line(capsys)
    assert "cannot write chunk 1 of" in line and "No space left on device" in line
    assert [p.name for p in partial_dir(out).glob("chunks/*/*.parquet")] == [written[0].name]
    assert not out.exists() and not lock_path(out).exists()


@pytest.mark.parametrize("command", ["replay", "branch"])
def test_a_failed_write_of_replay_or_branch_leaves_nothing(tmp_path, monkeypatch, capsys, command):
    import sim.experiments.store as store  # the API's Replay.save and Branch.save write with it

    monkeypatch.setattr(store, "write_parquet_atomic", _fail(errno.EROFS))
    out = tmp_path / "r"
    args = {"replay": ["--start", "2020-01-01", "--end", "2020-01-20"],
            "branch": ["--at", "2020-01-03", "--horizon", "10"]}[command]  # fmt: skip
    assert main([command, *args, "--runs", "5", "--out", str(out)]) == 2
    assert f"(Read-only file system: {out}/" in one_line(capsys)
    assert sorted(tmp_path.iterdir()) == []


def test_a_failed_write_of_the_record_plot(tmp_path, monkeypatch, capsys) -> None:
    import sim.figures.style as style

    real = style.write_bytes_atomic

    def pdf_fails(path: Path, data: bytes) -> None:
        (real if path.suffix == ".png" else _fail(errno.ENOSPC))(path, data)

    monkeypatch.setattr(style, "write_bytes_atomic", pdf_fails)
    assert main(["record", "seeds", "--plot", str(tmp_path / "r.png")]) == 2
    assert "--plot" in one_line(capsys)
    assert sorted(tmp_path.iterdir()) == []  # not the PNG without its PDF


# --- no orphans ----------------------------------------------------------------------------------

WATCHED = """
import os, sys, time
import multiprocessing as mp
from sim.experiments.lifeline import worker_init
import concurrent.futures as cf

def pid(_):
    time.sleep(0.3)  # long enough for both workers to take tasks
    return os.getpid()

if __name__ == "__main__":
    ctx = mp.get_context("forkserver")  # as LocalPool's, without its preload (quicker)
    reader, writer = ctx.Pipe(duplex=False)
    with_watch = sys.argv[1] == "watch"
    pool = cf.ProcessPoolExecutor(2, mp_context=ctx, initializer=worker_init,
                                  initargs=(reader,) if with_watch else ())
    pids = {f.result() for f in [pool.submit(pid, i) for i in range(8)]}
    print(" ".join(map(str, sorted(pids))), flush=True)
    time.sleep(120)
"""


def _group(pgid: int) -> list[int]:
    """The live (not zombie) processes of a process group (from /proc)."""
    live = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            live.append(int(stat.parent.name))
    return live


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "sig, watch",
    [(signal.SIGKILL, True), (signal.SIGTERM, True), (signal.SIGHUP, True),
     (signal.SIGKILL, False)],  # the control: unwatched workers outlive their main process
)  # fmt: skip
def test_workers_end_with_the_main_process(tmp_path, sig, watch) -> None:
    script = tmp_path / "watched.py"
    script.write_text(WATCHED)
    proc = subprocess.Popen([sys.executable, str(script), "watch" if watch else "unwatched"],
                            stdout=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
    try:
        workers = [int(p) for p in proc.stdout.readline().split()]
        assert len(workers) == 2 and set(workers) <= set(_group(proc.pid))
        proc.send_signal(sig)
        proc.wait(timeout=30)
        deadline = time.monotonic() + (10 if watch else 3)  # workers, forkserver, tracker
        while _group(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if watch:
            assert _group(proc.pid) == [], "processes outlived the main process"
        else:
            assert set(workers) <= set(_group(proc.pid))
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # whatever is left of the group
        proc.wait()


def test_calendar_constants_are_the_documented_ones() -> None:
    assert (FIRST_DAY, LAST_DAY, MAX_DAYS) == (dt.date(1990, 1, 1), dt.date(2100, 12, 31), 3650)
    assert calendar.isleap(2100) is False  # 2100-02-29 is refused as not a leap year
