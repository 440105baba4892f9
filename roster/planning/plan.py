"""The whole plan: forecast -> staffing requirements -> roster -> simulation.

Used by ``shiftcast plan`` and by the app. Nothing is written until every stage
has succeeded, and each file is written atomically, so a failed run never
leaves a half-written or mixed set of outputs.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from forecast.errors import InputError
from forecast.io.files import with_iso, write_csv_atomic
from forecast.pipeline import ForecastResult, run_forecast
from forecast.timegrid import TimeGrid
from roster.planning.inputs import Inputs
from roster.planning.settings import PlanSettings
from roster.schema import Agent, LabourRules, Targets, TimeOff
from roster.staffing.simulate import simulate_roster, simulation_summary
from roster.rostering.search import RosterResult, SolverConfig, default_week_start, roster_span, solve_roster
from roster.staffing.requirements import required_staff

Progress = Callable[[str, float, float | None], None]


def solver_config(settings: PlanSettings) -> SolverConfig:
    """The roster solver's settings of a plan."""
    return SolverConfig(time_limit_s=settings.time_limit_s, workers=settings.workers, seed=settings.seed)


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

    def summary(self) -> dict:
        """Headline figures of the plan (see :func:`plan_summary`)."""
        return plan_summary(self)

    def summary_text(self) -> str:
        return format_summary(self.summary(), self.timings)


@dataclass(frozen=True)
class Staffing:
    """Staffing requirements and their grid."""

    requirements: pd.DataFrame
    grid: TimeGrid


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
) -> ForecastResult:
    """Forecast the history (on ``grid``, already the plan's: see :func:`roster.planning.inputs.load_inputs`)."""
    if grid.coarsen(settings.interval_min) != grid:
        raise ValueError(f"the history is on a {grid.interval_min}-minute grid, the settings ask for {settings.interval_min}; "
                         "load it with interval_min")
    return run_forecast(
        history, events, grid=grid, horizon_days=settings.horizon_days, model=settings.model, backtest=settings.backtest,
        progress=progress, candidates=candidates,
    )


def staffing_stage(forecast: pd.DataFrame, grid: TimeGrid, targets: Targets, settings: PlanSettings, *, file: str = "forecast") -> Staffing:
    """Staffing requirements of a forecast on ``grid``, on the plan's grid (``settings.interval_min``, or the forecast's)."""
    requirements = required_staff(
        forecast, targets, grid=grid, interval_min=settings.interval_min, file=file,
        peak_correction=settings.peak_correction, volume_quantile=settings.volume_quantile,
    )
    return Staffing(requirements, grid.coarsen(settings.interval_min))


def roster_stage(
    requirements: pd.DataFrame,
    grid: TimeGrid,
    agents: list[Agent],
    rules: LabourRules,
    time_off: list[TimeOff],
    settings: PlanSettings,
    *,
    progress: Progress | None = None,
) -> RosterResult:
    """Roster the agents for ``settings.weeks`` week(s) from ``settings.week_start`` on the requirements' grid."""
    return solve_roster(
        requirements, agents, rules, time_off, grid=grid, week_start=settings.week_start, weeks=settings.weeks,
        config=solver_config(settings), progress=progress,
    )


def simulation_stage(
    requirements: pd.DataFrame, coverage: pd.DataFrame, targets: Targets, grid: TimeGrid, settings: PlanSettings
) -> pd.DataFrame:
    """Simulate the requirements' demand against a roster's coverage (``settings.seed``, ``settings.simulation_runs``)."""
    return simulate_roster(requirements, coverage, targets, grid=grid, seed=settings.seed, runs=settings.simulation_runs)


def run_plan(inputs: Inputs, settings: PlanSettings | None = None, *, progress: Progress | None = None) -> PlanResult:
    """Run forecast, staffing, roster and simulation on validated inputs."""
    settings = settings or PlanSettings()
    timings: dict[str, float] = {}
    notes: list[str] = []

    t = time.perf_counter()
    fc = forecast_stage(inputs.history, inputs.grid, inputs.events, settings, progress=progress)
    timings["forecast"] = time.perf_counter() - t
    notes += fc.notes

    t = time.perf_counter()
    staffing = staffing_stage(fc.forecast, fc.grid, inputs.targets, settings)
    requirements, grid = staffing.requirements, staffing.grid
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
    roster = roster_stage(requirements, grid, inputs.agents, inputs.rules, inputs.time_off, settings, progress=progress)
    timings["roster"] = time.perf_counter() - t

    simulation = None
    if settings.simulate:
        t = time.perf_counter()
        simulation = simulation_stage(requirements, roster.coverage, inputs.targets, grid, settings)
        timings["simulation"] = time.perf_counter() - t

    return PlanResult(inputs, settings, fc, requirements, roster, simulation, week_start, grid, notes, timings)


# --------------------------------------------------------------------------- #
# Summary
# --------------------------------------------------------------------------- #


def plan_summary(result: PlanResult) -> dict:
    """Headline figures: contacts, agent-hours required vs rostered, understaffing, service level."""
    fc = result.forecast.forecast
    cov = result.roster.coverage
    h = result.grid.interval_h
    contacts = fc.groupby("channel")["volume"].sum()
    span_start, span_end = cov["ds"].min(), cov["ds"].max()
    in_week = (fc["ds"] >= span_start) & (fc["ds"] <= span_end)
    short = (cov["required"] - cov["scheduled"]).clip(lower=0)
    per_channel = {}
    for channel, g in cov.groupby("channel"):
        s = short[g.index]
        per_channel[channel] = {
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
                    "simulated_sl": float(r.service_level),
                    "target_sl": float(r.target_sl),
                    "share_intervals_meeting_target": float(r.intervals_meeting_target),
                }
            )
    roster = result.roster.roster
    shifts = roster[roster["activity"] == "shift"]
    return {
        "horizon": (fc["ds"].min(), fc["ds"].max()),
        "roster_weeks_from": result.week_start,
        "contacts_horizon": float(contacts.sum()),
        "required_agent_h": float(cov["required"].sum() * h),
        "scheduled_agent_h": float(cov["scheduled"].sum() * h),
        "paid_h": float(result.roster.kpis.get("paid_h", float("nan"))),
        "agents_rostered": int(shifts["agent_id"].nunique()),
        "shifts": int(result.roster.kpis.get("shifts", shifts[["agent_id", "local_date"]].drop_duplicates().shape[0])),
        "intervals_understaffed": int((short > 0).sum()),
        "channel_intervals": int(len(cov)),
        "gap": result.roster.kpis.get("gap", float("nan")),
        "under_agent_h": result.roster.kpis.get("under_agent_h", float("nan")),
        "bound_short_agent_h": result.roster.kpis.get("bound_short_agent_h", float("nan")),
        "channels": per_channel,
        "simulation_runs": int(result.settings.simulation_runs) if result.simulation is not None else None,
    }


def format_summary(s: dict, timings: dict[str, float]) -> str:
    lines = [
        "",
        f"Plan for {s['horizon'][0]:%Y-%m-%d %H:%M}Z to {s['horizon'][1]:%Y-%m-%d %H:%M}Z; roster week(s) from {s['roster_weeks_from']}",
        f"  contacts forecast: {s['contacts_horizon']:,.0f}",
        f"  roster: {s['shifts']} shifts for {s['agents_rostered']} agents, {s['paid_h']:,.0f} paid hours",
        f"  agent-hours on channels: required {s['required_agent_h']:,.0f}, rostered {s['scheduled_agent_h']:,.0f}",
        f"  understaffed channel-intervals: {s['intervals_understaffed']} of {s['channel_intervals']}"
        + (f" ({s['under_agent_h']:,.0f} agent-h; no roster of these agents and rules can go below {s['bound_short_agent_h']:,.0f})"
           if s.get("bound_short_agent_h") == s.get("bound_short_agent_h") and s.get("under_agent_h", 0) > 0 else ""),
        "  roster objective: " + ("no lower bound within the time limit" if s["gap"] != s["gap"] else f"{s['gap']:.1%} above its lower bound"),
        "",
        f"  {'channel':<8}{'contacts':>10}{'req h':>9}{'rost h':>9}{'short ivl':>10}{'sim SL':>8}{'target':>8}{'ivl ok':>8}",
    ]
    for channel, c in s["channels"].items():
        sim = c.get("simulated_sl")
        lines.append(
            f"  {channel:<8}{c['contacts_roster_weeks']:>10,.0f}{c['required_agent_h']:>9,.0f}{c['scheduled_agent_h']:>9,.0f}"
            f"{c['intervals_understaffed']:>10}"
            + (f"{sim:>8.1%}{c['target_sl']:>8.0%}{c['share_intervals_meeting_target']:>8.0%}" if sim is not None else "")
        )
    runs = s.get("simulation_runs")
    lines.append("  (contacts, hours and intervals over the roster week(s); sim SL = simulated share answered in target time"
                 + (f"; ivl ok = share of intervals with contacts whose expected service level over {runs} simulated runs"
                    " meets the target" if runs else "") + ")")
    lines.append("  time: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))
    return "\n".join(lines)


# --------------------------------------------------------------------------- #
# Writing
# --------------------------------------------------------------------------- #


def write_plan(result: PlanResult, out_dir: str | Path) -> list[Path]:
    """Write the plan's files; each atomically, all only after the plan succeeded."""
    from roster.rostering.export import write_coverage_csv, write_ics, write_roster_csv

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [
        write_csv_atomic(with_iso(result.forecast.forecast), out_dir / "forecast.csv"),
        write_csv_atomic(result.forecast.accuracy, out_dir / "accuracy.csv"),
        write_csv_atomic(with_iso(result.requirements), out_dir / "requirements.csv"),
        write_roster_csv(result.roster.roster, out_dir / "roster.csv"),
        write_coverage_csv(result.roster.coverage, out_dir / "coverage.csv"),
    ]
    if result.simulation is not None:
        written.append(write_csv_atomic(with_iso(result.simulation), out_dir / "simulation.csv"))
    written.append(write_ics(result.roster.roster, out_dir / "roster.ics"))
    return written
