"""Scenarios: validated YAML files that set the period, the policy, parameters and shocks.

A scenario names everything a run needs besides the seed and the number of runs. Unknown keys,
wrong types and values outside a parameter's range are refused with a message that names the
file and the field (:class:`ScenarioError`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from sim.core import params as P
from sim.core.policies import PolicyError, all_policies, get_policy
from sim.errors import UserError
from sim.inputs.dates import MAX_DAYS, calendar_problem, last_day_problem, range_problem
from sim.inputs.files import read_yaml

#: Shock kinds that act on their start day only.
PULSE_KINDS: tuple[str, ...] = ("militia_grievance", "iran_grievance", "iran_grievance_third_party")
SHOCK_KINDS = {
    "militia_grievance": "pulse on the start day, felt by every group as a strike of this "
    "intensity (strike intensity units; the 2021-02-25 Syria strike is 1)",
    "iran_grievance": "pulse on the start day, in Iranian grievance units (Soleimani's killing "
    "is 1)",
    "iran_direction": "Iran pushes its partners harder from start to end (log-hazard units, "
    "scaled by each group's closeness)",
    "iran_restraint": "Iran restrains its partners from start to end (log-hazard units)",
    "iran_grievance_third_party": "pulse on the start day, in Iranian grievance units, at a "
    "third party (Haniyeh's killing in Tehran, blamed on Israel): it pushes Iran's partners but "
    "not Iran's own strikes on US forces",
}


class _Strict(BaseModel):
    # strict: YAML's true/false, numbers and dates keep their types; "yes" is not a bool and
    # true is not a number. Infinite and NaN numbers are refused.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


def _iso_date(v: object) -> object:
    """A date as YAML gives it (unquoted) or an ISO ``YYYY-MM-DD`` string; nothing else. A date
    that is not on the calendar reaches here as text (:func:`sim.inputs.files.parse_yaml`) and
    the message says why (``2021 is not a leap year``)."""
    if isinstance(v, dt.datetime):
        raise ValueError("expected a date (YYYY-MM-DD), not a date and time")
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v.strip())
        except ValueError:
            raise ValueError(f"{v!r} is not a date ({calendar_problem(v)})") from None
    return v


def _in_range(v: dt.date) -> dt.date:
    """A date inside the years the model accepts (:mod:`sim.inputs.dates`)."""
    problem = range_problem(v)
    if problem is not None:
        raise ValueError(problem)
    return v


Date = Annotated[dt.date, BeforeValidator(_iso_date), AfterValidator(_in_range)]


class Shock(_Strict):
    """An exogenous event on the timeline (an anniversary, a regional war, an assassination).

    A pulse kind (:data:`PULSE_KINDS`) acts on its start day only and takes no ``end``; the
    other kinds act from ``start`` to ``end`` (inclusive; open-ended: to the last day).
    """

    kind: Literal[
        "militia_grievance",
        "iran_grievance",
        "iran_direction",
        "iran_restraint",
        "iran_grievance_third_party",
    ]
    start: Date
    end: Date | None = None
    magnitude: float = Field(ge=-10, le=10)
    label: str = Field("", max_length=500)

    @model_validator(mode="after")
    def _check_end(self) -> Shock:
        if self.end is not None and self.kind in PULSE_KINDS:
            raise ValueError(
                f"'{self.kind}' is a pulse on its start day and takes no 'end' (remove it, or "
                "use iran_direction / iran_restraint for a shock that lasts)"
            )
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    def last_day(self, period_end: dt.date) -> dt.date:
        """The last day the shock acts on, within a period ending ``period_end``."""
        if self.kind in PULSE_KINDS:
            return self.start
        return period_end if self.end is None else self.end


class InitialState(_Strict):
    """The actors' state on the first day (defaults: a quiet start)."""

    militia_grievance: float = Field(0.0, ge=0, le=10, description="strike-intensity units")
    militia_fear: float = Field(0.0, ge=0, le=10, description="log-hazard units")
    iran_grievance: float = Field(0.0, ge=0, le=10, description="Soleimani's killing = 1")
    iran_fear: float = Field(0.0, ge=0, le=10)
    iraq_pressure: float = Field(0.0, ge=0, le=20)
    expulsion_voted: bool = False
    air_defence: float | None = Field(None, ge=0, le=1, description="default: parameter")
    exposure: float | None = Field(None, ge=0.1, le=2, description="default: parameter")
    red_line: float = Field(
        0.0,
        ge=0,
        le=1,
        description="the militias' reading of the US red line: how much more surely they "
        "expect an attack that kills Americans to be answered than one that does not (0-1)",
    )


class Scenario(_Strict):
    """A validated scenario.

    ``posterior``: true draws the informed parameters from the shipped calibrated posterior,
    false uses the table's defaults, a path (``*.csv``, relative to the scenario file) draws
    from that posterior file. ``policies`` is the list ``escalation compare --policies
    scenario`` (and ``branch`` by default) runs; ``all`` stands for every built-in policy.
    """

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
    description: str = Field("", max_length=5000)
    start: Date
    days: int = Field(365, ge=1, le=MAX_DAYS)
    policy: str = "do_nothing"
    policies: list[str] | Literal["all"] | None = Field(None, max_length=100)
    params: dict[str, float] = Field(default_factory=dict)
    shocks: list[Shock] = Field(default_factory=list, max_length=1000)
    initial: InitialState = Field(default_factory=InitialState)
    posterior: bool | str = Field(
        True, description="true: the shipped posterior; false: table defaults; or a CSV path"
    )

    @field_validator("params")
    @classmethod
    def _check_params(cls, v: dict[str, float]) -> dict[str, float]:
        for name, value in v.items():
            P.check_value(name, value)
        return v

    @field_validator("policy")
    @classmethod
    def _check_policy(cls, v: str) -> str:
        get_policy(v)
        return v

    @field_validator("policies")
    @classmethod
    def _check_policies(cls, v: list[str] | str | None) -> list[str] | None:
        if v == "all":  # every built-in policy, in registry order
            return all_policies()
        for name in v or []:
            get_policy(name)
        return v

    @field_validator("posterior")
    @classmethod
    def _check_posterior(cls, v: bool | str) -> bool | str:
        if isinstance(v, str) and not v.strip().lower().endswith(".csv"):
            raise ValueError(f"expected true, false or the path of a .csv file, got {v!r}")
        return v

    @model_validator(mode="after")
    def _check_shock_dates(self) -> Scenario:
        problem = last_day_problem(self.start, self.days)
        if problem is not None:
            raise ValueError(f"field 'days': {problem}")
        for i, s in enumerate(self.shocks):
            if s.start > self.end or s.last_day(self.end) < self.start:
                raise ValueError(
                    f"field 'shocks.{i}': {s.kind} from {s.start}"
                    + (f" to {s.end}" if s.end else "")
                    + f" lies outside the scenario's period {self.start} to {self.end}"
                )
        return self

    @property
    def end(self) -> dt.date:
        """The last simulated day."""
        return self.start + dt.timedelta(days=self.days - 1)

    def dates(self) -> np.ndarray:
        """Calendar dates of the simulated days (numpy datetime64[D])."""
        return np.datetime64(self.start) + np.arange(self.days)

    def shock_arrays(self) -> dict[str, np.ndarray]:
        """Per-day shock series, shape ``(days,)`` each, keyed by shock kind.

        (A window of a longer setting, :func:`sim.history.replay.window`, may hold shocks
        outside its period; they add nothing.)
        """
        out = {k: np.zeros(self.days) for k in SHOCK_KINDS}
        for s in self.shocks:
            i0 = (s.start - self.start).days
            i1 = (s.last_day(self.end) - self.start).days
            lo, hi = max(i0, 0), min(i1, self.days - 1)
            if lo <= hi:
                out[s.kind][lo : hi + 1] += s.magnitude
        return out

    def digest(self) -> str:
        """SHA-256 of the fields that change results (canonical JSON).

        Left out: ``name``, ``description`` and shock ``label`` (words), ``policy`` and
        ``policies`` (an experiment records the policies it runs), and the posterior's path
        (only whether one is used; its content is hashed separately,
        :func:`sim.experiments.sampling.posterior_sha256`).
        """
        data = self.model_dump(
            mode="json",
            exclude={
                "name": True,
                "description": True,
                "policy": True,
                "policies": True,
                "shocks": {"__all__": {"label"}},
            },
        )
        data["posterior"] = bool(self.posterior)
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


class ScenarioError(UserError):
    """A scenario file that cannot be used; the message names the file and the field."""


def _field_path(loc: tuple) -> str:
    return ".".join(str(x) for x in loc) or "(top level)"


#: Scenario files larger than this are refused unread (a scenario is a page of YAML).
MAX_SCENARIO_BYTES = 1_000_000


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario file, or a shipped scenario by name (``baseline``).

    A bare name (no folder, no ``.yaml``) that is not a file in the working folder is looked up
    among the shipped scenarios (:func:`sim.inputs.packaged.scenario_names`). A ``posterior``
    path is resolved against the scenario file's folder and checked.

    Raises
    ------
    ScenarioError
        naming the file and the field, for a missing, unreadable, oversized or non-UTF-8 file,
        bad YAML, an unknown key, a wrong type, an out-of-range value, an unknown parameter or
        policy, a shock outside the period, or a posterior file that cannot be used.
    """
    path = scenario_file(path)
    data = read_yaml(path, "scenario file", MAX_SCENARIO_BYTES, ScenarioError)
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: a scenario must be a mapping of fields")
    return scenario_from_dict(data, source=str(path), base=path.parent)


def scenario_file(path: str | Path) -> Path:
    """The file a scenario argument names: a path, or a shipped scenario's name (``baseline``).

    Raises
    ------
    ScenarioError
        for a bare name that is neither a file here nor a shipped scenario.
    """
    p = Path(path)
    text = str(path)
    if not p.exists() and "/" not in text and "\\" not in text and p.suffix == "":
        from sim.inputs.packaged import scenario_names, scenario_path

        shipped = scenario_path(text)
        if shipped is not None:
            return shipped
        raise ScenarioError(
            f"{text}: no such scenario file, and no shipped scenario of that name "
            f"(shipped: {', '.join(scenario_names()) or 'none'})"
        )
    return p


def scenario_from_dict(
    data: dict, source: str = "<scenario>", base: Path | None = None
) -> Scenario:
    """Validate a scenario given as a dict (see :func:`load_scenario`).

    ``base``: the folder a relative ``posterior`` path is taken from (default: the working
    folder).
    """
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = _field_path(err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        ctx_err = (err.get("ctx") or {}).get("error")
        if isinstance(ctx_err, (P.ParamError, PolicyError)):
            msg = str(ctx_err)
        if not err["loc"] and msg.startswith("field "):
            raise ScenarioError(f"{source}, {msg}") from None
        raise ScenarioError(f"{source}, field '{field}': {msg}") from None
    except RecursionError:
        raise ScenarioError(f"{source}: nested too deeply") from None
    if isinstance(sc.posterior, str):
        from sim.inputs.posterior import posterior_draws

        post = Path(sc.posterior).expanduser()
        if not post.is_absolute():
            post = (base or Path.cwd()) / post
        try:
            posterior_draws(str(post.resolve()))
        except UserError as exc:
            raise ScenarioError(f"{source}, field 'posterior': {exc}") from None
        sc = sc.model_copy(update={"posterior": str(post.resolve())})
    return sc


def scenario_hash(path: str | Path) -> str:
    """SHA-256 of a scenario file's bytes (for the manifest)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
