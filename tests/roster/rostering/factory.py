"""Small roster instances, solved models and hand-made rosters for the rostering tests."""

import datetime as dt

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from forecast.timegrid import TimeGrid
from roster.roster_io import PreviousRoster, load_roster
from roster.schema import Agent, BreakRules, Contract, LabourRules
from roster.rostering import SolverConfig, roster_span, solve_roster
from roster.rostering import model as agent_model
from roster.rostering.export import write_roster_csv
from roster.rostering.instance import make_demand, make_pools
from roster.rostering.rules.breaks import paid_minutes, pauses_for
from roster.rostering.solution import roster_frame
from roster.rostering.state import RosterState
from roster.rostering.validation import validate_roster

CFG = SolverConfig(time_limit_s=6, workers=2, seed=1)
WEEK = dt.date(2026, 6, 1)
#: the grid of the requirements built here, in minutes
STEP_MIN = 15
NY = "America/New_York"
LISBON = "Europe/Lisbon"


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


def state(agents, lr, req, config=CFG, week=WEEK, weeks=1, time_off=()):
    """A RosterState (no shifts) for ``agents`` on the requirement's roster grid."""
    span = roster_span(week, weeks, sorted({a.site_tz for a in agents}))
    grid = make_demand(req, span, pd.Timedelta(minutes=STEP_MIN), config.under_weight, config.peak_weight)
    pools = make_pools(agents, lr, list(time_off), week, 7 * weeks, span, grid, config.cost_weight, config.late_start_h)
    return RosterState(pools, agents, lr, grid, config, weeks, week)


def solve_model(agents, lr, req, config=CFG, week=WEEK, weeks=1, time_off=(), time_limit_s=10.0, optimal=True):
    """Build the whole CP-SAT model (every agent and day free), solve it and put the shifts in the state.

    The solve must prove optimality (``optimal``; needed where a penalty is
    only bounded below in the model) or at least find a roster. Returns
    ``(state, model, solver, roster)``; the roster is the state's roster table.
    """
    s = state(agents, lr, req, config, week, weeks, time_off)
    m = agent_model.build(s, list(range(len(agents))), set(range(s.days)))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 2
    solver.parameters.random_seed = 0
    status = solver.Solve(m.model)
    assert status == cp_model.OPTIMAL or (not optimal and status == cp_model.FEASIBLE), solver.StatusName(status)
    agent_model.apply(m, solver, s)
    chans = {(a, d): st.chan[d][1] for a, st in enumerate(s.state) for d in st.shifts}
    return s, m, solver, roster_frame(s, chans, agents)


def term_value(m, solver, name) -> int:
    """The value of one named penalty of a solved model, in the penalty's own units (its weight divided out)."""
    terms = m.terms[name]
    weights = {c for c, _ in terms}
    assert len(weights) <= 1, weights
    return int(sum(solver.Value(v) for _, v in terms))


def shift_rows(a: Agent, day: dt.date, start_local: str | pd.Timestamp, lr: LabourRules, length_h=None, stagger=0, channel="voice") -> list[dict]:
    """The roster rows (shift and pauses) of one shift that keeps every rule of ``lr`` by itself.

    ``start_local`` is a local clock time (``"08:00"``) on ``day``, or a UTC timestamp.
    """
    length_h = length_h or lr.contracts[a.contract].shift_lengths_h[0]
    if isinstance(start_local, pd.Timestamp):
        start = start_local
    else:
        start = pd.Timestamp(f"{day} {start_local}").tz_localize(a.site_tz).tz_convert("UTC")
    end = start + pd.Timedelta(hours=length_h)
    pauses = pauses_for(start, length_h, lr.breaks, stagger, STEP_MIN)
    base = {"agent_id": a.agent_id, "site_tz": a.site_tz, "local_date": day.isoformat(), "channel": channel}
    rows = [{**base, "activity": "shift", "start_utc": start, "end_utc": end, "paid_h": paid_minutes(length_h, pauses, lr.breaks) / 60}]
    rows += [{**base, "activity": p.kind, "start_utc": p.start, "end_utc": p.end, "paid_h": np.nan} for p in pauses]
    return rows


def roster_of(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def previous_roster(rows: list[dict], path, agents, lr) -> PreviousRoster:
    """``rows`` (of days before the roster) written as roster.csv, as a published roster is, and read back as the previous roster."""
    df = roster_of(rows)
    df["start_local"] = [t.tz_convert(z).isoformat() for t, z in zip(df["start_utc"], df["site_tz"])]
    df["end_local"] = [t.tz_convert(z).isoformat() for t, z in zip(df["end_utc"], df["site_tz"])]
    df["shift_id"] = df["agent_id"] + "-" + df["local_date"]
    write_roster_csv(df, path)
    return PreviousRoster(path.name, load_roster(path, agents, lr, interval_min=STEP_MIN, with_lines=True))


def soft_rules_instance():
    """One agent, one week, every soft rule at stake: ``(agents, rules, requirements, config)``.

    The agent prefers Mondays off and starts at 13:30 or 14:00 (a late shift);
    an agent is required from 14:00 to 22:30 on Monday, Wednesday, Friday,
    Saturday and Sunday. Cover comes first, so the optimal week works those
    five days from 14:00: both weekend days (one beyond the free one), five
    late shifts (three beyond), the preferred Monday, and days off (Tuesday,
    Thursday) apart.
    """
    lr = rules(contract_kw={"min_week_h": 0, "earliest_start": "13:30", "latest_start": "14:00"})
    agents = [agent(0, preferred_days_off=(0,))]
    req = requirements(level=1, hours=(14, 24))
    local = req["ds"].dt.tz_convert(NY)
    minute = local.dt.hour * 60 + local.dt.minute
    req.loc[local.dt.day_of_week.isin([1, 3]) | (minute >= 22 * 60 + 30), "agents_required"] = 0
    return agents, lr, req, CFG


def random_instance(seed: int):
    """A small two-site team and a random requirement it can mostly cover (a roster always exists)."""
    rng = np.random.default_rng(seed)
    channels = ("voice", "chat", "email")
    skills = [("voice",), ("voice", "chat"), ("chat", "email"), ("voice", "chat", "email")]
    agents = [agent(i, tz=NY if i % 2 else LISBON, skills=skills[int(rng.integers(len(skills)))]) for i in range(int(rng.integers(4, 9)))]
    lr = rules(contract_kw={"min_week_h": float(rng.choice([0, 16, 24])), "latest_start": "15:00"})
    span = roster_span(WEEK, 1, [NY, LISBON])
    ds = pd.date_range(span[0], span[1], freq="15min", inclusive="left")
    rows = []
    for c in channels:
        base = rng.integers(0, 3)
        level = np.clip(base + rng.integers(-1, 2, size=len(ds)) * (ds.hour.to_numpy() % 7 == 0), 0, None)
        level = np.where((ds.hour >= 6) & (ds.hour < 22), level, 0)
        rows.append(pd.DataFrame({"ds": ds, "channel": c, "agents_required": level}))
    return agents, lr, pd.concat(rows, ignore_index=True), span


#: rules.toml of a small team (one full-time contract "ft", 8.5-hour shifts): the CLI roster tests write it beside their agents.
SMALL_RULES_TOML = """
shift_start_step_min = 30
min_rest_h = 11
max_days_per_week = 5
max_consecutive_days = 6
min_days_off_per_week = 2

[breaks]
break_min = 15
break_every_h = 2.5
lunch_min = 30
lunch_from_shift_h = 6
earliest_break_after_h = 1.5
latest_break_before_end_h = 1.0

[contracts.ft]
min_week_h = 0
max_week_h = 40
max_days_per_week = 5
shift_lengths_h = [8.5]
earliest_start = "06:00"
latest_start = "14:00"
hourly_cost = 20
"""
