"""The whole plan: forecast -> staffing requirements -> roster -> simulation.

Used by ``shiftcast plan`` and by the app. Nothing is written until every stage
has succeeded, and a run's files replace its output folder whole
(:func:`forecast.io.outputs.write_folder`), so a failed or killed run never
leaves a half-written or mixed set of outputs.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from forecast import tables
from forecast.errors import InputError
from forecast.io.files import write_table, write_table_parquet
from forecast.io.outputs import Writer, check_folder, write_folder
from forecast.calendar import parse_pay_days
from forecast.pipeline import ForecastResult, run_forecast
from forecast.timegrid import TimeGrid
from roster.planning.display import money
from roster.planning.inputs import Inputs
from roster.planning.recommend import GapCheck, GapPlan, gap_lines, recommend_additions, verify_gap
from roster.io import TARGETS_FILE, write_targets
from roster.roster_io import PreviousRoster
from roster.planning.settings import PlanSettings
from roster.schema import Agent, LabourRules, Targets, TimeOff
from roster.rostering.export import coverage_table, shifts_table, write_coverage_csv, write_deputy_csv, write_ics, write_roster_csv, write_shifts_csv
from roster.rostering.search import RosterResult, SolverConfig, default_week_start, roster_span, solve_roster
from roster.staffing.calibration import Calibration, apply_bands, calibrated_targets
from roster.staffing.requirements import channel_requirements, default_aht_notes, required_staff
from roster.staffing.simulate import simulate_roster, simulation_summary

Progress = Callable[[str, float, float | None], None]


def solver_config(settings: PlanSettings) -> SolverConfig:
    """The roster solver's settings of a plan."""
    return SolverConfig(time_limit_s=settings.time_limit_s, workers=settings.workers, seed=settings.seed, effort=settings.effort or None)


@dataclass
class PlanResult:
    """Everything a plan produced, in memory.

    ``grid`` is the grid of the requirements, the roster and the simulation.
    """

    inputs: Inputs
    settings: PlanSettings
    forecast: ForecastResult
    requirements: pd.DataFrame
    roster: RosterResult
    simulation: pd.DataFrame | None
    week_start: dt.date
    grid: TimeGrid
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    #: what closes the roster's gap (None when it was not asked for); with the re-roster that checks it, if run
    gap: GapPlan | None = None
    gap_check: GapCheck | None = None
    #: each queue's requirement (requirements_by_queue.csv); ``requirements`` holds their sums per channel
    requirements_by_queue: pd.DataFrame | None = None

    def summary(self) -> PlanSummary:
        """Headline figures of the plan (see :func:`plan_summary`)."""
        return plan_summary(self)

    def summary_text(self) -> str:
        text = format_summary(self.summary(), self.timings)
        if self.gap is not None:
            text += "\n\n" + "\n".join("  " + line for line in gap_lines(self.gap, self.gap_check))
        return text


@dataclass(frozen=True)
class Staffing:
    """Staffing requirements, their grid and notes for the planner (defaults the staffing fell back on)."""

    requirements: pd.DataFrame
    grid: TimeGrid
    notes: list[str] = field(default_factory=list)
    targets: Targets | None = None  # the targets staffed for, when a calibration changed them (None: those given)
    #: each queue's requirement; ``requirements`` is their sum per channel (roster.staffing.requirements)
    by_queue: pd.DataFrame | None = None


# --------------------------------------------------------------------------- #
# Stages: the CLI commands and the app call these, with a PlanSettings
# --------------------------------------------------------------------------- #


def forecast_stage(
    history: pd.DataFrame,
    grid: TimeGrid,
    events: pd.DataFrame | None,
    settings: PlanSettings,
    *,
    progress: Progress | None = None,
    candidates: tuple[str, ...] | None = None,
    forecast_workers: int | None = None,
    scheduler: str | None = None,
) -> ForecastResult:
    """Forecast the history (on ``grid``, already the plan's: see :func:`roster.planning.inputs.load_inputs`)."""
    if grid.coarsen(settings.interval_min) != grid:
        raise InputError.one("--interval-min", f"the history was loaded on a {grid.interval_min}-minute grid and the settings ask "
                             f"for {settings.interval_min} minutes; load it with that interval (load_inputs(..., interval_min=...))")
    from forecast.fanout import scheduler_address

    if forecast_workers is None and scheduler_address(scheduler) is None:
        return run_forecast(
            history, events, grid=grid, horizon_days=settings.horizon_days, model=settings.model, backtest=settings.backtest,
            progress=progress, candidates=candidates, calendar=settings.calendar_effects, pay_days=parse_pay_days(settings.pay_days),
        )
    from forecast.fanout import forecast_frame
    from forecast.pipeline import forecast_options

    options = forecast_options(settings.model, candidates, backtest=settings.backtest, calendar=settings.calendar_effects,
                               pay_days=parse_pay_days(settings.pay_days), horizon_days=settings.horizon_days)
    run = forecast_frame(history, grid, events, horizon_days=settings.horizon_days, options=options,
                         workers=forecast_workers, scheduler=scheduler, progress=progress)
    if run.result.failures:  # a plan staffs every series: one missing is an error, named
        raise InputError.one("history", "the forecast failed for " + "; ".join(f"{f.label}: {f.message}" for f in run.result.failures))
    return run.result


def staffing_stage(
    forecast: pd.DataFrame, grid: TimeGrid, targets: Targets, settings: PlanSettings, *, file: str = "forecast",
    calibration: Calibration | None = None,
) -> Staffing:
    """Staffing requirements of a forecast on ``grid``, on the plan's grid (``settings.interval_min``, or the forecast's).

    With a ``calibration`` (:mod:`roster.staffing.calibration`), each calibrated channel is staffed with its fitted
    patience and with ``1 - availability`` for its shrinkage (per time-of-day band where fitted); ``Staffing.targets``
    are then the targets so changed (what the simulation and targets.toml use).
    """
    notes: list[str] = []
    used = None
    if calibration is not None:
        used, notes = calibrated_targets(targets, calibration)
        targets = used
    by_queue = required_staff(
        forecast, targets, grid=grid, interval_min=settings.interval_min, file=file,
        peak_correction=settings.peak_correction, volume_quantile=settings.volume_quantile, by_queue=True,
    )
    if calibration is not None:
        by_queue = apply_bands(by_queue, calibration)
    requirements = channel_requirements(by_queue, used or targets)
    return Staffing(requirements, grid.coarsen(settings.interval_min), notes + default_aht_notes(forecast, targets), used, by_queue)


def roster_stage(
    requirements: pd.DataFrame,
    grid: TimeGrid,
    agents: list[Agent],
    rules: LabourRules,
    time_off: list[TimeOff],
    settings: PlanSettings,
    *,
    progress: Progress | None = None,
    previous: PreviousRoster | None = None,
    started: float | None = None,
) -> RosterResult:
    """Roster the agents for ``settings.weeks`` week(s) from ``settings.week_start`` on the requirements' grid.

    ``previous`` is the roster published for the weeks before (its shifts that reach into the new weeks stand).
    ``started`` (``time.perf_counter()``) is when the caller's command began: the time limit counts from
    there. Raises :class:`forecast.errors.InputError` when the rules contradict each other or the roster
    breaks a hard rule the solver could not repair (nothing is returned, so nothing is written).
    """
    return solve_roster(
        requirements, agents, rules, time_off, grid=grid, week_start=settings.week_start, weeks=settings.weeks,
        config=solver_config(settings), progress=progress, previous=previous, started=started,
    )


def simulation_stage(
    requirements: pd.DataFrame, coverage: pd.DataFrame, targets: Targets, grid: TimeGrid, settings: PlanSettings
) -> pd.DataFrame:
    """Simulate the requirements' demand against a roster's coverage (``settings.seed``, ``settings.simulation_runs``)."""
    return simulate_roster(requirements, coverage, targets, grid=grid, seed=settings.seed, runs=settings.simulation_runs)


def targets_differences(requirements: pd.DataFrame, targets: Targets) -> list[str]:
    """Notes on the channels whose target in ``targets`` is not the one ``requirements`` were staffed for.

    requirements.csv carries each channel's ``target_sl`` and ``target_s``; a simulation against other
    targets measures the roster against a goal it was not built for, which the planner should know.
    """
    notes = []
    for channel, g in requirements.groupby("channel", sort=True):
        if channel not in targets.channels:
            notes.append(f"{channel}: no target in the targets given; the channel is not simulated")
            continue
        t = targets.channels[channel]
        for col, want in (("target_sl", t.target_sl), ("target_s", t.target_s)):
            if col in g and g[col].notna().any():
                used = sorted(set(g[col].dropna().round(9)))
                if used != [round(float(want), 9)]:
                    unit = " s" if col == "target_s" else ""
                    notes.append(
                        f"{channel}: the requirements were staffed for {col} = {', '.join(f'{u:g}{unit}' for u in used)}, "
                        f"the targets given say {want:g}{unit}; the simulation measures the roster against the latter"
                    )
    return notes


def gap_stage(requirements: pd.DataFrame, grid: TimeGrid, roster: RosterResult, agents: list[Agent], rules: LabourRules,
              time_off: list[TimeOff], targets: Targets | None, settings: PlanSettings, *,
              previous: PreviousRoster | None = None) -> GapPlan:
    """What closes the roster's gap (:func:`roster.planning.recommend.recommend_additions`), with the plan's settings."""
    return recommend_additions(requirements, roster, agents, rules, time_off, grid=grid, targets=targets,
                               week_start=settings.week_start, weeks=settings.weeks, config=solver_config(settings),
                               previous=previous, time_limit_s=max(settings.time_limit_s, GAP_TIME_LIMIT_S),
                               seed=settings.seed, runs=settings.simulation_runs)


def gap_check_stage(gap: GapPlan, requirements: pd.DataFrame, grid: TimeGrid, agents: list[Agent], rules: LabourRules,
                    time_off: list[TimeOff], targets: Targets | None, settings: PlanSettings, *,
                    accepted: list[int] | None = None, previous: PreviousRoster | None = None,
                    progress: Progress | None = None) -> GapCheck:
    """Re-roster with the recommended agents (``accepted`` ranks; all: None) and compare with the prediction."""
    def solve(team: list[Agent], team_rules: LabourRules) -> RosterResult:
        return roster_stage(requirements, grid, team, team_rules, time_off, settings, progress=progress, previous=previous)

    return verify_gap(gap, requirements, agents, rules, time_off, grid=grid, targets=targets, solve=solve, accepted=accepted,
                      seed=settings.seed, runs=settings.simulation_runs)


#: seconds the gap's coverage programmes may take at least, each
GAP_TIME_LIMIT_S = 60.0


def run_plan(inputs: Inputs, settings: PlanSettings | None = None, *, progress: Progress | None = None,
             close_gap: bool = False, check_gap: bool = False, forecast_workers: int | None = None,
             scheduler: str | None = None) -> PlanResult:
    """Run forecast, staffing, roster and simulation on validated inputs.

    ``forecast_workers`` / ``scheduler``: forecast the series on a Dask cluster (:mod:`forecast.fanout`; None and
    None: in this process, as :func:`forecast.pipeline.run_forecast`).

    ``close_gap``: when the roster is short, recommend what closes the gap (:func:`gap_stage`);
    ``check_gap``: and re-roster with the recommended agents to check the prediction (:func:`gap_check_stage`).
    """
    settings = settings or PlanSettings()
    timings: dict[str, float] = {}
    notes: list[str] = []

    t = time.perf_counter()
    fc = forecast_stage(inputs.history, inputs.grid, inputs.events, settings, progress=progress,
                        forecast_workers=forecast_workers, scheduler=scheduler)
    timings["forecast"] = time.perf_counter() - t
    notes += fc.notes

    t = time.perf_counter()
    staffing = staffing_stage(fc.forecast, fc.grid, inputs.targets, settings, calibration=inputs.calibration)
    requirements, grid = staffing.requirements, staffing.grid
    notes += staffing.notes
    if staffing.targets is not None:  # calibrated: the simulation and targets.toml use the targets staffed for
        inputs = replace(inputs, targets=staffing.targets)
    timings["staffing"] = time.perf_counter() - t

    site_zones = sorted({a.site_tz for a in inputs.agents})
    week_start = settings.week_start or default_week_start(grid.start, site_zones)
    settings = settings.model_copy(update={"week_start": week_start})
    span_start, span_end = roster_span(week_start, settings.weeks, site_zones)
    if span_start < grid.start or span_end > grid.end:
        raise InputError.one(
            "--week-start",
            f"the roster from {week_start} ({settings.weeks} week(s)) runs outside the forecast "
            f"({grid.start:%Y-%m-%d %H:%M}Z to {grid.end:%Y-%m-%d %H:%M}Z); "
            "choose a later week or a longer --horizon-days",
        )

    t = time.perf_counter()
    roster = roster_stage(requirements, grid, inputs.agents, inputs.rules, inputs.time_off, settings, progress=progress,
                          previous=inputs.previous)
    timings["roster"] = time.perf_counter() - t

    simulation = None
    if settings.simulate:
        t = time.perf_counter()
        simulation = simulation_stage(requirements, roster.coverage, inputs.targets, grid, settings)
        timings["simulation"] = time.perf_counter() - t

    gap = check = None
    if close_gap and roster.kpis.under_agent_h > 0:
        t = time.perf_counter()
        if progress:
            progress("closing the gap: coverage programme with the additions", 0.0, None)
        gap = gap_stage(requirements, grid, roster, inputs.agents, inputs.rules, inputs.time_off, inputs.targets, settings,
                        previous=inputs.previous)
        timings["close gap"] = time.perf_counter() - t
        if check_gap and gap.recommendations:
            t = time.perf_counter()
            check = gap_check_stage(gap, requirements, grid, inputs.agents, inputs.rules, inputs.time_off, inputs.targets,
                                    settings, previous=inputs.previous, progress=progress)
            timings["re-roster"] = time.perf_counter() - t
    return PlanResult(inputs, settings, fc, requirements, roster, simulation, week_start, grid, notes, timings, gap, check,
                      staffing.by_queue)


# --------------------------------------------------------------------------- #
# Summary
# --------------------------------------------------------------------------- #


class ChannelSummary(BaseModel):
    """One channel's headline figures; hours and intervals over the roster week(s). NaN = not available."""

    model_config = ConfigDict(frozen=True)

    channel: str = Field(description="the channel")
    contacts_horizon: float = Field(description="contacts forecast over the whole horizon")
    contacts_roster_weeks: float = Field(description="contacts forecast over the roster week(s)")
    required_agent_h: float = Field(description="agent-hours required on the channel")
    scheduled_agent_h: float = Field(description="agent-hours rostered on the channel (breaks excluded)")
    intervals_understaffed: int = Field(description="intervals with fewer agents than required")
    agent_intervals_short: float = Field(description="agents short, summed over the intervals")
    simulated: bool = Field(default=False, description="the roster was simulated on this channel (the three figures below)")
    simulated_sl: float = Field(default=float("nan"), description="simulated share answered within the target time, censored contacts left out")
    target_sl: float = Field(default=float("nan"), description="the channel's service level target, a share")
    share_intervals_meeting_target: float = Field(
        default=float("nan"), description="share of intervals with contacts whose expected simulated service level meets the target"
    )


class QueueSummary(BaseModel):
    """One queue's headline figures over the roster week(s) (requirements_by_queue.csv)."""

    model_config = ConfigDict(frozen=True)

    queue: str = Field(description="the queue")
    channel: str = Field(description="its channel")
    contacts_roster_weeks: float = Field(description="contacts forecast over the roster week(s)")
    required_agent_h: float = Field(description="agent-hours required on the queue, staffed on its own")
    target_sl: float = Field(description="the queue's service level target, a share")
    target_s: float = Field(description="the queue's answer-time target, seconds")


def queue_summaries(by_queue: pd.DataFrame | None, start, end, interval_h: float) -> tuple[QueueSummary, ...]:
    """Each queue's figures over ``[start, end]`` (UTC interval starts), in channel then queue order; none when every
    queue is named as its channel (a history without queues)."""
    if by_queue is None or (by_queue["queue"] == by_queue["channel"]).all():
        return ()
    w = by_queue[(by_queue["ds"] >= start) & (by_queue["ds"] <= end)]
    return tuple(
        QueueSummary(queue=q, channel=c, contacts_roster_weeks=float(g["volume"].sum()),
                     required_agent_h=float(g["agents_required"].sum() * interval_h),
                     target_sl=float(g["target_sl"].iloc[0]), target_s=float(g["target_s"].iloc[0]))
        for (c, q), g in w.groupby(["channel", "queue"], sort=True) if len(g)
    )


class PlanSummary(BaseModel):
    """Headline figures of a plan: contacts, agent-hours required vs rostered, understaffing, service level.

    Agent-hours and intervals are over the roster week(s); NaN = not available
    (no lower bound within the time limit: no gap, no unavoidable shortfall).
    """

    model_config = ConfigDict(frozen=True)

    horizon_start: dt.datetime = Field(description="first forecast interval's start, UTC")
    horizon_end: dt.datetime = Field(description="last forecast interval's start, UTC")
    roster_weeks_from: dt.date = Field(description="first roster day, site local")
    contacts_horizon: float = Field(description="contacts forecast over the horizon, all channels")
    required_agent_h: float = Field(description="agent-hours required, all channels")
    scheduled_agent_h: float = Field(description="agent-hours rostered on channels, all channels")
    paid_h: float = Field(description="paid hours of the roster")
    cost: float = Field(description="paid hours x each contract's hourly cost, in ``currency``")
    currency: str | None = Field(default=None, description="the labour rules' currency; None: shown as cost units")
    agents_rostered: int = Field(description="agents with at least one shift")
    shifts: int = Field(description="shifts rostered")
    intervals_understaffed: int = Field(description="channel-intervals with fewer agents than required")
    channel_intervals: int = Field(description="channel-intervals in the roster week(s)")
    gap: float = Field(description="the roster objective's gap to its lower bound, a share; NaN without a bound")
    under_agent_h: float = Field(description="agent-hours short of the requirement")
    bound_short_agent_h: float = Field(description="agent-hours short that no roster of these agents and rules can avoid; NaN without a bound")
    switches_per_shift_mean: float = Field(default=0.0, description="changes of channel per shift, on average")
    switches_per_shift_max: int = Field(default=0, description="most changes of channel in one shift")
    shifts_over_max_switches: int = Field(default=0, description="shifts with more changes of channel than the rules allow")
    channel_block_cost_agent_h: float = Field(
        default=float("nan"), description="agent-hours the channel rules leave short beyond channels chosen freely per interval; NaN when not computed")
    search_ended_by: str = Field(default="", description="what ended the roster search: work budget (reproducible), time limit, or converged")
    channels: tuple[ChannelSummary, ...] = Field(description="one summary per channel, in channel order")
    queues: tuple[QueueSummary, ...] = Field(
        default=(), description="one summary per queue when the history has queues (a channel's required hours are their sum)"
    )
    simulation_runs: int | None = Field(description="replications of the simulation; None when the roster was not simulated")
    forecast_models: tuple[str, ...] = Field(default=(), description="the forecast models used on some series, sorted")
    backtested: bool = Field(
        default=True, description="False when the forecast had no backtest: models not chosen by accuracy, bands not calibrated"
    )


def plan_summary(result: PlanResult) -> PlanSummary:
    """Headline figures: contacts, agent-hours required vs rostered, understaffing, service level.

    The roster's totals are its :class:`~roster.rostering.solution.RosterKpis`; the channels' figures add up to them.
    """
    fc = result.forecast.forecast
    cov = result.roster.coverage
    kpis = result.roster.kpis
    h = result.grid.interval_h
    contacts = fc.groupby("channel")["volume"].sum()
    span_start, span_end = cov["ds"].min(), cov["ds"].max()
    in_week = (fc["ds"] >= span_start) & (fc["ds"] <= span_end)
    short = (cov["required"] - cov["scheduled"]).clip(lower=0)
    per_channel = {}
    for channel, g in cov.groupby("channel"):
        s = short[g.index]
        per_channel[channel] = {
            "channel": channel,
            "contacts_horizon": float(contacts.get(channel, 0.0)),
            "contacts_roster_weeks": float(fc.loc[in_week & (fc["channel"] == channel), "volume"].sum()),
            "required_agent_h": float(g["required"].sum() * h),
            "scheduled_agent_h": float(g["scheduled"].sum() * h),
            "intervals_understaffed": int((s > 0).sum()),
            "agent_intervals_short": float(s.sum()),
        }
    if result.simulation is not None:
        # the simulator's own summary: censored contacts (still waiting at the end, not yet late) left out
        for r in simulation_summary(result.simulation).itertuples(index=False):
            if r.channel not in per_channel:
                continue
            per_channel[r.channel].update(
                {
                    "simulated": True,
                    "simulated_sl": float(r.service_level),
                    "target_sl": float(r.target_sl),
                    "share_intervals_meeting_target": float(r.intervals_meeting_target),
                }
            )
    return PlanSummary(
        horizon_start=fc["ds"].min(),
        horizon_end=fc["ds"].max(),
        roster_weeks_from=result.week_start,
        contacts_horizon=float(contacts.sum()),
        required_agent_h=kpis.required_agent_h,
        scheduled_agent_h=kpis.scheduled_agent_h,
        paid_h=kpis.paid_h,
        cost=kpis.cost,
        currency=result.inputs.rules.currency,
        agents_rostered=kpis.agents_rostered,
        shifts=kpis.shifts,
        intervals_understaffed=int((short > 0).sum()),
        channel_intervals=int(len(cov)),
        gap=kpis.gap,
        under_agent_h=kpis.under_agent_h,
        bound_short_agent_h=kpis.bound_short_agent_h,
        switches_per_shift_mean=kpis.switches_per_shift_mean,
        switches_per_shift_max=kpis.switches_per_shift_max,
        shifts_over_max_switches=kpis.shifts_over_max_switches,
        channel_block_cost_agent_h=kpis.channel_block_cost_agent_h,
        search_ended_by=kpis.search_ended_by,
        channels=tuple(ChannelSummary(**c) for c in per_channel.values()),
        queues=queue_summaries(result.requirements_by_queue, span_start, span_end, h),
        simulation_runs=int(result.settings.simulation_runs) if result.simulation is not None else None,
        forecast_models=tuple(sorted(fc["model"].unique())),
        backtested=bool(len(result.forecast.accuracy)),
    )


def channel_switches_line(k, rules: LabourRules | None = None) -> str:
    """One line on the channels inside shifts: switches per shift, and what the channel rules cost in cover.

    ``k`` has ``switches_per_shift_mean``, ``switches_per_shift_max``,
    ``shifts_over_max_switches`` and ``channel_block_cost_agent_h`` (a
    :class:`~roster.rostering.solution.RosterKpis` or a :class:`PlanSummary`);
    ``rules`` adds the limits.
    """
    limits = (f" (rules: at most {rules.max_channel_switches}, stretches of at least {rules.min_channel_block_min} min)"
              if rules is not None else "")
    line = (f"channel switches per shift: {k.switches_per_shift_mean:.2f} on average, {k.switches_per_shift_max} at most{limits}"
            + (f"; {k.shifts_over_max_switches} shift(s) above the limit" if k.shifts_over_max_switches else ""))
    cost = k.channel_block_cost_agent_h
    if cost == cost:
        line += (f"; the channel rules cost {cost:,.1f} agent-hours of cover on these shifts"
                 " (against channels chosen freely every interval)")
    return line


def search_end_text(ended_by: str) -> str:
    """What ended the roster search, for the planner: reproducible or not."""
    return {
        "work budget": "the work budget (--effort; the same inputs and seed give the same roster)",
        "time limit": "the time limit (--time-limit; another run may give another roster: raise it or lower --effort to reproduce)",
        "converged": "nothing left to improve (the search stopped on its own, or the exact model proved its roster optimal)",
    }.get(ended_by, ended_by)


def format_summary(s: PlanSummary, timings: dict[str, float]) -> str:
    """The summary ``shiftcast plan`` prints."""
    lines = [
        "",
        f"Plan for {s.horizon_start:%Y-%m-%d %H:%M}Z to {s.horizon_end:%Y-%m-%d %H:%M}Z; roster week(s) from {s.roster_weeks_from}",
        f"  contacts forecast: {s.contacts_horizon:,.0f} (models: {', '.join(s.forecast_models)}"
        + ("" if s.backtested else "; no backtest: models not chosen by accuracy, 10-90% bands not calibrated") + ")",
        f"  roster: {s.shifts:,} shifts for {s.agents_rostered:,} agents, {s.paid_h:,.0f} paid hours, cost {money(s.cost, s.currency)}",
        f"  agent-hours on channels: required {s.required_agent_h:,.0f}, rostered {s.scheduled_agent_h:,.0f}",
        f"  understaffed channel-intervals: {s.intervals_understaffed} of {s.channel_intervals}"
        + (f" ({s.under_agent_h:,.0f} agent-h; no roster of these agents and rules can go below {s.bound_short_agent_h:,.0f})"
           if s.bound_short_agent_h == s.bound_short_agent_h and s.under_agent_h > 0 else ""),
        "  " + channel_switches_line(s),
        "  roster objective: " + ("no lower bound within the time limit" if s.gap != s.gap else f"{s.gap:.1%} above its lower bound")
        + (f"; search ended by: {search_end_text(s.search_ended_by)}" if s.search_ended_by else ""),
        "",
        f"  {'channel':<8}{'contacts':>10}{'req h':>9}{'rost h':>9}{'short ivl':>10}{'sim SL':>8}{'target':>8}{'ivl ok':>8}",
    ]
    for c in s.channels:
        lines.append(
            f"  {c.channel:<8}{c.contacts_roster_weeks:>10,.0f}{c.required_agent_h:>9,.0f}{c.scheduled_agent_h:>9,.0f}"
            f"{c.intervals_understaffed:>10}"
            + (f"{c.simulated_sl:>8.1%}{c.target_sl:>8.0%}{c.share_intervals_meeting_target:>8.0%}" if c.simulated else "")
        )
    if s.queues:
        lines += ["", f"  {'queue':<14}{'channel':<8}{'contacts':>10}{'req h':>9}{'target':>16}"]
        lines += [f"  {q.queue:<14}{q.channel:<8}{q.contacts_roster_weeks:>10,.0f}{q.required_agent_h:>9,.0f}"
                  f"{f'{q.target_sl:.0%} in {q.target_s:g} s':>16}" for q in s.queues]
        lines.append("  (each queue staffed on its own; a channel's required hours are the sum of its queues')")
    runs = s.simulation_runs
    lines.append("  (contacts, hours and intervals over the roster week(s); sim SL = simulated share answered in target time"
                 + (f"; ivl ok = share of intervals with contacts whose expected service level over {runs} simulated runs"
                    " meets the target" if runs else "") + ")")
    lines.append("  time: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))
    return "\n".join(lines)


# --------------------------------------------------------------------------- #
# Writing
# --------------------------------------------------------------------------- #


#: The calendar of the roster (not a table).
ROSTER_ICS = "roster.ics"

#: The files each stage writes into an output folder, in the order the stages chain: each reads the one before.
STAGE_FILES: dict[str, tuple[str, ...]] = {
    "forecast": (tables.FORECAST.name, tables.ACCURACY.name),
    "staffing": (tables.REQUIREMENTS.name, tables.REQUIREMENTS_BY_QUEUE.name, TARGETS_FILE),
    "roster": (tables.ROSTER.name, tables.SHIFTS.name, tables.DEPUTY.name, tables.COVERAGE.name, ROSTER_ICS),
    "simulation": (tables.SIMULATION.name,),
}

#: Every file Shiftcast writes into an output folder by default (the CSVs, roster.ics, targets.toml).
OUTPUT_FILES: tuple[str, ...] = tuple(name for names in STAGE_FILES.values() for name in names)

#: The tables ``shiftcast plan --parquet`` also writes as Parquet (typed columns, UTC timestamps), for big runs.
PARQUET_TABLES: tuple[tables.Table, ...] = (
    tables.FORECAST, tables.ACCURACY, tables.REQUIREMENTS, tables.REQUIREMENTS_BY_QUEUE, tables.ROSTER, tables.SHIFTS,
    tables.COVERAGE, tables.SIMULATION,
)


def parquet_name(table: tables.Table) -> str:
    """A table's Parquet file: ``forecast.parquet`` beside forecast.csv."""
    return table.name.removesuffix(".csv") + ".parquet"


#: What closes a roster's gap, written beside the roster when asked for (``--close-gap``): Shiftcast's files too, so a
#: new roster without them removes the old ones (they were about the roster it replaces)
GAP_FILES: tuple[str, ...] = (tables.RECOMMENDATIONS.name, tables.AGENTS_FILE.name)
#: Every file Shiftcast may write into an output folder; any other entry there is the user's and is kept (a run
#: without --parquet removes the Parquet files of an earlier run with it: they belong to another plan).
KNOWN_FILES: tuple[str, ...] = OUTPUT_FILES + GAP_FILES + tuple(parquet_name(t) for t in PARQUET_TABLES)


def upstream_files(stage: str) -> tuple[str, ...]:
    """The files of the stages before ``stage``."""
    stages = list(STAGE_FILES)
    before = stages[: stages.index(stage)]
    return tuple(name for s in before for name in STAGE_FILES[s]) + (GAP_FILES if "roster" in before else ())


def check_output_folder(out_dir: str | Path, stage: str | None = None) -> None:
    """Check, before the work, that ``stage``'s files (all of them: None) can be written into ``out_dir``.

    Raises :class:`forecast.io.outputs.OutputError` (``out_dir`` is a file, an output name there is a folder, ...).
    """
    check_folder(out_dir, (STAGE_FILES[stage] + (GAP_FILES if stage == "roster" else ())) if stage else KNOWN_FILES)


def write_stage(out_dir: str | Path, stage: str, files: dict[str, Writer], *, keep_upstream: bool) -> list[Path]:
    """Write a stage's files into ``out_dir`` as one set (:func:`forecast.io.outputs.write_folder`).

    The later stages' files in the folder are removed: they were built from what this stage replaces. The
    earlier stages' files stay when ``keep_upstream`` (this stage read its input from this folder, so they are
    the ones it was built from) and are removed otherwise (they belong to another run). The user's own files stay.
    """
    return write_folder(out_dir, files, known=KNOWN_FILES, keep=upstream_files(stage) if keep_upstream else ())


def write_forecast(result: ForecastResult, out_dir: str | Path) -> list[Path]:
    """forecast.csv and accuracy.csv (the first stage: every other output in the folder is removed)."""
    return write_stage(out_dir, "forecast", {
        tables.FORECAST.name: partial(write_table, result.forecast, tables.FORECAST),
        tables.ACCURACY.name: partial(write_table, result.accuracy, tables.ACCURACY),
    }, keep_upstream=False)


def write_staffing(
    requirements: pd.DataFrame, targets: Targets, out_dir: str | Path, *, keep_upstream: bool,
    by_queue: pd.DataFrame | None = None,
) -> list[Path]:
    """requirements.csv, requirements_by_queue.csv (``by_queue``, when given) and targets.toml, the targets they
    were staffed for (see :func:`write_stage` for ``keep_upstream``)."""
    files: dict[str, Writer] = {tables.REQUIREMENTS.name: partial(write_table, requirements, tables.REQUIREMENTS)}
    if by_queue is not None:
        files[tables.REQUIREMENTS_BY_QUEUE.name] = partial(write_table, by_queue, tables.REQUIREMENTS_BY_QUEUE)
    files[TARGETS_FILE] = partial(write_targets, targets)  # what `shiftcast simulate` reads
    return write_stage(out_dir, "staffing", files, keep_upstream=keep_upstream)


def _roster_files(roster: RosterResult, agents: list[Agent], gap: GapPlan | None = None) -> dict[str, Writer]:
    files: dict[str, Writer] = {
        tables.ROSTER.name: partial(write_roster_csv, roster.roster),
        tables.SHIFTS.name: partial(write_shifts_csv, roster.roster, agents),
        tables.DEPUTY.name: partial(write_deputy_csv, roster.roster, agents),
        tables.COVERAGE.name: partial(write_coverage_csv, roster.coverage),
        ROSTER_ICS: partial(write_ics, roster.roster),
    }
    if gap is not None:
        files[tables.RECOMMENDATIONS.name] = partial(write_table, gap.frame(), tables.RECOMMENDATIONS)
        files[tables.AGENTS_FILE.name] = partial(write_table, gap.agents_frame(), tables.AGENTS_FILE)
    return files


def write_roster(roster: RosterResult, agents: list[Agent], out_dir: str | Path, *, keep_upstream: bool,
                 gap: GapPlan | None = None) -> list[Path]:
    """roster.csv, shifts.csv, roster_deputy.csv (``agents`` give names, sites and emails), coverage.csv and
    roster.ics; with ``gap``, recommendations.csv and recommended_agents.csv (see :func:`write_stage` for ``keep_upstream``)."""
    return write_stage(out_dir, "roster", _roster_files(roster, agents, gap), keep_upstream=keep_upstream)


def write_simulation(simulation: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """simulation.csv into the plan folder it simulated (every other output there stays)."""
    return write_stage(out_dir, "simulation", {
        tables.SIMULATION.name: partial(write_table, simulation, tables.SIMULATION),
    }, keep_upstream=True)


def write_plan(result: PlanResult, out_dir: str | Path, *, parquet: bool = False) -> list[Path]:
    """Write the plan's files into ``out_dir`` as one set, only after the plan succeeded.

    Afterwards the folder holds exactly this plan's files (no simulation.csv without a simulation) and the
    user's own files; see :func:`forecast.io.outputs.write_folder`. Each CSV holds exactly its table's columns
    in :mod:`forecast.tables` (:data:`forecast.tables.OUTPUT_TABLES`). With ``parquet``, the tables of
    :data:`PARQUET_TABLES` are written as Parquet too, beside their CSVs, in the same set
    (:func:`forecast.io.files.write_table_parquet`).
    """
    files: dict[str, Writer] = {
        tables.FORECAST.name: partial(write_table, result.forecast.forecast, tables.FORECAST),
        tables.ACCURACY.name: partial(write_table, result.forecast.accuracy, tables.ACCURACY),
        tables.REQUIREMENTS.name: partial(write_table, result.requirements, tables.REQUIREMENTS),
        TARGETS_FILE: partial(write_targets, result.inputs.targets),  # what `shiftcast simulate` reads
        **_roster_files(result.roster, result.inputs.agents, result.gap),
    }
    if result.requirements_by_queue is not None:
        files[tables.REQUIREMENTS_BY_QUEUE.name] = partial(write_table, result.requirements_by_queue, tables.REQUIREMENTS_BY_QUEUE)
    if result.simulation is not None:
        files[tables.SIMULATION.name] = partial(write_table, result.simulation, tables.SIMULATION)
    if parquet:
        frames = {
            tables.FORECAST: result.forecast.forecast, tables.ACCURACY: result.forecast.accuracy,
            tables.REQUIREMENTS: result.requirements, tables.REQUIREMENTS_BY_QUEUE: result.requirements_by_queue,
            tables.ROSTER: result.roster.roster,
            tables.SHIFTS: shifts_table(result.roster.roster, result.inputs.agents), tables.COVERAGE: coverage_table(result.roster.coverage),
            tables.SIMULATION: result.simulation,
        }
        for table, frame in frames.items():
            if frame is not None:
                files[parquet_name(table)] = partial(write_table_parquet, frame, table)
    return write_folder(out_dir, files, known=KNOWN_FILES)
