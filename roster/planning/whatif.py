"""Compare a what-if scenario with the baseline: contacts, agents, cost, service level.

Used by the app's What-if page and testable without it. Staffing is computed
for both forecasts on the days the scenario changes (an event that only adds
contacts as a top-up of the baseline staffing); the service level "if
the roster is not changed" simulates the scenario's demand against the
agents the current roster puts on each channel (less shrinkage).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.timegrid import TimeGrid
from roster.schema import Agent, LabourRules, Targets
from roster.staffing.simulate import ROSTER_RUNS, simulate_roster, simulation_summary
from forecast.schema import SERIES_COLUMNS
from roster.staffing.requirements import channel_requirements, required_staff


@dataclass(frozen=True)
class ComparisonTotals:
    """A scenario's totals over its window, all channels (scenario minus baseline)."""

    window: tuple[pd.Timestamp, pd.Timestamp]  # UTC start and end (exclusive) of the days compared
    extra_contacts: float
    extra_agent_h: float  # agents to schedule (after shrinkage) x hours
    extra_cost: float  # extra_agent_h at the team's mean hourly cost
    peak_extra_agents: int  # the most extra agents in one interval, all channels
    simulated: bool  # the current roster was simulated against both (sl_baseline, sl_scenario in the summary)


@dataclass
class Comparison:
    summary: pd.DataFrame  # per channel: contacts, agent-hours, cost, service level baseline vs scenario
    intervals: pd.DataFrame  # per interval and channel: volume and agents required, baseline vs scenario
    totals: ComparisonTotals


def team_hourly_cost(agents: list[Agent], rules: LabourRules) -> float:
    costs = [rules.contracts[a.contract].hourly_cost for a in agents]
    return float(np.mean(costs)) if costs else 0.0


def compare(
    baseline: pd.DataFrame,
    scenario: pd.DataFrame,
    targets: Targets,
    *,
    grid: TimeGrid,
    hourly_cost: float,
    coverage: pd.DataFrame | None = None,
    seed: int = 0,
    runs: int = ROSTER_RUNS,
    peak_correction: bool = True,
    volume_quantile: float | str | None = None,
) -> Comparison:
    """Scenario minus baseline over the days where the forecasts differ (UTC days, padded by one).

    ``baseline`` and ``scenario`` are forecasts on ``grid``; ``seed`` and
    ``runs`` are the simulation's, ``peak_correction`` and
    ``volume_quantile`` the staffing's (as the plan's, so the baseline is the
    requirement the planner sees).
    """
    keys = ["ds", *(c for c in SERIES_COLUMNS if c in baseline.columns and c in scenario.columns)]
    diff = baseline.merge(scenario[[*keys, "volume"]], on=keys, suffixes=("", "_s"))
    changed = diff.loc[(diff["volume_s"] - diff["volume"]).abs() > 1e-9, "ds"]
    if changed.empty:
        lo, hi = baseline["ds"].min(), baseline["ds"].min() + pd.Timedelta(days=1)
    else:
        lo = changed.min().floor("D") - pd.Timedelta(days=1)
        hi = changed.max().floor("D") + pd.Timedelta(days=2)
    window = lambda f: f[(f["ds"] >= lo) & (f["ds"] < hi)]  # noqa: E731
    wgrid = grid.between(lo, hi)
    staffing = dict(peak_correction=peak_correction, volume_quantile=volume_quantile)
    rb_queues = required_staff(window(baseline), targets, grid=wgrid, by_queue=True, **staffing)
    rb = channel_requirements(rb_queues, targets)
    # an event that only adds contacts is staffed on top of the baseline: the extra agents are then never
    # negative (a deferred channel's programme, solved afresh, could move work and show fewer agents somewhere)
    adds_only = bool((diff["volume_s"] - diff["volume"] >= -1e-9).all())
    rs = required_staff(window(scenario), targets, grid=wgrid, floor=rb_queues if adds_only else None, **staffing)
    step_h = wgrid.interval_h
    iv = rb[["ds", "channel", "volume", "agents_required"]].merge(
        rs[["ds", "channel", "volume", "agents_required"]], on=["ds", "channel"], suffixes=("_baseline", "_scenario")
    )
    iv["extra_agents"] = iv["agents_required_scenario"] - iv["agents_required_baseline"]
    rows = []
    sims = {}
    if coverage is not None and len(coverage):
        cov = coverage[(coverage["ds"] >= lo) & (coverage["ds"] < hi)]
        if len(cov):
            for name, req in (("baseline", rb), ("scenario", rs)):
                sims[name] = simulation_summary(simulate_roster(req, cov, targets, grid=wgrid, seed=seed, runs=runs)).set_index("channel")
    for channel, g in iv.groupby("channel"):
        row = {
            "channel": channel,
            "contacts_baseline": g["volume_baseline"].sum(),
            "contacts_scenario": g["volume_scenario"].sum(),
            "agent_h_baseline": g["agents_required_baseline"].sum() * step_h,
            "agent_h_scenario": g["agents_required_scenario"].sum() * step_h,
            "peak_extra_agents": int(g["extra_agents"].max()),
        }
        row["extra_contacts"] = row["contacts_scenario"] - row["contacts_baseline"]
        row["extra_agent_h"] = row["agent_h_scenario"] - row["agent_h_baseline"]
        row["extra_cost"] = row["extra_agent_h"] * hourly_cost
        for name, sl in sims.items():  # censored contacts (not yet late at the window's end) left out
            row[f"sl_{name}"] = float(sl.at[channel, "service_level"]) if channel in sl.index else np.nan
        if sims:
            row["target_sl"] = targets.channels[channel].target_sl
        rows.append(row)
    summary = pd.DataFrame(rows)
    totals = ComparisonTotals(
        window=(lo, hi),
        extra_contacts=float(summary["extra_contacts"].sum()),
        extra_agent_h=float(summary["extra_agent_h"].sum()),
        extra_cost=float(summary["extra_cost"].sum()),
        peak_extra_agents=int(iv.groupby("ds")["extra_agents"].sum().max()) if len(iv) else 0,
        simulated=bool(sims),
    )
    return Comparison(summary, iv, totals)
