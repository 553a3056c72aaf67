"""Scenarios: validated YAML files that set the period, the policy, parameters and shocks.

A scenario names everything a run needs besides the seed and the number of runs. Unknown keys,
wrong types and values outside a parameter's range are refused with a message that names the
file and the field (:class:`ScenarioError`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sim.core import params as P
from sim.core.policies import PolicyError, get_policy
from sim.errors import UserError

SHOCK_KINDS = {
    "militia_grievance": "pulse on the start day, felt by every group as a strike of this "
    "intensity (strike intensity units; the 2021-02-25 Syria strike is 1)",
    "iran_grievance": "pulse on the start day, in Iranian grievance units (Soleimani's killing "
    "is 1)",
    "iran_direction": "Iran pushes its partners harder from start to end (log-hazard units, "
    "scaled by each group's closeness)",
    "iran_restraint": "Iran restrains its partners from start to end (log-hazard units)",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Shock(_Strict):
    """An exogenous event on the timeline (an anniversary, a regional war, an assassination)."""

    kind: Literal["militia_grievance", "iran_grievance", "iran_direction", "iran_restraint"]
    start: dt.date
    end: dt.date | None = None
    magnitude: float = Field(ge=-10, le=10)
    label: str = ""


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


class Scenario(_Strict):
    """A validated scenario."""

    name: str
    description: str = ""
    start: dt.date
    days: int = Field(365, ge=1, le=3650)
    policy: str = "do_nothing"
    policies: list[str] | None = None
    params: dict[str, float] = Field(default_factory=dict)
    shocks: list[Shock] = Field(default_factory=list)
    initial: InitialState = Field(default_factory=InitialState)
    posterior: bool = Field(
        True, description="draw the informed parameters from the shipped calibrated posterior"
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
    def _check_policies(cls, v: list[str] | None) -> list[str] | None:
        for name in v or []:
            get_policy(name)
        return v

    @property
    def end(self) -> dt.date:
        """The last simulated day."""
        return self.start + dt.timedelta(days=self.days - 1)

    def dates(self) -> np.ndarray:
        """Calendar dates of the simulated days (numpy datetime64[D])."""
        return np.datetime64(self.start) + np.arange(self.days)

    def shock_arrays(self) -> dict[str, np.ndarray]:
        """Per-day shock series, shape ``(days,)`` each, keyed by shock kind."""
        out = {k: np.zeros(self.days) for k in SHOCK_KINDS}
        for s in self.shocks:
            i0 = (s.start - self.start).days
            if s.kind in ("militia_grievance", "iran_grievance"):
                if 0 <= i0 < self.days:
                    out[s.kind][i0] += s.magnitude
            else:
                i1 = self.days - 1 if s.end is None else (s.end - self.start).days
                lo, hi = max(i0, 0), min(i1, self.days - 1)
                if lo <= hi:
                    out[s.kind][lo : hi + 1] += s.magnitude
        return out


class ScenarioError(UserError):
    """A scenario file that cannot be used; the message names the file and the field."""


def _field_path(loc: tuple) -> str:
    return ".".join(str(x) for x in loc) or "(top level)"


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario file.

    Raises
    ------
    ScenarioError
        naming the file and the field, for a missing file, bad YAML, an unknown key, a wrong
        type, an out-of-range value, an unknown parameter or an unknown policy.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read scenario ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML ({_yaml_problem(exc)})") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: a scenario must be a mapping of fields")
    return scenario_from_dict(data, source=str(path))


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """A YAML error on one line: where (1-based line, column) and what."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return where + problem


def scenario_from_dict(data: dict, source: str = "<scenario>") -> Scenario:
    """Validate a scenario given as a dict (see :func:`load_scenario`)."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = _field_path(err["loc"])
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        ctx_err = (err.get("ctx") or {}).get("error")
        if isinstance(ctx_err, (P.ParamError, PolicyError)):
            msg = str(ctx_err)
        raise ScenarioError(f"{source}, field '{field}': {msg}") from None


def scenario_hash(path: str | Path) -> str:
    """SHA-256 of a scenario file's bytes (for the manifest)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
