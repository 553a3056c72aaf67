"""Fuzzed bad input: every reader answers with one message naming the file, or accepts the file.

For each reader of a user's file (scenario YAML, event record and period counts CSV, posterior
CSV, sensitivity bounds YAML, exploration bounds YAML and CSV) hypothesis generates binary
garbage, random text and small mutations of a valid file. The property: the reader returns a
value, or raises the :class:`sim.errors.UserError` the command line turns into one line and
exit status 2, with the file named in it; never any other exception. Through the command line:
exit status 2, one line on stderr, no traceback, nothing written.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli.main import main
from sim.errors import UserError
from sim.explore.sensitivity import load_bounds
from sim.explore.worlds import load_world_bounds
from sim.inputs.acled import import_acled
from sim.inputs.packaged import data_path
from sim.inputs.posterior import posterior_draws
from sim.inputs.record import load_events, load_period_counts, load_record, packaged_record_dir
from sim.inputs.scenario import load_scenario

FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)

GOOD_SCENARIO = """name: fuzz
description: a valid scenario that the strategies mutate
start: 2021-01-01
days: 10
policy: strike_syria
posterior: false
params:
  p_lethal: 0.1
initial:
  expulsion_voted: true
  air_defence: 0.4
shocks:
  - kind: iran_direction
    start: 2021-01-02
    end: 2021-01-05
    magnitude: 0.5
    label: a shock
"""
GOOD_BOUNDS = "p_lethal: [0.01, 0.2]\nresponse_delay: [1, 10]\n"
GOOD_WORLD_BOUNDS = "p_lethal: [0.01, 0.2]\nresponse_delay: 3\nrevenge_attacks: posterior\n"
GOOD_WORLD_BOUNDS_CSV = "parameter,low,high\np_lethal,0.01,0.2\nresponse_delay,3,3\n"


@contextlib.contextmanager
def _folder() -> Iterator[Path]:
    d = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def _lines_of(name: str, limit: int = 12) -> str:
    return "".join(data_path(name).read_text(encoding="utf-8").splitlines(True)[:limit])


#: The first format's files, as the five articles' rows were first written.
LEGACY = Path(__file__).parent / "data"


def _legacy_lines(name: str, limit: int = 12) -> str:
    return "".join((LEGACY / name).read_text(encoding="utf-8").splitlines(True)[:limit])


def _record_lines(name: str, limit: int = 12) -> str:
    path = packaged_record_dir() / name
    return "".join(path.read_text(encoding="utf-8").splitlines(True)[:limit])


def _as_record_file(name: str) -> Callable[[Path], object]:
    """A reader of one file of a record folder: the file as ``name``, the packaged record's
    other files beside it, in a folder of its own."""

    def read(f: Path) -> object:
        with _folder() as rec:
            for other in ("events.csv", "counts.csv", "gaps.csv"):
                shutil.copy(f if other == name else packaged_record_dir() / other, rec / other)
            return load_record(rec)

    return read


# --- strategies ---------------------------------------------------------------------------------
_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.sampled_from(["2021-02-30", "yes", "1e999", ".nan", "-.inf", "2021-01-01T10:00"]),
)  # fmt: skip
_value = st.recursive(
    _scalar, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8),
                                                                          inner, max_size=4),
    max_leaves=12,
)  # fmt: skip


@st.composite
def mutated_text(draw: st.DrawFn, good: str) -> bytes:
    """A valid file with a few lines replaced, inserted, cut or byte-flipped."""
    lines = good.splitlines(True)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        how = draw(st.sampled_from(["replace", "insert", "delete", "truncate", "bytes"]))
        junk = draw(st.text(max_size=40)) + "\n"
        if how == "replace":
            lines[i] = junk
        elif how == "insert":
            lines.insert(i, junk)
        elif how == "delete" and len(lines) > 1:
            del lines[i]
        elif how == "truncate":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
    raw = "".join(lines).encode("utf-8")
    if draw(st.booleans()):
        pos = draw(st.integers(0, max(len(raw) - 1, 0)))
        raw = raw[:pos] + draw(st.binary(min_size=1, max_size=4)) + raw[pos + 1 :]
    return raw


@st.composite
def mutated_yaml(draw: st.DrawFn, good: str) -> bytes:
    """A valid YAML mapping with one field (maybe nested) set to an arbitrary value."""
    data = yaml.safe_load(good)
    path = draw(st.sampled_from(_paths(data)))
    target = data
    for k in path[:-1]:
        target = target[k]
    target[path[-1]] = draw(_value)
    return yaml.safe_dump(data, allow_unicode=True).encode("utf-8")


def _paths(obj: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, (*prefix, i))
    return out


def garbage(good: str, yaml_file: bool) -> st.SearchStrategy[bytes]:
    """Binary garbage, random text, deep nesting, huge files and mutations of ``good``."""
    parts = [
        st.binary(max_size=300),
        st.text(max_size=300).map(lambda s: s.encode("utf-8")),
        st.text(max_size=50).map(lambda s: s.encode("utf-16")),
        st.integers(100, 3000).map(lambda d: b"a: " + b"[" * d + b"]" * d + b"\n"),
        st.integers(100, 3000).map(lambda d: b"{a: " * d + b"1" + b"}" * d + b"\n"),
        mutated_text(good),
    ]
    if yaml_file:
        parts.append(mutated_yaml(good))
    return st.one_of(*parts)


# --- the property -------------------------------------------------------------------------------
def _check_reader(read: Callable[[Path], object], raw: bytes, suffix: str, named: str) -> None:
    with _folder() as d:
        f = d / f"input{suffix}"
        f.write_bytes(raw)
        try:
            read(f)
        except UserError as exc:
            msg = str(exc)
            assert named in msg, msg  # the message names the file
            assert "\n" not in msg.strip(), msg  # one line
        assert sorted(p.name for p in d.iterdir()) == [f.name]  # nothing written


@FUZZ
@given(garbage(GOOD_SCENARIO, yaml_file=True))
def test_scenario_reader(raw: bytes) -> None:
    _check_reader(load_scenario, raw, ".yaml", "input.yaml")


@FUZZ
@given(garbage(_record_lines("events.csv"), yaml_file=False))
def test_record_events_reader(raw: bytes) -> None:
    _check_reader(_as_record_file("events.csv"), raw, ".csv", "events.csv")


@FUZZ
@given(garbage(_record_lines("counts.csv", 6), yaml_file=False))
def test_record_counts_reader(raw: bytes) -> None:
    _check_reader(_as_record_file("counts.csv"), raw, ".csv", "counts.csv")


GOOD_ACLED = (
    "event_date,event_type,sub_event_type,actor1,assoc_actor_1,actor2,country,admin1,location,"
    "fatalities,notes,source\n"
    "03 January 2020,Explosions/Remote violence,Shelling/artillery/missile attack,"
    "Unidentified Armed Group (Iraq),,Military Forces of the United States (2017-2021),Iraq,"
    "Al Anbar,Ain al-Asad,0,Rockets hit the base hosting US forces.,Reuters\n"
)


def _import_acled(f: Path) -> object:
    with _folder() as out:
        return import_acled(f, out / "rec")


@FUZZ
@given(garbage(GOOD_ACLED, yaml_file=False))
def test_acled_reader(raw: bytes) -> None:
    _check_reader(_import_acled, raw, ".csv", "input.csv")


@FUZZ
@given(garbage(_legacy_lines("five_articles_events.csv"), yaml_file=False))
def test_legacy_record_reader(raw: bytes) -> None:
    _check_reader(load_events, raw, ".csv", "input.csv")


@FUZZ
@given(garbage(_legacy_lines("five_articles_period_counts.csv", 6), yaml_file=False))
def test_legacy_period_counts_reader(raw: bytes) -> None:
    _check_reader(load_period_counts, raw, ".csv", "input.csv")


@FUZZ
@given(garbage(_lines_of("posterior.csv", 8), yaml_file=False))
def test_posterior_reader(raw: bytes) -> None:
    _check_reader(posterior_draws, raw, ".csv", "input.csv")


@FUZZ
@given(garbage(GOOD_BOUNDS, yaml_file=True))
def test_bounds_reader(raw: bytes) -> None:
    _check_reader(load_bounds, raw, ".yaml", "input.yaml")


@FUZZ
@given(garbage(GOOD_WORLD_BOUNDS, yaml_file=True))
def test_exploration_bounds_reader_yaml(raw: bytes) -> None:
    _check_reader(load_world_bounds, raw, ".yaml", "input.yaml")


@FUZZ
@given(garbage(GOOD_WORLD_BOUNDS_CSV, yaml_file=False))
def test_exploration_bounds_reader_csv(raw: bytes) -> None:
    _check_reader(load_world_bounds, raw, ".csv", "input.csv")


def test_the_good_files_are_accepted() -> None:
    # the property is not met by refusing everything
    with _folder() as d:
        (d / "s.yaml").write_text(GOOD_SCENARIO)
        (d / "b.yaml").write_text(GOOD_BOUNDS)
        (d / "w.yaml").write_text(GOOD_WORLD_BOUNDS)
        (d / "w.csv").write_text(GOOD_WORLD_BOUNDS_CSV)
        (d / "e.csv").write_text(_legacy_lines("five_articles_events.csv"))
        (d / "events.csv").write_text(_record_lines("events.csv"))
        (d / "p.csv").write_text(_lines_of("posterior.csv", 8))
        assert load_scenario(d / "s.yaml").days == 10
        assert load_bounds(d / "b.yaml")["p_lethal"] == (0.01, 0.2)
        world = {"p_lethal": (0.01, 0.2), "response_delay": 3.0}
        assert load_world_bounds(d / "w.yaml") == {**world, "revenge_attacks": "posterior"}
        assert load_world_bounds(d / "w.csv") == world
        assert len(load_events(d / "e.csv")) == 11
        assert len(_as_record_file("events.csv")(d / "events.csv").events) == 11
        assert len(posterior_draws(d / "p.csv")) == 7
        (d / "acled.csv").write_text(GOOD_ACLED)
        assert import_acled(d / "acled.csv", d / "rec").events == 1


# --- through the command line -------------------------------------------------------------------
def _cli(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            status = main(argv)
        except SystemExit as exc:  # argparse's own errors
            status = int(exc.code or 0)
    return status, err.getvalue()


_COMMANDS = {
    "run": lambda f, o: ["run", str(f), "--runs", "2", "--workers", "1", "--out", str(o)],
    "sensitivity": lambda f, o: ["sensitivity", str(f), "--n", "4", "--params", "p_injury",
                                 "--reps", "1", "--quiet", "--out", str(o)],
    "replay": lambda f, o: ["replay", "--scenario", str(f), "--runs", "2", "--seed", "1",
                            "--out", str(o)],
}  # fmt: skip


@settings(max_examples=15, deadline=None, database=None)
@given(st.sampled_from(sorted(_COMMANDS)), garbage(GOOD_SCENARIO, yaml_file=True))
def test_commands_refuse_a_bad_scenario_with_one_line(command: str, raw: bytes) -> None:
    with _folder() as d:
        f = d / "input.yaml"
        f.write_bytes(raw)
        out = d / "out"
        status, err = _cli(_COMMANDS[command](f, out))
        assert status in (0, 2), err
        if status == 2:
            assert "Traceback" not in err and err.count("\n") == 1, err
            assert err.startswith("escalation: error: ") and "input.yaml" in err, err
            assert not out.exists() and sorted(p.name for p in d.iterdir()) == ["input.yaml"]


_bad_value = st.one_of(
    st.text(max_size=12), st.sampled_from(["-1", "0", "1.5", "1e9", "2021-13-01", "", " ", "nan"])
)


#: A valid command line of each command (its --out is appended) and the options to spoil.
_VALID = {
    "replay": (["replay", "--start", "2020-01-01", "--end", "2020-01-20", "--runs", "3",
                "--seed", "1"], ["--runs", "--seed", "--start", "--end", "--force", "--record",
                                 "--scenario"]),
    "branch": (["branch", "--at", "2020-01-03", "--policies", "do_nothing", "--horizon", "5",
                "--runs", "2", "--seed", "1"], ["--at", "--policies", "--horizon", "--start",
                                                 "--force", "--runs"]),
    "calibrate": (["calibrate", "--seed", "1", "--particles", "10", "--generations", "1"],
                  ["--seed", "--particles", "--until", "--record", "--write-posterior"]),
    "run": (["run", "baseline", "--runs", "2", "--workers", "1"],
            ["--runs", "--seed", "--chunk-size", "--policy", "--engine"]),
    "sensitivity": (["sensitivity", "baseline", "--n", "4", "--params", "p_injury"],
                    ["--n", "--params", "--bounds", "--method", "--reps", "--policy"]),
}  # fmt: skip


@st.composite
def spoiled_command(draw: st.DrawFn) -> tuple[str, str, str]:
    command = draw(st.sampled_from(sorted(_VALID)))
    option = draw(st.sampled_from(_VALID[command][1]))
    return command, option, draw(_bad_value)


@settings(max_examples=40, deadline=None, database=None)
@given(spoiled_command())
def test_command_line_values_are_refused_with_status_2(case: tuple[str, str, str]) -> None:
    command, option, value = case
    with _folder() as d:
        out = d / "out"
        out.mkdir()
        (out / "keep.txt").write_text("an earlier result")  # refused unless --overwrite
        argv = [*_VALID[command][0], "--out", str(out)]
        if option in argv:
            argv[argv.index(option) + 1] = value
        else:
            argv += [option, value]
        status, err = _cli(argv)
        assert status == 2, err
        assert "Traceback" not in err
        assert sorted(p.name for p in d.iterdir()) == ["out"]
        assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


@pytest.mark.parametrize("command", ["replay", "branch", "calibrate", "run", "sensitivity"])
def test_every_command_refuses_a_non_empty_out(tmp_path: Path, command: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("an earlier result")
    argv = {
        "replay": ["replay", "--start", "2020-01-01", "--end", "2020-01-10", "--runs", "2",
                   "--seed", "1"],
        "branch": ["branch", "--at", "2020-01-03", "--policies", "do_nothing", "--horizon", "5",
                   "--runs", "2", "--seed", "1"],
        "calibrate": ["calibrate", "--seed", "1", "--particles", "10", "--generations", "1"],
        "run": ["run", "baseline", "--runs", "2", "--workers", "1"],
        "sensitivity": ["sensitivity", "baseline", "--n", "2", "--params", "p_injury"],
    }[command] + ["--out", str(out)]  # fmt: skip
    status, err = _cli(argv)
    assert status == 2 and "--overwrite" in err and "Traceback" not in err, err
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
