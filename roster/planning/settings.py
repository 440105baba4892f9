"""The settings of a plan: one model for every stage, and the one place their defaults live.

Kept apart from :mod:`roster.planning.plan` (which re-exports it) so that the
command line can build its options from these defaults without importing
the solver.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from forecast.models import MODELS
from forecast.timegrid import check_interval
from roster.schema import VOLUME_QUANTILES
from roster.staffing.simulate import ROSTER_RUNS

#: The forecast models a plan may ask for: ``auto`` (the best per series and horizon in the backtest) or one of them.
MODEL_CHOICES: tuple[str, ...] = ("auto",) + MODELS
#: The largest seed: the solver's random seed is a 32-bit integer (the simulator's generator takes any seed >= 0).
MAX_SEED = 2**31 - 1
#: The roster search's default work budget (units of roster.rostering.budget.STEPS_PER_EFFORT heuristic steps and
#: CP_SAT_DET_S_PER_EFFORT s of CP-SAT deterministic time): for a 120-agent week about 35 s in all on a shared 2-core machine,
#: inside the default 60 s time limit (generated team, benchmarks/roster_time_limit.py; noisy figures).
DEFAULT_EFFORT = 60


class PlanSettings(BaseModel):
    """Settings of one plan, for every stage: the one place their defaults live.

    The CLI's options and the app's controls start from these defaults, and
    both pass a PlanSettings to the stage functions of :mod:`roster.planning.plan`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    horizon_days: int = Field(default=28, ge=1, le=366, description="days to forecast and staff")
    interval_min: int | None = Field(
        default=None, description="the plan's grid in minutes (15, 30 or 60, a multiple of the input's); None = the input's own"
    )
    model: str = Field(default="auto", description="forecast model: auto (best per series and horizon in the backtest), ets, snaive or prophet")
    backtest: bool = Field(default=True, description="backtest the forecast models and choose per series")
    calendar_effects: bool = Field(
        default=True, description="let the backtest consider ets with the day-of-month and pay-day effects the history shows"
    )
    pay_days: str = Field(
        default="1,15,last", description="days of the month salaries are paid (1-31 or last, separated by commas; empty = none)"
    )
    peak_correction: bool = Field(default=True, description="staff calls and chats for the modified offered load")
    volume_quantile: float | Literal["mean"] | None = Field(
        default=None, description="staff every channel for this quantile of the forecast volume (0.1, 0.9) or its mean; None = the targets'"
    )
    week_start: dt.date | None = Field(default=None, description="first roster day, site local; None = first Monday")
    weeks: int = Field(default=1, ge=1, le=8, description="weeks to roster")
    time_limit_s: float = Field(default=60.0, ge=1, le=86400, description="roster solver time limit in seconds (1 s to a day)")
    effort: int = Field(
        default=DEFAULT_EFFORT, ge=0, le=100_000,
        description="work budget of the roster search: the same inputs and seed give the same roster on any machine "
                    "(the time limit stays an upper limit); 0 = the time limit alone",
    )
    workers: int = Field(default=0, ge=0, le=256, description="solver threads, 0 = all cores")
    seed: int = Field(default=0, ge=0, le=MAX_SEED, description="seed for the solver and the simulator")
    simulate: bool = Field(default=True, description="simulate the roster against the targets")
    simulation_runs: int = Field(
        default=ROSTER_RUNS, ge=1, le=200,
        description="replications of the simulation: each interval's service level is then its expected one, not one day's luck",
    )

    @field_validator("interval_min")
    @classmethod
    def _grid(cls, v: int | None) -> int | None:
        return None if v is None else check_interval(v)

    @field_validator("pay_days")
    @classmethod
    def _pay_days(cls, v: str) -> str:
        from forecast.calendar import parse_pay_days

        days = parse_pay_days(v)  # a ValueError names what was expected
        return ",".join("last" if d == -1 else str(d) for d in days)

    @field_validator("model")
    @classmethod
    def _model(cls, v: str) -> str:
        if v not in MODEL_CHOICES:
            raise ValueError(f"expected one of {', '.join(MODEL_CHOICES)}, found {v!r}")
        return v

    @field_validator("volume_quantile")
    @classmethod
    def _quantile(cls, v: float | str | None) -> float | str | None:
        if v is not None and v != "mean" and v not in VOLUME_QUANTILES:
            raise ValueError(f"expected 0.1 or 0.9 (the forecast's volume_lo, volume_hi) or mean, found {v:g}")
        return v


def default(name: str):
    """The default of one of :class:`PlanSettings`' fields (for the CLI's options and the app's controls)."""
    return PlanSettings.model_fields[name].default


def bounds(name: str) -> tuple[float | None, float | None]:
    """The least and greatest value :class:`PlanSettings` accepts for a numeric field (None = unbounded).

    The CLI's help and the app's number inputs read them, so that a value is accepted
    or refused alike everywhere (the settings' own validation decides).
    """
    lo = hi = None
    for m in PlanSettings.model_fields[name].metadata:
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
    return lo, hi
