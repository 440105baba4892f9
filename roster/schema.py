"""Configuration models: service targets, labour rules, agents and time off.

Units are in the names (``aht_s``, ``target_s``, ``min_rest_h``); rates are
fractions in [0, 1]. Local clock times (``"06:00"``) are in the agent's site
zone. Files are read by :mod:`roster.io`, which turns validation errors into
:class:`forecast.errors.InputError` naming the file and key.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)

from forecast.errors import InputError
from forecast.schema import CHANNELS, INTERVAL_CHOICES_MIN, QUEUE_NAME_RE, is_valid_tz

QueueModel = Literal["erlang_c", "erlang_a", "chat", "deferred"]

#: quantiles of the forecast volume a channel can be staffed for, and the forecast column holding each
VOLUME_QUANTILES = {0.1: "volume_lo", 0.9: "volume_hi"}

#: the roster's resolution in minutes when the rules file does not set interval_min
DEFAULT_ROSTER_INTERVAL_MIN = 15
#: hours in a week: the longest rest rules may ask between two shifts
HOURS_PER_WEEK = 168

#: An agent's email (agents.csv, optional): a local part starting with a letter or digit, one ``@``, a domain of
#: dot-separated labels; ASCII only and at most 254 characters. Starting with a letter or digit, it is never a
#: spreadsheet formula, so it reaches a scheduling tool's import unchanged.
EMAIL_RE = re.compile(r"(?=.{3,254}$)[A-Za-z0-9][A-Za-z0-9._%+'-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")


#: Plausible answer-time targets in seconds, by kind of channel: a call or chat is answered within seconds or
#: minutes (at most an hour), deferred work (email, social) within minutes to days. A value outside is a unit
#: slip (4 meant as hours) that would staff an impossible plan, so it is refused with the range in its unit.
QUEUE_TARGET_S = (1.0, 3600.0)
DEFERRED_TARGET_S = (600.0, 7 * 86400.0)
#: Plausible average handle time of one contact in seconds (1 s to 4 hours) and mean patience (1 s to 1 hour).
AHT_S = (1.0, 4 * 3600.0)
PATIENCE_S = (1.0, 3600.0)
#: The most simultaneous chats one agent can hold.
MAX_CONCURRENCY = 10


def duration(seconds: float) -> str:
    """A duration in seconds as people say it: ``20 s``, ``15 min``, ``4 h``, ``7 days``."""
    for unit, size in (("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            n = seconds / size
            return f"{n:g} {'day' if unit == 'days' and n == 1 else unit}"
    return f"{seconds:g} s"


def _within(name: str, v: float, bounds: tuple[float, float], why: str) -> float:
    lo, hi = bounds
    if not lo <= v <= hi:
        raise ValueError(
            f"{name} = {v:g} s: {why}; expected {lo:g}..{hi:g} s ({duration(lo)}..{duration(hi)})"
        )
    return v


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChannelTarget(_Strict):
    """Service target and handling parameters of one channel."""

    model: QueueModel = Field(
        description="erlang_c / erlang_a for calls, chat for concurrent chats, deferred for email and social"
    )
    target_sl: float = Field(gt=0, lt=1, description="share of contacts answered within target_s, in (0, 1)")
    target_s: float = Field(
        gt=0,
        description="answer-time target in seconds: 1..3600 for calls and chats, 600..604800 (10 min..7 days) for "
                    "deferred work, whose backlog is answered within hours (14400 = 4 hours)",
    )
    aht_s: float = Field(gt=0, description="default average handle time per contact in seconds (1..14400)")
    patience_s: float | None = Field(
        default=None, gt=0, description="mean customer patience in seconds before abandoning (erlang_a; 1..3600)"
    )
    max_abandon_rate: float | None = Field(
        default=None, gt=0, lt=1, description="highest acceptable share of abandoned contacts (erlang_a)"
    )
    concurrency: float = Field(
        default=1.0, ge=1, le=MAX_CONCURRENCY, description="average simultaneous contacts per agent (chat); 1 elsewhere"
    )
    max_concurrency: int = Field(
        default=1, ge=1, le=MAX_CONCURRENCY, description="most simultaneous contacts one agent holds (chat)"
    )
    handle_time_growth: float = Field(
        default=0.25, ge=0, le=2,
        description="chat: relative growth of one chat's handle time per extra chat the agent holds (0.25 = +25%)",
    )
    shrinkage: float = Field(
        default=0.3, ge=0, lt=1, description="share of paid time not available for contacts (absence, training, meetings)"
    )
    max_occupancy: float = Field(default=0.9, gt=0, le=1, description="cap on the share of available time busy")
    open_from: dt.time | None = Field(
        default=None,
        description="deferred work: local time the channel opens each day, in open_tz (contacts wait overnight; "
        "the response clock counts open hours only)",
    )
    open_until: dt.time | None = Field(
        default=None, description="deferred work: local closing time in open_tz; before open_from = open past midnight"
    )
    open_tz: str = Field(
        default="UTC", description="IANA zone of open_from and open_until (e.g. America/New_York); default UTC"
    )
    volume_quantile: float | None = Field(
        default=None,
        description="staff for this quantile of the forecast volume instead of its mean: 0.9 (volume_hi) or 0.1 (volume_lo)",
    )

    @field_validator("target_s")
    @classmethod
    def _target(cls, v: float, info: ValidationInfo) -> float:
        if info.data.get("model") == "deferred":
            return _within("target_s", v, DEFERRED_TARGET_S, "deferred channels are answered within hours, not seconds")
        if "model" in info.data:
            return _within("target_s", v, QUEUE_TARGET_S, "calls and chats are answered within seconds or minutes")
        return v

    @field_validator("aht_s")
    @classmethod
    def _aht(cls, v: float) -> float:
        return _within("aht_s", v, AHT_S, "the handle time of one contact")

    @field_validator("patience_s")
    @classmethod
    def _patience(cls, v: float | None) -> float | None:
        return None if v is None else _within("patience_s", v, PATIENCE_S, "how long a caller waits before hanging up")

    @field_validator("open_tz")
    @classmethod
    def _open_tz(cls, v: str) -> str:
        if not is_valid_tz(v):
            raise ValueError("unknown time zone; expected an IANA name such as America/New_York")
        return v

    @field_validator("open_from", "open_until")
    @classmethod
    def _whole_minutes(cls, v: dt.time | None) -> dt.time | None:
        if v is not None and (v.second or v.microsecond or v.tzinfo is not None):
            raise ValueError("expected a local time in whole minutes such as 08:00, without a zone (use open_tz)")
        return v

    @field_validator("volume_quantile")
    @classmethod
    def _quantile(cls, v: float | None) -> float | None:
        if v is not None and v not in VOLUME_QUANTILES:
            raise ValueError(
                "the forecast has the 10% and 90% quantiles of volume (volume_lo, volume_hi): expected 0.1 or 0.9, "
                "or leave it out to staff for the mean"
            )
        return v

    @model_validator(mode="after")
    def _check(self) -> "ChannelTarget":
        if self.model == "erlang_a" and self.patience_s is None:
            raise ValueError("model erlang_a needs patience_s (mean patience in seconds)")
        if self.max_concurrency < self.concurrency:
            raise ValueError("max_concurrency must be at least concurrency")
        if (self.open_from is None) != (self.open_until is None):
            raise ValueError("give both open_from and open_until, or neither")
        if self.open_from is not None:
            if self.model != "deferred":
                raise ValueError(
                    "opening hours (open_from/open_until) apply to deferred channels; a call or chat line's closed hours "
                    "are the hours its history and forecast have no contacts, and no contacts need no agents"
                )
            if self.open_from == self.open_until:
                raise ValueError("open_from and open_until are equal; leave both out for a channel that never closes")
        return self


#: A queue's section of targets.toml (``[queues.NAME]``): the channel it belongs to and any of the channel's target
#: fields it sets otherwise (all but ``model``: a queue is staffed by its channel's model); the rest it inherits.
QueueTarget = create_model(
    "QueueTarget",
    __base__=_Strict,
    __doc__="A queue's own targets: its channel and the fields it overrides (the others are the channel's).",
    channel=(str, Field(description="the channel the queue belongs to (voice, chat, email or social)")),
    **{
        name: (info.annotation | None, Field(default=None, description=info.description))
        for name, info in ChannelTarget.model_fields.items()
        if name != "model"
    },
)


def _error_text(exc: ValidationError) -> str:
    """A pydantic error as one sentence: each field and what is wrong with it."""
    parts = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ").replace("Input should be", "expected")
        parts.append(f"{key}: {msg}" if key else msg)
    return "; ".join(parts)


class Targets(_Strict):
    """Targets for every channel (keys: channel names) and for the queues that have their own (``[queues.NAME]``).

    A queue without a section is staffed with its channel's target; a queue with one inherits every field of its
    channel's target it does not set (:meth:`for_queue`).
    """

    channels: dict[str, ChannelTarget]
    queues: dict[str, QueueTarget] = Field(  # type: ignore[valid-type]
        default_factory=dict, description="queue name -> its channel and the target fields it overrides"
    )

    @field_validator("channels")
    @classmethod
    def _known_channels(cls, v: dict[str, ChannelTarget]) -> dict[str, ChannelTarget]:
        unknown = [c for c in v if c not in CHANNELS]
        if unknown:
            raise ValueError(f"unknown channel(s) {', '.join(unknown)}; expected {', '.join(CHANNELS)}")
        if not v:
            raise ValueError("at least one channel is needed")
        return v

    @model_validator(mode="after")
    def _check_queues(self) -> "Targets":
        problems = []
        for name, q in self.queues.items():
            where = f"[queues.{name}]"
            if not QUEUE_NAME_RE.fullmatch(name):
                problems.append(f"{where}: expected a queue name of lower-case letters, digits, '_', '-' or '.'")
            elif name in CHANNELS:
                problems.append(f"{where}: a queue named as a channel is that channel's own queue; set its targets in "
                                f"[channels.{name}] (or rename the queue)")
            elif q.channel not in self.channels:
                known = f"; expected one of {', '.join(self.channels)}" if q.channel in CHANNELS else (
                    f"; expected one of {', '.join(CHANNELS)}")
                what = "no [channels." + q.channel + "] section" if q.channel in CHANNELS else "unknown channel"
                problems.append(f"{where} key 'channel': {what} {q.channel!r}{known}")
            else:
                try:
                    self._resolve(name)
                except ValidationError as exc:
                    problems.append(f"{where}: with the fields inherited from [channels.{q.channel}]: {_error_text(exc)}")
        if problems:
            raise ValueError(" | ".join(problems))
        return self

    def _resolve(self, queue: str) -> ChannelTarget:
        q = self.queues[queue]
        own = q.model_dump(exclude_unset=True, exclude={"channel"})
        return ChannelTarget.model_validate({**self.channels[q.channel].model_dump(exclude_unset=True), **own})

    def for_channel(self, channel: str) -> ChannelTarget:
        try:
            return self.channels[channel]
        except KeyError:
            raise KeyError(f"no target for channel {channel!r}; the targets file covers {', '.join(self.channels)}") from None

    def for_queue(self, queue: str, channel: str) -> ChannelTarget:
        """The target a queue of ``channel`` is staffed for: its own section's fields over its channel's, or the
        channel's target when it has no section."""
        if queue in self.queues:
            return self._resolve(queue)
        return self.for_channel(channel)

    def queue_channels(self) -> dict[str, str]:
        """Every queue with a section, and its channel."""
        return {name: q.channel for name, q in self.queues.items()}


class ShiftType(_Strict):
    """A named shift a contract may work: a fixed start (site local time) and length."""

    name: str = Field(min_length=1, description="e.g. early, late, long")
    start: dt.time = Field(description="shift start, site local time")
    length_h: float = Field(gt=0, le=16, description="shift span in hours, lunch included")


class Contract(_Strict):
    """A contract type: weekly hours, days and the shift lengths it allows."""

    min_week_h: float = Field(ge=0, description="fewest paid hours per week")
    max_week_h: float = Field(gt=0, le=168, description="most paid hours per week (a week has 168)")
    max_days_per_week: int = Field(ge=1, le=7)
    shift_lengths_h: list[float] = Field(min_length=1, description="allowed shift spans in hours, lunch included")
    earliest_start: dt.time = Field(default=dt.time(0, 0), description="earliest shift start, site local time")
    latest_start: dt.time = Field(default=dt.time(23, 59), description="latest shift start, site local time")
    hourly_cost: float = Field(default=0.0, ge=0, description="cost of one paid hour, for budgets and what-ifs")
    overtime_days_per_week: int = Field(
        default=0, ge=0, le=2,
        description="days off an agent may work a week as overtime, past the weekly day limits (max_days_per_week, "
                    "min_days_off_per_week); rest and max_consecutive_days still hold (the extra-day overtime contracts set it)")
    shifts: list[ShiftType] = Field(
        default_factory=list,
        description="fixed shift types (from a shift templates file); when given, the only shifts offered, "
                    "instead of every start on the grid within the start window",
    )

    @model_validator(mode="after")
    def _check(self) -> "Contract":
        if self.min_week_h > self.max_week_h:
            raise ValueError("min_week_h is above max_week_h")
        if any(h <= 0 or h > 16 for h in self.shift_lengths_h):
            raise ValueError("shift_lengths_h must be between 0 and 16 hours")
        names = [s.name for s in self.shifts]
        if len(set(names)) != len(names):
            raise ValueError("shift type names must be unique within a contract")
        for st in self.shifts:
            if not any(abs(st.length_h - h) < 1e-9 for h in self.shift_lengths_h):
                raise ValueError(f"shift type {st.name!r} is {st.length_h:g} h long; add {st.length_h:g} to shift_lengths_h")
        return self


class BreakRules(_Strict):
    """Breaks and lunch inside a shift, placed relative to its start."""

    break_min: int = Field(default=15, ge=0, le=60, description="length of a short paid break in minutes (0..60)")
    break_every_h: float = Field(default=2.0, ge=0.5, le=16, description="one short break per this many hours worked")
    lunch_min: int = Field(default=30, ge=0, le=120, description="lunch length in minutes (0..120)")
    lunch_from_shift_h: float = Field(default=6.0, gt=0, description="shifts this long or longer get a lunch")
    lunch_paid: bool = Field(default=False, description="whether lunch counts as paid time")
    earliest_break_after_h: float = Field(default=1.0, ge=0, description="no break in the first hours of a shift")
    latest_break_before_end_h: float = Field(default=1.0, ge=0, description="no break in the last hours of a shift")

    @model_validator(mode="after")
    def _check(self) -> BreakRules:
        if self.break_min >= 60 * self.break_every_h:
            raise ValueError(
                f"break_min = {self.break_min} min is not shorter than break_every_h = {self.break_every_h:g} h: "
                "the breaks would fill the whole shift"
            )
        return self


#: Bounds of the capacity settings (``[capacity]`` in rules.toml): the schema checks them and the app's inputs read them.
CAPACITY_BOUNDS: dict[str, tuple[float, float]] = {
    "attrition_per_month": (0.0, 1.0),
    "hiring_lead_weeks": (0, 52),
    "training_weeks": (0, 52),
    "ramp_aht_multiplier": (1.0, 5.0),
    "class_size_min": (1, 500),
    "class_size_max": (1, 500),
    "cost_per_hire": (0.0, 1e7),
    "overtime_max_share": (0.0, 1.0),
    "overtime_rate": (1.0, 5.0),
    "full_time_week_h": (1.0, 80.0),
    "scheduling_overhead": (0.0, 1.0),
}


def _bounded(name: str, v: float, what: str) -> float:
    lo, hi = CAPACITY_BOUNDS[name]
    if not lo <= v <= hi:
        raise ValueError(f"{what}; expected {lo:g} to {hi:g}")
    return v


class CapacitySettings(_Strict):
    """The long-range capacity and hiring plan's settings (``[capacity]`` in rules.toml); all optional.

    Rates are fractions in [0, 1]; durations in weeks of 7 days. New hires work the
    ``hire_contract`` (by default the contract with the most weekly hours), are paid from the week
    they start, produce nothing for ``training_weeks`` and then handle contacts ``ramp_aht_multiplier[k]``
    times slower than a tenured agent in their k-th week after training (a productivity of
    ``1 / multiplier``), fully productive after the list.
    """

    attrition_per_month: float = Field(
        default=0.02, description="share of agents (tenured and new) who leave per month, 0..1 (0.02 = 2% a month)")
    hiring_lead_weeks: int = Field(
        default=4, description="weeks from opening a requisition to the hire's first day: no class starts earlier in the plan")
    training_weeks: int = Field(default=3, description="weeks of classroom training from the first day, at 0% productivity (paid)")
    ramp_aht_multiplier: tuple[float, ...] = Field(
        default=(1.5, 1.3, 1.15, 1.05),
        description="after training, a new hire's handle time as a multiple of a tenured agent's, one per tenure week "
                    "(each 1..5, falling toward 1); productivity = 1 / multiplier; fully productive after the list",
    )
    class_size_min: int = Field(default=1, description="fewest hires in a class (a week's starts on one channel), when there is one")
    class_size_max: int = Field(default=20, description="most hires in one class")
    hire_contract: str | None = Field(
        default=None, description="the contract new hires work (its weekly hours and hourly cost); default: the one with the most weekly hours")
    cost_per_hire: float = Field(default=0.0, description="recruiting and onboarding cost of one hire, in the rules' currency")
    overtime_max_share: float = Field(
        default=0.1, description="most overtime in a week, as a share of the tenured agents' contracted hours on the channel, 0..1")
    overtime_rate: float = Field(
        default=1.5, description="pay of an overtime hour as a multiple of the base hourly cost (at least 1: never below the base rate); "
                                 "default: the rules' [overtime] rate, the one rate the gap's recommendations use too")
    full_time_week_h: float | None = Field(
        default=None, description="paid hours of one FTE a week; default: the most weekly hours of any contract (max_week_h)")
    scheduling_overhead: float = Field(
        default=0.0, description="share of hours added to the interval requirement because shifts cannot follow it exactly, 0..1 (0.1 = 10%)")
    sites: tuple[str, ...] | None = Field(
        default=None, description="the sites hires may be placed at (each a site of agents.csv); default: every site of agents.csv")

    @field_validator("attrition_per_month")
    @classmethod
    def _attrition(cls, v: float) -> float:
        return _bounded("attrition_per_month", v, "a monthly share of agents who leave, as a fraction (0.02 = 2% a month)")

    @field_validator("hiring_lead_weeks", "training_weeks")
    @classmethod
    def _weeks(cls, v: int, info: ValidationInfo) -> int:
        return int(_bounded(info.field_name, v, "a number of weeks"))

    @field_validator("ramp_aht_multiplier")
    @classmethod
    def _ramp(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        lo, hi = CAPACITY_BOUNDS["ramp_aht_multiplier"]
        bad = [f"week {i + 1}: {m:g}" for i, m in enumerate(v) if not lo <= m <= hi]
        if bad:
            raise ValueError(f"a new hire's handle time as a multiple of a tenured agent's, each {lo:g} to {hi:g} "
                             f"(1.5 = 50% slower); found {', '.join(bad)}")
        return v

    @field_validator("class_size_min", "class_size_max")
    @classmethod
    def _class(cls, v: int, info: ValidationInfo) -> int:
        return int(_bounded(info.field_name, v, "a number of hires"))

    @field_validator("cost_per_hire")
    @classmethod
    def _cost(cls, v: float) -> float:
        return _bounded("cost_per_hire", v, "a cost in the rules' currency")

    @field_validator("overtime_max_share")
    @classmethod
    def _ot_share(cls, v: float) -> float:
        return _bounded("overtime_max_share", v, "a share of the contracted hours, as a fraction (0.1 = 10% more hours)")

    @field_validator("overtime_rate")
    @classmethod
    def _ot_rate(cls, v: float) -> float:
        if v < 1.0:
            raise ValueError("an overtime rate below the base rate: overtime is paid at least the hourly cost, so expected "
                             "a multiple of it of 1 or more (1.5 = time and a half)")
        return _bounded("overtime_rate", v, "a multiple of the base hourly cost")

    @field_validator("full_time_week_h")
    @classmethod
    def _ft(cls, v: float | None) -> float | None:
        return None if v is None else _bounded("full_time_week_h", v, "paid hours of one full-time agent a week")

    @field_validator("scheduling_overhead")
    @classmethod
    def _overhead(cls, v: float) -> float:
        return _bounded("scheduling_overhead", v, "a share of the required hours, as a fraction")

    @model_validator(mode="after")
    def _check(self) -> "CapacitySettings":
        if self.class_size_min > self.class_size_max:
            raise ValueError(f"class_size_min = {self.class_size_min} is above class_size_max = {self.class_size_max}")
        return self

    @property
    def ramp_weeks(self) -> int:
        """Weeks from a hire's first day to full productivity: training and ramp."""
        return self.training_weeks + len(self.ramp_aht_multiplier)
#: suffix of the contract an agent on overtime works (``full_time`` -> ``full_time_overtime``), see :meth:`LabourRules.with_additions`
OVERTIME_SUFFIX = "_overtime"
#: suffix of the contract an agent working an extra day (a day off, as overtime) works (``full_time`` -> ``full_time_extra_day``)
EXTRA_DAY_SUFFIX = "_extra_day"
#: the contract temporary (flex) agents work, see :meth:`LabourRules.with_additions`
TEMP_CONTRACT = "temp"


class Overtime(_Strict):
    """Overtime an existing agent may work to close a gap (``[overtime]`` in rules.toml).

    Overtime is paid at ``rate`` times the contract's hourly cost for the
    hours beyond the contract's ``max_week_h``; it is worked as longer shifts
    (up to ``max_day_h`` more than the contract's longest) or more hours a
    week within the days the rules allow, or as an extra day: up to
    ``max_extra_days`` days off a week worked (its hours paid at ``rate``),
    within the rest and consecutive-day rules and ``max_week_h`` more hours.
    """

    max_week_h: float = Field(default=8.0, ge=0, le=40, description="overtime hours a week beyond the contract's max_week_h (0..40)")
    max_day_h: float = Field(default=2.0, ge=0, le=8,
                             description="how much longer than the contract's longest shift an overtime shift may be, in hours (0..8)")
    rate: float = Field(default=1.5, le=4, description="overtime pay as a multiple of the contract's hourly cost (1 = the base rate; 1..4)")
    max_extra_days: int = Field(
        default=1, ge=0, le=2,
        description="days off an agent may work a week as overtime (an extra day), past the weekly day limits, within rest, "
                    "max_consecutive_days and max_week_h above (0..2; 0: no extra day)")

    @field_validator("rate")
    @classmethod
    def _rate(cls, v: float) -> float:
        if v < 1:
            raise ValueError(f"overtime rate {v:g} is below the base rate: it is a multiple of the contract's hourly cost, "
                             "at least 1 (1.5 = time and a half)")
        return v


class TempAgents(_Strict):
    """Temporary or flex agents a gap may be closed with (``[temps]`` in rules.toml): their cost and their week."""

    hourly_cost: float | None = Field(
        default=None, ge=0,
        description="cost of one paid hour of a temporary agent; default: the dearest contract's hourly_cost x overtime rate")
    shift_lengths_h: list[float] = Field(default_factory=lambda: [4.0, 6.5, 8.5], min_length=1,
                                         description="shift spans a temporary agent works, lunch included (0..16 h)")
    max_week_h: float = Field(default=40.0, gt=0, le=60, description="most paid hours a week of one temporary agent")
    max_days_per_week: int = Field(default=5, ge=1, le=7)
    max_per_option: int = Field(default=10, ge=0, le=500,
                                description="most temporary agents of one site, skill and start window (0: no temps)")

    @field_validator("shift_lengths_h")
    @classmethod
    def _lengths(cls, v: list[float]) -> list[float]:
        if any(h <= 0 or h > 16 for h in v):
            raise ValueError("shift_lengths_h must be between 0 and 16 hours")
        return v


class Additions(_Strict):
    """What may be added to close a roster's gap besides temps and overtime (``[additions]`` in rules.toml)."""

    max_hires_per_option: int = Field(default=10, ge=0, le=500,
                                      description="most new hires of one contract, site and skill set (0: no hires)")
    training_cost: float = Field(default=0.0, ge=0,
                                 description="cost of training one agent on one more channel (currency of the rules)")
    cross_training: bool = Field(default=True, description="whether agents may be trained on another channel")


class LabourRules(_Strict):
    """Labour rules, expressed in the agent's local time.

    The roster places shifts and breaks on its own resolution within the
    plan's grid (:meth:`roster_interval_min`): 15 minutes by default, so an
    hourly plan still gets quarter-hour breaks; see :meth:`check_grid`.
    """

    interval_min: int | None = Field(
        default=None,
        description="the roster's resolution in minutes (15, 30 or 60; default 15): shifts and breaks are placed on it; "
                    "it must divide the plan's grid (the history's interval or --interval-min)",
    )
    shift_start_step_min: int = Field(default=30, description="shifts start on multiples of this, local time")
    min_rest_h: float = Field(default=11, ge=0, le=HOURS_PER_WEEK,
                              description=f"minimum rest between two shifts in hours (0 to {HOURS_PER_WEEK} h, a week)")
    max_shifts_per_day: int = Field(default=1, ge=1, le=1, description="shifts per local day (one)")
    max_days_per_week: int = Field(default=5, ge=1, le=7)
    max_consecutive_days: int = Field(default=6, ge=1, le=14)
    min_days_off_per_week: int = Field(default=2, ge=0, le=7)
    min_channel_block_min: int = Field(
        default=60, ge=0, le=720,
        description="shortest stretch on one channel inside a shift, in minutes (0: no minimum); a multiple of the "
                    "roster's resolution; a shift served on one channel throughout keeps it whatever its length",
    )
    max_channel_switches: int = Field(default=3, ge=0, le=50, description="most changes of channel inside one shift")
    breaks: BreakRules = Field(default_factory=BreakRules)
    contracts: dict[str, Contract]
    capacity: CapacitySettings = Field(
        default_factory=CapacitySettings,
        description="the capacity and hiring plan's settings (shiftcast capacity): attrition, lead time, training, ramp, overtime",
    )
    currency: str | None = Field(
        default=None,
        description="the currency of every contract's hourly_cost (a code or symbol such as EUR, USD or €, at most 8 characters); "
                    "money is shown with it, or as 'cost units' when it is left out",
    )
    overtime: Overtime = Field(default_factory=Overtime, description="overtime existing agents may work to close a gap")
    temps: TempAgents = Field(default_factory=TempAgents, description="temporary or flex agents a gap may be closed with")
    additions: Additions = Field(default_factory=Additions, description="new hires and cross-training to close a gap")

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str | None) -> str | None:
        if v is None:
            return None
        v = v.strip()
        if not v or len(v) > 8 or any(not (c.isalpha() or c in "$€£¥₹.") for c in v):
            raise ValueError("expected a currency code or symbol such as EUR, USD or € (letters or a currency sign, at most 8)")
        return v

    @field_validator("interval_min")
    @classmethod
    def _grid(cls, v: int | None) -> int | None:
        if v is not None and v not in INTERVAL_CHOICES_MIN:
            raise ValueError(f"must be one of {INTERVAL_CHOICES_MIN}")
        return v

    @field_validator("shift_start_step_min")
    @classmethod
    def _start_step(cls, v: int) -> int:
        if v <= 0 or v % min(INTERVAL_CHOICES_MIN):
            raise ValueError(f"must be a positive multiple of {min(INTERVAL_CHOICES_MIN)} minutes")
        return v

    @model_validator(mode="after")
    def _one_overtime_rate(self) -> "LabourRules":
        # one overtime rate: [overtime] rate, unless [capacity] sets its own for the long-range plan
        if "overtime_rate" not in self.capacity.model_fields_set and self.capacity.overtime_rate != self.overtime.rate:
            object.__setattr__(self, "capacity", self.capacity.model_copy(update={"overtime_rate": self.overtime.rate}))
        return self

    @model_validator(mode="after")
    def _check(self) -> "LabourRules":
        if not self.contracts:
            raise ValueError("at least one contract is needed")
        hire = self.capacity.hire_contract
        if hire is not None and hire not in self.contracts:
            raise ValueError(f"capacity.hire_contract = {hire!r} is not a contract; the rules define {', '.join(self.contracts)}")
        problems = [p for name, c in self.contracts.items() for p in self._contradictions(name, c)]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _contradictions(self, name: str, c: Contract) -> list[str]:
        """Why contract ``name``'s weekly minimum cannot be worked under these rules by anyone (empty if it may be).

        Necessary conditions only (shift spans bound paid time from above, and
        any start of the day is allowed, as an agent's own start window may
        be wider than the contract's), so no rule set that some roster could
        keep is refused; what depends on the agent (its start window and time
        off) is checked per agent by the roster step.
        """
        if c.min_week_h <= 0:
            return []
        out = []
        longest, shortest = max(c.shift_lengths_h), min(c.shift_lengths_h)
        days = min(c.max_days_per_week, self.max_days_per_week, 7 - self.min_days_off_per_week)
        if days * longest < c.min_week_h:
            out.append(f"contract '{name}' needs min_week_h = {c.min_week_h:g} h a week, but at most {days} working day(s) a week "
                       f"(max_days_per_week, min_days_off_per_week) of at most {longest:g} h allow {days * longest:g} h")
        # shifts start on 7 local days, so the first start and the last are less than a week (168 h) apart; each
        # shift but the last takes its length and the rest before the next starts: n shifts need (n - 1)(L + R) < 168 h
        fit = min(days, math.ceil(HOURS_PER_WEEK / (shortest + self.min_rest_h)))
        if fit < days and fit * longest < c.min_week_h:
            out.append(f"contract '{name}' needs min_week_h = {c.min_week_h:g} h a week, but with min_rest_h = {self.min_rest_h:g} h "
                       f"after shifts of at least {shortest:g} h at most {fit} shift(s) fit in a week, {fit * longest:g} h at most; "
                       "lower min_rest_h or min_week_h")
        return out

    def temp_hourly_cost(self) -> float:
        """Cost of one paid hour of a temporary agent: ``temps.hourly_cost``, else the dearest contract's at the overtime rate."""
        if self.temps.hourly_cost is not None:
            return self.temps.hourly_cost
        return max(c.hourly_cost for c in self.contracts.values()) * self.overtime.rate

    def with_additions(self) -> "LabourRules":
        """These rules with the contracts a gap's additions work (those already defined are kept as they are).

        * ``<contract>_overtime`` for each contract: ``overtime.max_week_h`` more
          paid hours a week and shifts up to ``overtime.max_day_h`` longer than
          its longest; paid at the contract's hourly cost (the overtime premium
          is counted by the recommendations, not by the roster's cost);
        * ``<contract>_extra_day`` for each contract (with ``overtime.max_extra_days`` > 0):
          ``overtime.max_extra_days`` more working days a week past the weekly day
          limits (``overtime_days_per_week``), ``overtime.max_week_h`` more paid hours,
          the contract's own shift lengths; rest and ``max_consecutive_days`` hold;
        * ``temp``: a temporary agent's week (``[temps]``), no weekly minimum.
        """
        contracts = dict(self.contracts)
        ot = self.overtime
        for name, c in self.contracts.items():
            if name.endswith((OVERTIME_SUFFIX, EXTRA_DAY_SUFFIX)) or name == TEMP_CONTRACT:
                continue
            if name + OVERTIME_SUFFIX not in contracts:
                longest = max(c.shift_lengths_h) + ot.max_day_h
                lengths = sorted(set(c.shift_lengths_h) | ({longest} if 0 < ot.max_day_h and longest <= 16 else set()))
                contracts[name + OVERTIME_SUFFIX] = c.model_copy(update={
                    "max_week_h": min(c.max_week_h + ot.max_week_h, HOURS_PER_WEEK), "shift_lengths_h": lengths})
            if ot.max_extra_days > 0 and name + EXTRA_DAY_SUFFIX not in contracts:
                contracts[name + EXTRA_DAY_SUFFIX] = c.model_copy(update={
                    "max_week_h": min(c.max_week_h + ot.max_week_h, HOURS_PER_WEEK), "overtime_days_per_week": ot.max_extra_days})
        if TEMP_CONTRACT not in contracts:
            t = self.temps
            contracts[TEMP_CONTRACT] = Contract(min_week_h=0, max_week_h=t.max_week_h, max_days_per_week=t.max_days_per_week,
                                                shift_lengths_h=list(t.shift_lengths_h), hourly_cost=self.temp_hourly_cost())
        return self.model_copy(update={"contracts": contracts})

    def roster_interval_min(self, plan_interval_min: int) -> int:
        """The roster's resolution within a plan's grid of ``plan_interval_min`` minutes: ``interval_min``, by default 15."""
        return self.interval_min or min(DEFAULT_ROSTER_INTERVAL_MIN, plan_interval_min)

    def check_grid(self, interval_min: int, file: str = "rules.toml") -> list[str]:
        """Check the rules against the plan's grid (``interval_min`` minutes), where rules and grid meet.

        Returns notes for the planner (none today).

        Raises
        ------
        InputError
            The roster's ``interval_min`` does not divide the plan's grid, or
            ``shift_start_step_min`` or ``min_channel_block_min`` is not a
            multiple of the roster's resolution (naming ``file`` and the key).
        """
        step = self.roster_interval_min(interval_min)
        if interval_min % step:
            raise InputError.one(
                file,
                f"interval_min = {self.interval_min} (the roster's resolution) does not divide the plan's {interval_min}-minute grid; "
                f"use {interval_min} or a divisor of it, or leave interval_min out (15 minutes)",
                column="interval_min",
            )
        if self.shift_start_step_min % step:
            raise InputError.one(
                file,
                f"shift_start_step_min = {self.shift_start_step_min} is not a multiple of the roster's {step}-minute resolution; "
                f"use a multiple of {step} minutes",
                column="shift_start_step_min",
            )
        if self.min_channel_block_min % step:
            raise InputError.one(
                file,
                f"min_channel_block_min = {self.min_channel_block_min} is not a multiple of the roster's {step}-minute resolution; "
                f"use a multiple of {step} minutes",
                column="min_channel_block_min",
            )
        return []


class Agent(_Strict):
    """One agent, as read from the agents file."""

    agent_id: str = Field(min_length=1)
    name: str = ""
    email: str = Field(default="", description="optional; a scheduling tool matches the agent on it (roster_deputy.csv)")
    site: str = Field(min_length=1)
    site_tz: str
    contract: str
    skills: tuple[str, ...] = Field(min_length=1, description="channels this agent may serve")
    queues: tuple[str, ...] = Field(
        default=(), description="the queues the agents file named among the skills (each counted as its channel in skills)"
    )
    earliest_start: dt.time | None = Field(default=None, description="overrides the contract's, site local time")
    latest_start: dt.time | None = Field(default=None, description="overrides the contract's, site local time")
    preferred_days_off: tuple[int, ...] = Field(
        default=(), description="weekdays the agent prefers off (0 = Monday), a soft wish"
    )

    @field_validator("email")
    @classmethod
    def _email(cls, v: str) -> str:
        if v and not EMAIL_RE.fullmatch(v):
            raise ValueError("expected an email address such as ana.silva@example.com")
        return v

    @field_validator("site_tz")
    @classmethod
    def _tz(cls, v: str) -> str:
        if not is_valid_tz(v):
            raise ValueError(f"unknown time zone {v!r}; expected an IANA name such as Europe/Lisbon")
        return v

    @field_validator("skills")
    @classmethod
    def _skills(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [s for s in v if s not in CHANNELS]
        if unknown:
            raise ValueError(f"unknown channel(s) {', '.join(unknown)}; expected {', '.join(CHANNELS)}")
        return v


class TimeOff(_Strict):
    """A period an agent cannot work (holiday, training, sick leave); UTC bounds."""

    agent_id: str
    start: dt.datetime
    end: dt.datetime
    reason: str = ""
    file: str = Field(default="", description="the file it was read from, for messages (empty when not read from one)")
    line: int | None = Field(default=None, description="its line in that file (header = line 1), for messages")
