"""Check a roster made or edited outside the solver: its hard-rule violations and the coverage it gives.

``shiftcast check-roster`` and the app's Roster page call :func:`check_roster` on a
roster read by :func:`roster.roster_io.load_roster`. The violations are the
validator's (:func:`roster.rostering.validation.validate_roster`), each naming its
rule, agent and date (or week); the coverage is counted as the search counts its
own roster's (:func:`roster.rostering.rules.coverage.coverage_from_roster`, on the
roster's resolution, reported on the requirements' grid).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from forecast.errors import InputError
from forecast.timegrid import TimeGrid
from roster.rostering.rules import Violation
from roster.rostering.rules.coverage import coverage_from_roster
from roster.rostering.search import _on_plan_grid, _on_roster_grid
from roster.rostering.validation import validate_roster
from roster.rostering.weeks import roster_span
from roster.schema import Agent, LabourRules, TimeOff


@dataclass
class RosterCheck:
    """A roster's verdict: its violations, its weeks and, given requirements, its coverage.

    ``coverage`` is ``ds, channel, required, scheduled`` on the requirements' grid over the roster's weeks;
    ``channels`` one row per channel: ``channel, required_agent_h, scheduled_agent_h, short_agent_h,
    intervals_understaffed, intervals``. Both are None without requirements.
    """

    violations: list[Violation]
    week_start: dt.date
    weeks: int
    coverage: pd.DataFrame | None = None
    channels: pd.DataFrame | None = None

    def where(self, v: Violation) -> str:
        """The violation's place as a planner reads it: a local date, or a week with its dates."""
        if v.where.startswith("week "):
            try:
                w = int(v.where.split()[1]) - 1
            except ValueError:
                return v.where
            first = self.week_start + dt.timedelta(days=7 * w)
            return f"{v.where} ({first} to {first + dt.timedelta(days=6)})"
        return v.where or "whole roster"


def roster_weeks_of(roster: pd.DataFrame, week_start: dt.date | None = None) -> tuple[dt.date, int]:
    """The roster's weeks: from ``week_start`` to its last local date.

    The default week start is the Monday on or before the roster's first local date, or after it when that date is
    a Sunday followed by other days (the week before's boundary day a roster places, see
    :mod:`roster.rostering.continuity`). Shifts on the day before the week start are the week before's.
    """
    days = sorted({dt.date.fromisoformat(str(d)[:10]) for d in roster["local_date"]})
    if not days:
        start = week_start or dt.date.today()
        return start, 1
    if week_start is None:
        first = days[0]
        if first.weekday() == 6 and len(days) > 1:
            first += dt.timedelta(days=1)  # a Sunday before the weeks: the boundary day (roster.rostering.continuity)
        week_start = first - dt.timedelta(days=first.weekday())
    start = week_start
    boundary = start - dt.timedelta(days=1)  # the day before the weeks may hold shifts reaching into them
    if days[0] < boundary:
        raise InputError.one("--week-start", f"the roster has shifts on {days[0]}, before the week start {start} "
                             f"(only the day before, {boundary}, may hold shifts reaching into the weeks)")
    return start, (days[-1] - start).days // 7 + 1


def check_roster(
    roster: pd.DataFrame,
    agents: list[Agent],
    rules: LabourRules,
    time_off: list[TimeOff] | tuple = (),
    *,
    interval_min: int,
    requirements: pd.DataFrame | None = None,
    grid: TimeGrid | None = None,
    week_start: dt.date | None = None,
) -> RosterCheck:
    """Every hard-rule violation of ``roster`` and, with ``requirements`` on ``grid``, the coverage it gives.

    Parameters
    ----------
    roster : DataFrame
        As :func:`roster.roster_io.load_roster` returns it (UTC times tz-aware).
    interval_min : int
        The roster's resolution in minutes (breaks are placed on it).
    requirements : DataFrame, optional
        ``ds, channel, agents_required`` on ``grid`` (the plan's grid, e.g. requirements.csv read back).
    week_start : date, optional
        The first local day of the roster's weeks (default: the Monday on or before its first shift).
    """
    start, weeks = roster_weeks_of(roster, week_start)
    violations = validate_roster(roster, agents, rules, time_off, interval_min=interval_min, week_start=start, weeks=weeks)
    out = RosterCheck(violations, start, weeks)
    if requirements is None:
        return out
    if grid is None:
        raise ValueError("requirements need their grid")
    roster_grid = grid.refine(interval_min)
    lo, hi = roster_span(start, weeks, sorted({a.site_tz for a in agents}))
    req = requirements[(requirements["ds"] >= lo) & (requirements["ds"] < hi)][["ds", "channel", "agents_required"]]
    if req.empty:
        raise InputError.one("requirements", f"no requirement in the roster's weeks ({lo:%Y-%m-%d %H:%M}Z to {hi:%Y-%m-%d %H:%M}Z)")
    cov = _on_plan_grid(coverage_from_roster(roster, _on_roster_grid(req, grid, roster_grid), interval_min), grid, roster_grid)
    h = grid.interval_h
    short = (cov["required"] - cov["scheduled"]).clip(lower=0)
    channels = cov.assign(short=short, under=short > 0).groupby("channel", as_index=False, sort=True).agg(
        required=("required", "sum"), scheduled=("scheduled", "sum"), short=("short", "sum"),
        intervals_understaffed=("under", "sum"), intervals=("under", "size"))
    out.coverage = cov
    out.channels = pd.DataFrame({
        "channel": channels["channel"],
        "required_agent_h": channels["required"] * h,
        "scheduled_agent_h": channels["scheduled"] * h,
        "short_agent_h": channels["short"] * h,
        "intervals_understaffed": channels["intervals_understaffed"].astype(int),
        "intervals": channels["intervals"].astype(int),
    })
    return out
