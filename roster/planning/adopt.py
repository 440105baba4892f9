"""Adopt a what-if scenario: plan for the event, then compare the event's own hours before and after.

A scenario (:class:`forecast.scenario.PlannedEvent`) on a base plan (its
forecast, requirements and roster) is planned for in four steps:

1. **re-forecast**: the base forecast with the event applied
   (:func:`forecast.scenario.apply_event`; no refit);
2. **re-staff**: the requirements of that forecast with the plan's staffing
   settings; an event that only adds contacts is staffed on top of the base
   requirements (no interval loses agents);
3. **re-roster**: either the whole roster solved again
   (``keep_roster=False``), or, with ``keep_roster="outside_event"``, every
   shift of the local days the requirement does not change kept as it is and
   only the days it changes (and the day before each, for evening shifts
   reaching in) solved again (:func:`roster.rostering.partial.resolve_days`);
4. **compare**: the service level during the event's own intervals, per
   channel, simulated for the base roster and for the adopted one against the
   event's demand (:func:`roster.staffing.simulate.simulate_roster`), the agents
   on each channel before and after, and the extra paid hours and cost (paid
   hours x each contract's hourly cost).

The result carries the base roster's fingerprint (:func:`roster_fingerprint`),
so a saved result can be recognised as stale once the roster changes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from forecast import tables
from forecast.errors import InputError, Problem
from forecast.io.files import write_bytes_atomic, write_table
from forecast.io.outputs import Writer, write_folder
from forecast.pipeline import ForecastResult
from forecast.scenario import PlannedEvent, apply_event
from roster.io import TARGETS_FILE, write_targets
from roster.planning.display import money
from roster.planning.inputs import Inputs
from roster.planning.plan import OUTPUT_FILES, PlanResult, Progress, roster_stage, simulation_stage, solver_config, _roster_files
from roster.planning.settings import PlanSettings
from roster.rostering.partial import free_days_of, resolve_days, shift_key
from roster.rostering.solution import RosterResult
from forecast.schema import SERIES_COLUMNS
from roster.staffing.requirements import channel_requirements, required_staff

KeepRoster = Literal[False, "outside_event"]

#: The adopted scenario's own files, beside the plan's.
EVENT_SL_FILE = tables.EVENT_SERVICE_LEVEL.name
SUMMARY_FILE = "scenario_summary.json"
SCENARIO_FILES: tuple[str, ...] = (*OUTPUT_FILES, EVENT_SL_FILE, SUMMARY_FILE, tables.RECOMMENDATIONS.name,
                                   tables.AGENTS_FILE.name)

#: hours simulated before the event starts, so the queue the event meets is the roster's (not an empty one)
WARM_UP_H = 4.0
#: simulated runs of the event's hours at least (each interval's service level is its mean over them)
EVENT_RUNS = 40


def roster_fingerprint(roster: pd.DataFrame) -> str:
    """A short fingerprint of a roster's shifts and channels (agents, UTC times, activities).

    Equal rosters give equal fingerprints whatever their row order; a result computed on a roster is
    current while the roster's fingerprint is the one stored with it.
    """
    cols = ["agent_id", "local_date", "activity", "channel", "start_utc", "end_utc"]
    r = roster[cols].astype(str).sort_values(cols, kind="stable")
    return hashlib.sha256(r.to_csv(index=False).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class AdoptedTotals:
    """The scenario's cost and agents, adopted roster minus base roster (paid hours at each contract's cost)."""

    extra_paid_h: float
    extra_cost: float
    extra_shifts: int
    extra_agent_h_on_channels: float  # agent-hours on the event's channels during the event
    base_cost: float
    adopted_cost: float
    shifts_kept: int  # shifts of the base roster found unchanged in the adopted one
    shifts_changed: int  # shifts of the adopted roster that are new or moved


@dataclass
class AdoptedScenario:
    """A scenario planned for.

    Attributes
    ----------
    event : PlannedEvent
    keep_roster : False or "outside_event"
    forecast : ForecastResult
        The base forecast with the event applied (same grid).
    requirements : DataFrame
        Requirements of that forecast (:data:`forecast.tables.REQUIREMENTS`).
    roster : RosterResult
        The adopted roster.
    event_service_level : DataFrame
        Per channel and interval of the event (:data:`forecast.tables.EVENT_SERVICE_LEVEL`): simulated
        service level and agents before (base roster) and after (adopted roster), both against the
        event's demand.
    channels : DataFrame
        Per channel over the event: ``channel, offered, sl_before, sl_after, target_sl, agents_before,
        agents_after, required_after`` (agents as mean per interval).
    totals : AdoptedTotals
    base_fingerprint : str
        :func:`roster_fingerprint` of the base roster the scenario was planned on.
    recommendations : DataFrame or None
        Close-the-gap recommendations on the adopted roster, when a ``recommend`` function was
        given to :func:`adopt_scenario` (None otherwise).
    recommended_agents : DataFrame or None
        The agent rows those recommendations add or change, in agents.csv's format, when the
        ``recommend`` function gives them.
    """

    event: PlannedEvent
    keep_roster: KeepRoster
    settings: PlanSettings
    forecast: ForecastResult
    requirements: pd.DataFrame
    roster: RosterResult
    simulation: pd.DataFrame | None
    event_service_level: pd.DataFrame
    channels: pd.DataFrame
    totals: AdoptedTotals
    base_fingerprint: str
    recommendations: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    recommended_agents: pd.DataFrame | None = None
    #: the requirements per queue (requirements_by_queue.csv); ``requirements`` holds their sums per channel
    requirements_by_queue: pd.DataFrame | None = None

    def summary(self, currency: str | None = None) -> dict:
        """The figures a saved scenario keeps (JSON-ready): event, mode, fingerprint, totals, channels."""
        ch = self.channels.astype(object).where(self.channels.notna(), None)
        return {
            "event": self.event.model_dump(mode="json"),
            "keep_roster": self.keep_roster or "no",
            "base_fingerprint": self.base_fingerprint,
            "adopted_fingerprint": roster_fingerprint(self.roster.roster),
            "currency": currency,
            "totals": dataclasses.asdict(self.totals),
            "channels": ch.to_dict("records"),
            "notes": list(self.notes),
        }


def _outside_forecast(event: PlannedEvent, lo: pd.Timestamp, hi: pd.Timestamp, source: str) -> list[Problem]:
    start, end = event.span_utc()
    if start >= lo and end <= hi:
        return []
    return [Problem(source, f"the event runs {start:%Y-%m-%d %H:%M}Z to {end:%Y-%m-%d %H:%M}Z, outside the forecast "
                            f"({lo:%Y-%m-%d %H:%M}Z to {hi:%Y-%m-%d %H:%M}Z); move its start or forecast further (--horizon-days)",
                    column="start" if start < lo or start >= hi else "duration_h")]


def check_event_in_horizon(event: PlannedEvent, inputs: Inputs, settings: PlanSettings, *, source: str = "scenario") -> None:
    """Refuse, before any work, an event outside the forecast a plan of ``settings`` would make on ``inputs``
    (from the end of the history for ``settings.horizon_days``); names ``source`` and the field."""
    lo = inputs.grid.end
    problems = _outside_forecast(event, lo, lo + pd.Timedelta(days=settings.horizon_days), source)
    if problems:
        raise InputError(problems)


def check_event(event: PlannedEvent, forecast: pd.DataFrame, grid, coverage: pd.DataFrame, *, source: str = "scenario") -> None:
    """Refuse an event the plan cannot adopt: outside the forecast or the roster's weeks, or with unknown channels or zones.

    ``source`` names the scenario (its file, or ``--event``) in the messages; each names the field.
    """
    start, end = event.span_utc()
    problems = _outside_forecast(event, grid.start, grid.end, source)
    if not problems and len(coverage):
        r_lo, r_hi = coverage["ds"].min(), coverage["ds"].max() + grid.step
        if start < r_lo or end > r_hi:
            problems.append(Problem(source, f"the event runs {start:%Y-%m-%d %H:%M}Z to {end:%Y-%m-%d %H:%M}Z, outside the roster's "
                                            f"weeks ({r_lo:%Y-%m-%d %H:%M}Z to {r_hi:%Y-%m-%d %H:%M}Z); roster the week(s) of the "
                                            "event (--week-start) to plan for it", column="start" if start < r_lo or start >= r_hi
                                    else "duration_h"))
    known = set(forecast["channel"].unique())
    missing = [c for c in event.channels if c not in known]
    if missing:
        problems.append(Problem(source, f"channel(s) {', '.join(missing)} not in the forecast (it has {', '.join(sorted(known))})",
                                column="channels"))
    zones = set(forecast["tz"].unique())
    bad = [z for z in event.zones if z not in zones]
    if bad:
        problems.append(Problem(source, f"customer zone(s) {', '.join(bad)} not in the forecast (it has {', '.join(sorted(zones))})",
                                column="zones"))
    if problems:
        raise InputError(problems)


def _event_sl(requirements: pd.DataFrame, coverage: pd.DataFrame, inputs: Inputs, grid, settings: PlanSettings,
              lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DataFrame:
    """The simulation of ``coverage`` against ``requirements`` from ``lo`` to ``hi`` (UTC; the warm-up included)."""
    cov = coverage[(coverage["ds"] >= lo) & (coverage["ds"] < hi)]
    req = requirements[(requirements["ds"] >= lo) & (requirements["ds"] < hi)]
    runs = max(settings.simulation_runs, EVENT_RUNS)  # a few hours only: more runs, a steadier comparison
    return simulation_stage(req, cov, inputs.targets, grid.between(lo, hi), settings.model_copy(update={"simulation_runs": runs}))


def adopt_scenario(
    inputs: Inputs,
    forecast: ForecastResult,
    requirements: pd.DataFrame,
    roster: RosterResult,
    event: PlannedEvent,
    settings: PlanSettings,
    *,
    grid,
    keep_roster: KeepRoster | bool = "outside_event",
    progress: Progress | None = None,
    source: str = "scenario",
    recommend: Callable[[pd.DataFrame, RosterResult], pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]] | None = None,
    requirements_by_queue: pd.DataFrame | None = None,
) -> AdoptedScenario:
    """Plan for ``event`` on a base plan (see the module docstring).

    Parameters
    ----------
    inputs : Inputs
        The plan's inputs (agents, rules, time off, targets, a previous roster).
    forecast, requirements, roster
        The base plan's forecast, requirements (on ``grid``) and roster.
    event : PlannedEvent
    settings : PlanSettings
        The base plan's settings (``week_start`` and ``weeks`` those of the base roster).
    grid : TimeGrid
        The requirements' grid.
    keep_roster : False, True or "outside_event"
        ``"outside_event"`` (or True): keep the shifts of the days the event does not change; False:
        roster every day again.
    source : str
        The scenario's name in messages (its file, or ``--event``).
    recommend : callable, optional
        ``recommend(requirements, roster) -> DataFrame`` (or ``(recommendations, agent_rows)``): close-the-gap
        recommendations on the adopted roster, kept in :attr:`AdoptedScenario.recommendations` (and
        :attr:`AdoptedScenario.recommended_agents`).
    requirements_by_queue : DataFrame, optional
        The base plan's requirements per queue: an event that only adds contacts is staffed on top of each
        queue's (without them, on top of ``requirements``, which covers channels of one queue).

    Raises
    ------
    InputError
        The event lies outside the forecast or the roster's weeks, names a channel or zone the forecast
        does not have (naming ``source`` and the field), or the roster cannot be built.
    """
    keep: KeepRoster = "outside_event" if keep_roster is True else keep_roster
    timings: dict[str, float] = {}
    check_event(event, forecast.forecast, grid, roster.coverage, source=source)
    notes: list[str] = []

    t = time.perf_counter()
    scen = apply_event(forecast.forecast, event, forecast.effects)
    fc = dataclasses.replace(forecast, forecast=scen)
    timings["forecast"] = time.perf_counter() - t

    t = time.perf_counter()
    keys = ["ds", *(c for c in SERIES_COLUMNS if c in forecast.forecast.columns and c in scen.columns)]
    merged = forecast.forecast[[*keys, "volume"]].merge(scen[[*keys, "volume"]], on=keys)
    adds_only = bool((merged["volume_y"] - merged["volume_x"] >= -1e-9).all())
    req_q = required_staff(scen, inputs.targets, grid=forecast.grid, interval_min=settings.interval_min,
                           peak_correction=settings.peak_correction, volume_quantile=settings.volume_quantile, by_queue=True,
                           floor=(requirements if requirements_by_queue is None else requirements_by_queue) if adds_only else None)
    req = channel_requirements(req_q, inputs.targets)
    timings["staffing"] = time.perf_counter() - t

    t = time.perf_counter()
    diff = requirements[["ds", "channel", "agents_required"]].merge(req[["ds", "channel", "agents_required"]], on=["ds", "channel"])
    changed = diff.loc[diff["agents_required_x"] != diff["agents_required_y"], "ds"]
    span_lo, span_hi = roster.coverage["ds"].min(), roster.coverage["ds"].max() + grid.step
    changed = changed[(changed >= span_lo) & (changed < span_hi)]
    if keep:
        free = free_days_of(changed.unique(), sorted({a.site_tz for a in inputs.agents}))
        new_roster = resolve_days(req, roster.roster, inputs.agents, inputs.rules, inputs.time_off, grid=grid, free_dates=free,
                                  week_start=settings.week_start, weeks=settings.weeks, config=solver_config(settings),
                                  progress=progress, previous=inputs.previous, base_file="the base roster")
        if len(changed):
            notes.append(f"re-rostered the local day(s) {', '.join(str(d) for d in sorted(free))}; every other shift kept")
        else:
            notes.append("the event changes no interval's requirement: the roster is kept as it was")
    else:
        new_roster = roster_stage(req, grid, inputs.agents, inputs.rules, inputs.time_off, settings, progress=progress,
                                  previous=inputs.previous)
    timings["roster"] = time.perf_counter() - t
    notes += new_roster.notes

    t = time.perf_counter()
    start, end = event.span_utc()
    lo = max(start.floor(grid.step) - pd.Timedelta(hours=WARM_UP_H), span_lo)
    hi = min(end.ceil(grid.step), span_hi)
    before = _event_sl(req, roster.coverage, inputs, grid, settings, lo, hi)
    after = _event_sl(req, new_roster.coverage, inputs, grid, settings, lo, hi)
    simulation = simulation_stage(req, new_roster.coverage, inputs.targets, grid, settings) if settings.simulate else None
    timings["simulation"] = time.perf_counter() - t

    iv = _intervals(event, before, after, requirements, req, roster.coverage, new_roster.coverage, start, end)
    channels = _channels(iv, inputs)
    base_k, new_k = roster.kpis, new_roster.kpis
    base_shifts, new_shifts = shift_key(roster.roster), shift_key(new_roster.roster)
    key = ["agent_id", "local_date", "start", "end", "pauses"]
    kept = len(base_shifts.merge(new_shifts[key], on=key)) if len(base_shifts) and len(new_shifts) else 0
    step_h = grid.interval_h
    totals = AdoptedTotals(
        extra_paid_h=float(new_k.paid_h - base_k.paid_h), extra_cost=float(new_k.cost - base_k.cost),
        extra_shifts=int(new_k.shifts - base_k.shifts),
        extra_agent_h_on_channels=float((iv["agents_after"] - iv["agents_before"]).sum() * step_h) if len(iv) else 0.0,
        base_cost=float(base_k.cost), adopted_cost=float(new_k.cost), shifts_kept=int(kept), shifts_changed=int(len(new_shifts) - kept),
    )
    recs = recommend(req, new_roster) if recommend is not None else None
    rec_agents = None
    if isinstance(recs, tuple):
        recs, rec_agents = recs
    return AdoptedScenario(event, keep, settings, fc, req, new_roster, simulation, iv, channels, totals,
                           roster_fingerprint(roster.roster), recs, notes, timings, rec_agents, req_q)


def gap_recommender(inputs: Inputs, settings: PlanSettings, grid, *, previous=None,
                    progress: Progress | None = None) -> Callable[[pd.DataFrame, RosterResult], tuple[pd.DataFrame, pd.DataFrame]]:
    """``recommend`` for :func:`adopt_scenario`: what closes the adopted roster's gap
    (:func:`roster.planning.plan.gap_stage`, the table of :data:`forecast.tables.RECOMMENDATIONS`)."""
    from roster.planning.plan import gap_stage

    def recommend(requirements: pd.DataFrame, roster: RosterResult) -> pd.DataFrame:
        if progress is not None:
            progress("closing the gap of the adopted roster: coverage programme with the additions", 0, None)
        gap = gap_stage(requirements, grid, roster, inputs.agents, inputs.rules, inputs.time_off, inputs.targets, settings,
                        previous=previous)
        return gap.frame(), gap.agents_frame()

    return recommend


def adopt_plan(plan: PlanResult, event: PlannedEvent, *, keep_roster: KeepRoster | bool = "outside_event",
               progress: Progress | None = None, source: str = "scenario", close_gap: bool = False) -> AdoptedScenario:
    """:func:`adopt_scenario` on a whole plan (:func:`roster.planning.plan.run_plan`'s result); with ``close_gap``
    also what closes the adopted roster's gap (:func:`gap_recommender`)."""
    recommend = gap_recommender(plan.inputs, plan.settings, plan.grid, previous=plan.inputs.previous,
                                progress=progress) if close_gap else None
    return adopt_scenario(plan.inputs, plan.forecast, plan.requirements, plan.roster, event, plan.settings, grid=plan.grid,
                          keep_roster=keep_roster, progress=progress, source=source, recommend=recommend,
                          requirements_by_queue=plan.requirements_by_queue)


def _intervals(event, before, after, req_before, req_after, cov_before, cov_after, start, end) -> pd.DataFrame:
    """Per channel of the event and interval inside it: the columns of :data:`forecast.tables.EVENT_SERVICE_LEVEL`."""
    inside = lambda f: f[(f["ds"] >= start.floor("min")) & (f["ds"] < end) & f["channel"].isin(event.channels)]  # noqa: E731
    b = inside(before)[["ds", "channel", "offered", "service_level", "target_sl", "answered_in_target", "censored"]]
    a = inside(after)[["ds", "channel", "offered", "service_level", "answered_in_target", "censored"]]
    iv = b.merge(a, on=["ds", "channel"], suffixes=("_before", "_after"))
    # each simulation draws its own arrivals: the contacts offered are their mean
    iv["offered"] = (iv["offered_before"] + iv["offered_after"]) / 2
    for name, cov in (("before", cov_before), ("after", cov_after)):
        iv = iv.merge(cov[["ds", "channel", "scheduled"]].rename(columns={"scheduled": f"agents_{name}"}), on=["ds", "channel"], how="left")
    for name, rq in (("before", req_before), ("after", req_after)):
        iv = iv.merge(rq[["ds", "channel", "agents_required"]].rename(columns={"agents_required": f"required_{name}"}),
                      on=["ds", "channel"], how="left")
    iv = iv.rename(columns={"service_level_before": "sl_before", "service_level_after": "sl_after"})
    return iv.sort_values(["channel", "ds"], ignore_index=True)


def _channels(iv: pd.DataFrame, inputs: Inputs) -> pd.DataFrame:
    rows = []
    for channel, g in iv.groupby("channel", sort=True):
        off = g["offered"].sum()
        row = {"channel": channel, "offered": float(off), "target_sl": float(inputs.targets.channels[channel].target_sl)}
        for name in ("before", "after"):
            den = g[f"offered_{name}"].sum() - g[f"censored_{name}"].sum()
            row[f"sl_{name}"] = float(g[f"answered_in_target_{name}"].sum() / den) if den > 0 else np.nan
            row[f"agents_{name}"] = float(g[f"agents_{name}"].mean())
        row["required_after"] = float(g["required_after"].mean())
        rows.append(row)
    cols = ["channel", "offered", "sl_before", "sl_after", "target_sl", "agents_before", "agents_after", "required_after"]
    return pd.DataFrame(rows, columns=cols)


def event_sl_table(adopted: AdoptedScenario) -> pd.DataFrame:
    """:attr:`AdoptedScenario.event_service_level` as event_service_level.csv's columns."""
    return adopted.event_service_level[list(tables.EVENT_SERVICE_LEVEL.names)]


def summary_text(adopted: AdoptedScenario, currency: str | None = None) -> str:
    """What ``shiftcast whatif`` prints: the event, the cost and the event's service level per channel, before and after."""
    ev, tot = adopted.event, adopted.totals
    start, end = ev.span_utc()
    mode = "shifts outside the event's days kept" if adopted.keep_roster else "the whole roster re-rostered"
    lines = [
        "",
        f"Scenario '{ev.name}': {start:%Y-%m-%d %H:%M}Z to {end:%Y-%m-%d %H:%M}Z on {', '.join(ev.channels)} ({mode})",
        f"  extra paid hours {tot.extra_paid_h:+,.1f} h, extra cost {money(tot.extra_cost, currency, signed=True)}"
        f" ({money(tot.base_cost, currency)} -> {money(tot.adopted_cost, currency)}); shifts {tot.extra_shifts:+d}, "
        f"{tot.shifts_kept} kept, {tot.shifts_changed} new or moved",
        "",
        f"  {'channel':<8}{'offered':>10}{'SL before':>11}{'SL after':>10}{'target':>8}{'agents before':>15}{'after':>7}{'required':>10}",
    ]
    pct = lambda v: "n/a" if v != v else f"{v:.1%}"  # noqa: E731
    for r in adopted.channels.itertuples(index=False):
        lines.append(f"  {r.channel:<8}{r.offered:>10,.0f}{pct(r.sl_before):>11}{pct(r.sl_after):>10}{r.target_sl:>8.0%}"
                     f"{r.agents_before:>15,.1f}{r.agents_after:>7,.1f}{r.required_after:>10,.1f}")
    lines.append("  (during the event's own intervals; SL simulated against the event's demand, the base roster before and the "
                 "adopted one after; agents = mean per interval)")
    recs = adopted.recommendations
    if recs is not None and len(recs):
        lines.append(f"  what closes the adopted roster's gap ({len(recs)} recommendation(s), recommendations.csv; the agent "
                     "rows in recommended_agents.csv):")
        for r in recs.itertuples(index=False):
            lines.append(f"    {r.rank}. {r.recommendation}: removes {r.removed_agent_h:,.1f} agent-h short, "
                         f"{money(r.cost, currency)}")
    elif recs is not None:
        lines.append("  the adopted roster has no shortfall the additions could remove: nothing to recommend")
    return "\n".join(lines)


def write_adopted(adopted: AdoptedScenario, inputs: Inputs, out_dir: str | Path) -> list[Path]:
    """The adopted plan's files (forecast with the event, requirements, roster, its simulation) plus
    event_service_level.csv and scenario_summary.json, as one set into ``out_dir``."""
    import json

    files: dict[str, Writer] = {
        tables.FORECAST.name: partial(write_table, adopted.forecast.forecast, tables.FORECAST),
        tables.ACCURACY.name: partial(write_table, adopted.forecast.accuracy, tables.ACCURACY),
        tables.REQUIREMENTS.name: partial(write_table, adopted.requirements, tables.REQUIREMENTS),
        **({tables.REQUIREMENTS_BY_QUEUE.name: partial(write_table, adopted.requirements_by_queue, tables.REQUIREMENTS_BY_QUEUE)}
           if adopted.requirements_by_queue is not None else {}),
        TARGETS_FILE: partial(write_targets, inputs.targets),
        **_roster_files(adopted.roster, inputs.agents),
        EVENT_SL_FILE: partial(write_table, event_sl_table(adopted), tables.EVENT_SERVICE_LEVEL),
        SUMMARY_FILE: partial(write_bytes_atomic, json.dumps(adopted.summary(inputs.rules.currency), indent=2, default=str).encode()),
    }
    if adopted.simulation is not None:
        files[tables.SIMULATION.name] = partial(write_table, adopted.simulation, tables.SIMULATION)
    recs = adopted.recommendations
    if recs is not None:
        files[tables.RECOMMENDATIONS.name] = partial(write_table, recs, tables.RECOMMENDATIONS)
    if adopted.recommended_agents is not None:
        files[tables.AGENTS_FILE.name] = partial(write_table, adopted.recommended_agents, tables.AGENTS_FILE)
    return write_folder(out_dir, files, known=SCENARIO_FILES)
