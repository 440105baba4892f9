"""Small roster instances for the solver's tests (imported by tests/roster/model/*)."""

import datetime as dt

import numpy as np
import pandas as pd

from forecast.timegrid import TimeGrid
from roster.schema import Agent, BreakRules, Contract, LabourRules
from roster.rostering import SolverConfig, roster_span, solve_roster
from roster.rostering.validation import validate_roster

CFG = SolverConfig(time_limit_s=6, workers=2, seed=1)
WEEK = dt.date(2026, 6, 1)
NY = "America/New_York"


def rules(contract_kw=None, **kw) -> LabourRules:
    ft = dict(min_week_h=24, max_week_h=40, max_days_per_week=5, shift_lengths_h=[8.5], earliest_start=dt.time(6), latest_start=dt.time(14), hourly_cost=20)
    ft.update(contract_kw or {})
    base = dict(
        shift_start_step_min=30, min_rest_h=11, max_days_per_week=5, max_consecutive_days=6, min_days_off_per_week=2,
        breaks=BreakRules(break_min=15, break_every_h=2.5, lunch_min=30, lunch_from_shift_h=6, earliest_break_after_h=1.5, latest_break_before_end_h=1.0),
        contracts={"ft": Contract(**ft)},
    )
    base.update(kw)
    return LabourRules(**base)


def agent(i, tz=NY, skills=("voice",), **kw) -> Agent:
    return Agent(agent_id=f"A{i:02d}", site="S", site_tz=tz, contract="ft", skills=skills, **kw)


def requirements(level=2, channels=("voice",), hours=(8, 18), week=WEEK, weeks=1, zones=(NY,), tz=NY) -> pd.DataFrame:
    span = roster_span(week, weeks, list(zones))
    ds = pd.date_range(span[0], span[1], freq="15min", inclusive="left")
    h = ds.tz_convert(tz).hour
    return pd.concat(
        [pd.DataFrame({"ds": ds, "channel": c, "agents_required": np.where((h >= hours[0]) & (h < hours[1]), level, 0)}) for c in channels],
        ignore_index=True,
    )


def grid_of(req: pd.DataFrame) -> TimeGrid:
    """The grid of requirements built here (as reading them back from a file decides it)."""
    return TimeGrid.from_frame(req, file="requirements")


def solve(req: pd.DataFrame, agents, lr, time_off=(), **kw):
    """solve_roster on requirements built here, on their own grid."""
    return solve_roster(req, agents, lr, time_off, grid=grid_of(req), **kw)


def valid(res, agents, lr, time_off=(), week=WEEK, weeks=1) -> pd.DataFrame:
    assert validate_roster(res.roster, agents, lr, time_off, interval_min=15, week_start=week, weeks=weeks) == []
    return res.roster[res.roster["activity"] == "shift"]
