"""Agent-level weekly roster with OR-Tools CP-SAT.

One boolean per (agent, shift template, channel): the agent works that shift
(with its breaks and lunch, see :mod:`roster.templates`) serving that channel
(a documented blend: one channel per shift, chosen by the model among the
agent's skills). Hard rules, one function per constraint family:

* :func:`add_one_shift_per_day` — at most one shift per local day;
* :func:`add_rest` — at least ``min_rest_h`` between two shifts;
* :func:`add_weekly_hours` — contract's min/max paid hours per local week
  (the minimum prorated by the days the agent is available);
* :func:`add_days_per_week` — max working days, min days off;
* :func:`add_consecutive_days` — max consecutive working days;
* skills, start windows and time off hold by construction of the templates.

Soft objective (weights in :class:`SolverConfig`), in this order of weight:
understaffing (each missing agent-interval costs ``under_weight``, more at
the channel's peak: a missing agent at the peak costs more than at a quiet
hour), then paid hours at each contract's hourly cost, then working on a
preferred day off. Coverage never blocks a roster: if the agents cannot
cover the requirement the roster is still produced with the shortfall per
channel and interval in the coverage table. If the hard rules themselves
contradict each other, the error names the agent and the rule.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict, Field

from forecast.errors import InputError
from forecast.timegrid import local_midnight
from roster.coverage import coverage_from_roster
from roster.schema import Agent, LabourRules, TimeOff
from roster.templates import Template, agent_templates

Progress = Callable[[str, float, float | None], None]
ROSTER_COLUMNS = ["agent_id", "site_tz", "local_date", "activity", "channel", "start_utc", "end_utc", "start_local", "end_local"]


class SolverConfig(BaseModel):
    """Solver settings and objective weights."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    time_limit_s: float = Field(default=60.0, gt=0, description="wall-clock limit in seconds")
    workers: int = Field(default=0, ge=0, description="search threads; 0 = all cores")
    seed: int = Field(default=0, description="random seed of the search")
    under_weight: int = Field(default=1000, ge=0, description="cost of one missing agent for one interval")
    peak_weight: int = Field(default=1000, ge=0, description="extra cost of a missing agent at the channel's peak (scaled by requirement / peak)")
    cost_weight: int = Field(default=10, ge=0, description="objective units per currency unit of paid time")
    preference_weight: int = Field(default=300, ge=0, description="cost of working on a preferred day off")
    weekend_weight: int = Field(default=200, ge=0, description="fairness: cost of each weekend day an agent works beyond one a week")
    late_weight: int = Field(default=100, ge=0, description="fairness: cost of each late shift an agent works beyond two a week")
    late_start_h: float = Field(default=14.0, ge=0, lt=24, description="a shift starting at or after this local hour is a late shift")
    log: bool = False


@dataclass
class RosterResult:
    """A roster and how good it is."""

    roster: pd.DataFrame
    coverage: pd.DataFrame
    kpis: dict
    penalties: pd.DataFrame
    bound: float
    gap: float
    status: str
    notes: list[str] = field(default_factory=list)


def default_week_start(first: pd.Timestamp, site_zones: list[str]) -> dt.date:
    """The first Monday whose local midnight, at every site, is at or after ``first`` (UTC)."""
    day = (first - pd.Timedelta(days=1)).date()
    while True:
        day += dt.timedelta(days=1)
        if day.weekday() == 0 and all(local_midnight(day, tz) >= first for tz in site_zones):
            return day


def roster_span(week_start: dt.date, weeks: int, site_zones: list[str]) -> tuple[pd.Timestamp, pd.Timestamp]:
    """UTC span covering ``weeks`` local weeks from ``week_start`` at every site."""
    end_day = week_start + dt.timedelta(days=7 * weeks)
    return min(local_midnight(week_start, tz) for tz in site_zones), max(local_midnight(end_day, tz) for tz in site_zones)


# --------------------------------------------------------------------------- #
# Model
# --------------------------------------------------------------------------- #


@dataclass
class _Model:
    model: cp_model.CpModel
    x: dict  # (agent index, template index, channel) -> var
    templates: list[list[Template]]
    by_day: dict  # (agent index, day) -> list of vars
    day_var: dict  # (agent index, day) -> IntVar (0/1)
    under: dict  # (interval, channel) -> var
    under_cost: dict
    paid: dict  # var -> paid quarter hours
    cost: dict  # var -> objective cost of its paid time
    pref: list  # (agent, day, var)


def _grid(requirements: pd.DataFrame, span: tuple[pd.Timestamp, pd.Timestamp], step_min: int) -> pd.DataFrame:
    req = requirements[(requirements["ds"] >= span[0]) & (requirements["ds"] < span[1])]
    return req[["ds", "channel", "agents_required"]].copy()


def add_one_shift_per_day(m: _Model) -> None:
    for key, vs in m.by_day.items():
        d = m.model.NewBoolVar(f"work_{key[0]}_{key[1]}")
        m.model.Add(sum(vs) == d)
        m.day_var[key] = d


def add_rest(m: _Model, rules: LabourRules) -> None:
    rest = pd.Timedelta(hours=rules.min_rest_h)
    for ai, temps in enumerate(m.templates):
        by_day = defaultdict(list)
        for ti, t in enumerate(temps):
            by_day[t.day_index].append(ti)
        for d, tis in by_day.items():
            nxt = by_day.get(d + 1, [])
            if not nxt:
                continue
            for ti in tis:
                t = temps[ti]
                clash = [tj for tj in nxt if temps[tj].start < t.end + rest]
                if not clash:
                    continue
                mine = [v for (a, i, c), v in _vars_of(m, ai, [ti])]
                theirs = [v for (a, i, c), v in _vars_of(m, ai, clash)]
                if mine and theirs:
                    m.model.Add(sum(mine) + sum(theirs) <= 1)


def _vars_of(m: _Model, ai: int, tis: list[int]):
    out = []
    for ti in tis:
        for key in m._index.get((ai, ti), []):
            out.append((key, m.x[key]))
    return out


def add_weekly_hours(m: _Model, agents: list[Agent], rules: LabourRules, weeks: int, notes: list[str]) -> None:
    for ai, agent in enumerate(agents):
        contract = rules.contracts[agent.contract]
        for w in range(weeks):
            keys = m.agent_keys[ai]
            terms = [(m.x[k], m.paid[m.x[k]]) for k in keys if w * 7 <= m.templates[ai][k[1]].day_index < w * 7 + 7]
            days_available = len({m.templates[ai][k[1]].day_index for k in keys})
            total = sum(v * q for v, q in terms) if terms else 0
            max_q = int(round(contract.max_week_h * 4))
            min_q = int(np.floor(contract.min_week_h * 4 * min(days_available, 7) / 7))
            if terms:
                m.model.Add(total <= max_q)
                if min_q > 0:
                    m.model.Add(total >= min_q)


def add_days_per_week(m: _Model, agents: list[Agent], rules: LabourRules, weeks: int) -> None:
    for ai, agent in enumerate(agents):
        contract = rules.contracts[agent.contract]
        limit = min(contract.max_days_per_week, rules.max_days_per_week, 7 - rules.min_days_off_per_week)
        for w in range(weeks):
            ds = [m.day_var[(ai, d)] for d in range(w * 7, w * 7 + 7) if (ai, d) in m.day_var]
            if ds:
                m.model.Add(sum(ds) <= limit)


def add_consecutive_days(m: _Model, agents: list[Agent], rules: LabourRules, days: int) -> None:
    k = rules.max_consecutive_days
    if k >= days:
        return
    for ai in range(len(agents)):
        for d0 in range(0, days - k):
            ds = [m.day_var[(ai, d)] for d in range(d0, d0 + k + 1) if (ai, d) in m.day_var]
            if len(ds) == k + 1:
                m.model.Add(sum(ds) <= k)


def add_coverage(m: _Model, grid: pd.DataFrame, cover: dict, config: SolverConfig) -> None:
    peak = grid.groupby("channel")["agents_required"].max().to_dict()
    for row in grid.itertuples(index=False):
        req = int(row.agents_required)
        if req <= 0:
            continue
        key = (row.ds, row.channel)
        terms = cover.get((int(row.gi), row.channel), [])
        u = m.model.NewIntVar(0, req, f"under_{row.channel}_{row.ds:%m%d%H%M}")
        m.model.Add(sum(terms) + u >= req)
        m.under[key] = u
        m.under_cost[key] = config.under_weight + int(round(config.peak_weight * req / max(peak[row.channel], 1)))


def add_preferences(m: _Model, agents: list[Agent], week_start: dt.date) -> None:
    for (ai, d), var in m.day_var.items():
        weekday = (week_start + dt.timedelta(days=d)).weekday()
        if weekday in agents[ai].preferred_days_off:
            m.pref.append((ai, d, var))


def is_late(t: Template, tz: str, config: SolverConfig) -> bool:
    local = t.start.tz_convert(tz)
    return local.hour + local.minute / 60 >= config.late_start_h


def add_fairness(m: _Model, agents: list[Agent], week_start: dt.date, weeks: int, config: SolverConfig) -> None:
    """Soft: at most one weekend day and two late shifts a week per agent before a cost applies."""
    for ai, agent in enumerate(agents):
        for w in range(weeks):
            weekend = [m.day_var[(ai, d)] for d in range(7 * w, 7 * w + 7)
                       if (ai, d) in m.day_var and (week_start + dt.timedelta(days=d)).weekday() >= 5]
            if len(weekend) > 1 and config.weekend_weight:
                e = m.model.NewIntVar(0, len(weekend), f"weekend_excess_{ai}_{w}")
                m.model.Add(e >= sum(weekend) - 1)
                m.fair.append(("weekend", ai, e, config.weekend_weight))
            late = [m.x[k] for k in m.agent_keys[ai]
                    if 7 * w <= m.templates[ai][k[1]].day_index < 7 * w + 7 and is_late(m.templates[ai][k[1]], agent.site_tz, config)]
            if len(late) > 2 and config.late_weight:
                e = m.model.NewIntVar(0, 7, f"late_excess_{ai}_{w}")
                m.model.Add(e >= sum(late) - 2)
                m.fair.append(("late", ai, e, config.late_weight))


def build(requirements, agents, rules, time_off, week_start, weeks, span, config, step):
    grid = _grid(requirements, span, rules.interval_min)
    channels = set(grid["channel"])
    model = cp_model.CpModel()
    m = _Model(model, {}, [], defaultdict(list), {}, {}, {}, {}, {}, [])
    m._index = defaultdict(list)
    m.fair = []
    m.agent_keys = defaultdict(list)
    m.work_idx = {}
    m.n_int = int((span[1] - span[0]) / step)
    cover: dict = defaultdict(list)
    t0 = span[0]
    n = int((span[1] - t0) / step)
    present = {c: np.zeros(n, dtype=bool) for c in channels}
    gi = ((grid["ds"] - t0) / step).astype(int).to_numpy()
    for c in channels:
        present[c][gi[(grid["channel"] == c).to_numpy()]] = True
    for ai, agent in enumerate(agents):
        temps = agent_templates(agent, ai % 2, rules, week_start, 7 * weeks, list(time_off), span)
        m.templates.append(temps)
        skills = [c for c in agent.skills if c in channels]
        contract = rules.contracts[agent.contract]
        for ti, t in enumerate(temps):
            a = int((t.start - t0) / step)
            b = min(int(np.ceil((t.end - t0) / step)), n)
            work = np.zeros(max(b - a, 0), dtype=bool) | True
            for p in t.pauses:
                pa, pb = int((p.start - t0) / step) - a, int(np.ceil((p.end - t0) / step)) - a
                work[max(pa, 0) : max(pb, 0)] = False
            idx = np.arange(a, b)[work]
            m.work_idx[(ai, ti)] = idx
            for c in skills:
                v = model.NewBoolVar(f"x_{agent.agent_id}_{ti}_{c}")
                key = (ai, ti, c)
                m.x[key] = v
                m._index[(ai, ti)].append(key)
                m.agent_keys[ai].append(key)
                m.by_day[(ai, t.day_index)].append(v)
                m.paid[v] = int(round(t.paid_h * 4))
                m.cost[v] = int(round(t.paid_h * contract.hourly_cost * config.cost_weight))
                for i in idx[present[c][idx]]:
                    cover[(int(i), c)].append(v)
    grid = grid.assign(gi=gi)
    m.grid = grid
    return m, grid, cover


def greedy_hint(m: _Model, agents: list[Agent], rules: LabourRules, weeks: int, week_start: dt.date | None = None,
                config: SolverConfig | None = None, budget_s: float = 5.0) -> dict:
    """A good feasible roster built by a greedy pass and agent-by-agent local search.

    The solver starts from it (a complete hint is its first solution), so a
    valid roster exists from the first seconds whatever the instance size.
    Each agent in turn takes, day by day, the shift and channel with the best
    objective gain (understaffing it removes, weighted as in the model, less
    its paid cost and any preferred-day-off penalty) while keeping rest, days
    and weekly hours within the rules; shifts needed for the contract minimum
    come first. Then, until no agent improves or ``budget_s`` runs out, each
    agent's week is taken out and rebuilt the same way against everyone else's.
    """
    config = config or SolverConfig()
    t_end = time.perf_counter() + budget_s
    channels = sorted(set(m.grid["channel"]))
    remaining = {c: np.zeros(m.n_int) for c in channels}
    weight = {c: np.zeros(m.n_int) for c in channels}
    for row in m.grid.itertuples(index=False):
        remaining[row.channel][row.gi] = row.agents_required
        if (row.ds, row.channel) in m.under_cost:
            weight[row.channel][row.gi] = m.under_cost[(row.ds, row.channel)]
    rest = pd.Timedelta(hours=rules.min_rest_h)
    pref_days = {}
    if week_start is not None:
        for ai, a in enumerate(agents):
            pref_days[ai] = {d for d in range(7 * weeks) if (week_start + dt.timedelta(days=d)).weekday() in a.preferred_days_off}

    late = {(ai, k[1]): is_late(m.templates[ai][k[1]], agents[ai].site_tz, config) for ai in range(len(agents)) for k in m.agent_keys[ai]}
    weekend_day = {d for d in range(7 * weeks) if week_start is not None and (week_start + dt.timedelta(days=d)).weekday() >= 5}

    def gain(ai, k, picked=()) -> float:
        idx = m.work_idx[(ai, k[1])]
        r = remaining[k[2]][idx]
        g = float(weight[k[2]][idx][r > 0].sum()) - m.cost[m.x[k]]
        t = m.templates[ai][k[1]]
        if t.day_index in pref_days.get(ai, ()):
            g -= config.preference_weight
        w = t.day_index // 7
        same_week = [p for p in picked if m.templates[ai][p[1]].day_index // 7 == w]
        if t.day_index in weekend_day and sum(m.templates[ai][p[1]].day_index in weekend_day for p in same_week) >= 1:
            g -= config.weekend_weight
        if late[(ai, k[1])] and sum(late[(ai, p[1])] for p in same_week) >= 2:
            g -= config.late_weight
        return g

    def build_agent(ai) -> list:
        agent = agents[ai]
        contract = rules.contracts[agent.contract]
        limit = min(contract.max_days_per_week, rules.max_days_per_week, 7 - rules.min_days_off_per_week)
        temps = m.templates[ai]
        keys = m.agent_keys[ai]
        if not keys:
            return []
        days_available = len({temps[k[1]].day_index for k in keys})
        min_q = int(np.floor(contract.min_week_h * 4 * min(days_available, 7) / 7))
        max_q = int(round(contract.max_week_h * 4))
        picked: list = []
        for w in range(weeks):
            week_keys = [k for k in keys if w * 7 <= temps[k[1]].day_index < w * 7 + 7]
            paid = 0
            days_used: set = set()
            while len(days_used) < limit:
                best, best_score = None, -np.inf if paid < min_q else 0.0
                for k in week_keys:
                    t = temps[k[1]]
                    q = m.paid[m.x[k]]
                    if t.day_index in days_used or paid + q > max_q:
                        continue
                    if any(t.start < temps[p[1]].end + rest and temps[p[1]].start < t.end + rest for p in picked):
                        continue
                    score = gain(ai, k, picked)
                    if paid < min_q:
                        score += 1e7 * min(q, min_q - paid)  # the contract minimum comes first
                    if score > best_score:
                        best, best_score = k, score
                if best is None:
                    break
                picked.append(best)
                days_used.add(temps[best[1]].day_index)
                paid += m.paid[m.x[best]]
                remaining[best[2]][m.work_idx[(ai, best[1])]] -= 1
        return picked

    def objective() -> float:
        under = sum(float((np.maximum(remaining[c], 0) * weight[c]).sum()) for c in channels)
        soft = 0.0
        for ai, ks in plan.items():
            for w in range(weeks):
                wk = [k for k in ks if m.templates[ai][k[1]].day_index // 7 == w]
                soft += config.weekend_weight * max(0, sum(m.templates[ai][k[1]].day_index in weekend_day for k in wk) - 1)
                soft += config.late_weight * max(0, sum(late[(ai, k[1])] for k in wk) - 2)
                soft += config.preference_weight * sum(m.templates[ai][k[1]].day_index in pref_days.get(ai, ()) for k in wk)
        return under + soft + sum(m.cost[m.x[k]] for ks in plan.values() for k in ks)

    order = sorted(range(len(agents)), key=lambda ai: (len(agents[ai].skills), ai))
    t0 = time.perf_counter()
    plan = {ai: build_agent(ai) for ai in order}
    m.first_roster_s = time.perf_counter() - t0  # a complete, valid roster exists from here on
    rng = np.random.default_rng(config.seed)
    best_obj = objective()
    while time.perf_counter() < t_end:
        improved = False
        for ai in rng.permutation(len(agents)):
            if time.perf_counter() >= t_end:
                break
            old = plan[ai]
            for k in old:
                remaining[k[2]][m.work_idx[(ai, k[1])]] += 1
            new = build_agent(ai)
            plan[ai] = new
            obj = objective()
            if obj < best_obj - 1e-6:
                best_obj, improved = obj, True
            else:  # keep the old week
                for k in new:
                    remaining[k[2]][m.work_idx[(ai, k[1])]] += 1
                for k in old:
                    remaining[k[2]][m.work_idx[(ai, k[1])]] -= 1
                plan[ai] = old
        if not improved:
            break
    m.hint_objective = best_obj
    m.late_of = late
    m.week_start_weekend = lambda d: d in weekend_day
    return {k: 1 for ks in plan.values() for k in ks}


def _add_hint(m: _Model, hint: dict) -> None:
    """Hint every variable (a complete hint is taken as the first solution)."""
    for k, v in m.x.items():
        m.model.AddHint(v, hint.get(k, 0))
    worked = defaultdict(int)
    cov = defaultdict(int)
    for k, val in hint.items():
        if val:
            worked[(k[0], m.templates[k[0]][k[1]].day_index)] = 1
            for i in m.work_idx[(k[0], k[1])]:
                cov[(int(i), k[2])] += 1
    for key, d in m.day_var.items():
        m.model.AddHint(d, worked.get(key, 0))
    for row in m.grid.itertuples(index=False):
        key = (row.ds, row.channel)
        if key in m.under:
            m.model.AddHint(m.under[key], max(0, int(row.agents_required) - cov.get((int(row.gi), row.channel), 0)))


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, progress: Progress | None, limit: float):
        super().__init__()
        self.progress = progress
        self.limit = limit
        self.t0 = time.perf_counter()
        self.first: float | None = None
        self.solutions = 0

    def on_solution_callback(self) -> None:
        self.solutions += 1
        if self.first is None:
            self.first = time.perf_counter() - self.t0
        if self.progress:
            self.progress("roster search (s)", min(self.WallTime(), self.limit), self.limit)


def solve_roster(
    requirements: pd.DataFrame,
    agents: list[Agent],
    rules: LabourRules,
    time_off: list[TimeOff] | tuple = (),
    *,
    week_start: dt.date | None = None,
    weeks: int = 1,
    config: SolverConfig | None = None,
    progress: Progress | None = None,
) -> RosterResult:
    """Roster ``agents`` for ``weeks`` local weeks from ``week_start`` (Monday by default).

    Parameters
    ----------
    requirements : DataFrame
        ``ds`` (UTC interval start), ``channel``, ``agents_required``.
    agents : list of Agent
    rules : LabourRules
    time_off : list of TimeOff
        Periods (UTC) agents cannot work.
    week_start : date, optional
        First local day of the roster at every site; None = the first Monday
        fully inside the requirements.
    weeks : int
    config : SolverConfig, optional
    progress : callable, optional
        ``progress(task, done_s, limit_s)`` on every improving solution.
    """
    config = config or SolverConfig()
    t_start = time.perf_counter()
    if not agents:
        raise InputError.one("agents", "no agents to roster")
    req = requirements.copy()
    step = pd.Timedelta(minutes=rules.interval_min)
    u = np.sort(req["ds"].unique())
    req_step = pd.Timedelta(np.min(np.diff(u))) if len(u) > 1 else step
    if req_step < step or req_step % step:
        raise InputError.one(
            "requirements", f"the requirements' grid ({req_step.total_seconds() / 60:.0f} min) does not fit the roster grid of {rules.interval_min} min"
        )
    if req_step > step:  # repeat each coarse interval on the finer roster grid
        k = int(req_step / step)
        req = pd.concat([req.assign(ds=req["ds"] + i * step) for i in range(k)], ignore_index=True)
    site_zones = sorted({a.site_tz for a in agents})
    week_start = week_start or default_week_start(req["ds"].min(), site_zones)
    span = roster_span(week_start, weeks, site_zones)
    if req["ds"].min() > span[0] or req["ds"].max() + step < span[1]:
        raise InputError.one(
            "requirements",
            f"the requirements ({req['ds'].min():%Y-%m-%d %H:%M}Z to {req['ds'].max() + step:%Y-%m-%d %H:%M}Z) do not cover the "
            f"roster weeks from {week_start} ({span[0]:%Y-%m-%d %H:%M}Z to {span[1]:%Y-%m-%d %H:%M}Z)",
        )
    notes: list[str] = []
    m, grid, cover = build(req, agents, rules, time_off, week_start, weeks, span, config, step)
    add_one_shift_per_day(m)
    add_rest(m, rules)
    add_weekly_hours(m, agents, rules, weeks, notes)
    add_days_per_week(m, agents, rules, weeks)
    add_consecutive_days(m, agents, rules, 7 * weeks)
    add_coverage(m, grid, cover, config)
    add_preferences(m, agents, week_start)
    add_fairness(m, agents, week_start, weeks, config)
    objective = (
        sum(m.under_cost[k] * v for k, v in m.under.items())
        + sum(c * v for v, c in m.cost.items())
        + sum(config.preference_weight * v for _, _, v in m.pref)
        + sum(w * e for _, _, e, w in m.fair)
    )
    m.model.Minimize(objective)
    build_s = time.perf_counter() - t_start

    t_h = time.perf_counter()
    hint = greedy_hint(m, agents, rules, weeks, week_start, config, budget_s=0.6 * max(0.0, config.time_limit_s - build_s))
    hint_s = time.perf_counter() - t_h
    _add_hint(m, hint)
    solver = cp_model.CpSolver()
    limit = max(1.0, config.time_limit_s - build_s - hint_s)
    solver.parameters.max_time_in_seconds = limit
    solver.parameters.num_workers = config.workers or 0
    solver.parameters.random_seed = config.seed
    solver.parameters.log_search_progress = config.log
    cb = _Progress(progress, limit)
    status = solver.Solve(m.model, cb)
    status_name = solver.StatusName(status)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = {k for k, v in m.x.items() if solver.BooleanValue(v)}
        under = {k: solver.Value(v) for k, v in m.under.items()}
        obj, bound = solver.ObjectiveValue(), solver.BestObjectiveBound()
    elif status == cp_model.INFEASIBLE:
        raise InputError(explain_infeasible(agents, rules, time_off, week_start, weeks, span))
    else:  # the solver found nothing better in time: the heuristic roster stands
        chosen = set(hint)
        under = None
        obj, bound = m.hint_objective, float("nan")
        status_name = "HEURISTIC"
        notes.append(f"the solver found no better roster in {limit:.0f} s; this is the heuristic roster (raise --time-limit)")
    roster = _roster_frame(m, chosen, agents)
    coverage = coverage_from_roster(roster, grid.drop(columns="gi"), rules.interval_min)
    gap = (obj - bound) / max(abs(obj), 1.0) if np.isfinite(bound) else float("nan")
    pen = _penalties(m, chosen, config)
    kpis = _kpis(roster, coverage, rules, agents, step)
    kpis.update(
        {
            "objective": obj, "bound": bound, "gap": gap, "status": status_name,
            "build_s": build_s, "heuristic_s": hint_s, "heuristic_objective": m.hint_objective,
            "first_solution_s": m.first_roster_s,
            "solve_s": time.perf_counter() - t_start - build_s,
            "variables": len(m.x),
        }
    )
    from roster.validation import validate_roster

    violations = validate_roster(roster, agents, rules, time_off, week_start=week_start, weeks=weeks)
    kpis["violations"] = len(violations)
    notes += [f"rule violation: {v}" for v in violations[:20]]
    if kpis["under_agent_intervals"]:
        notes.append(
            f"the agents cannot cover the requirement everywhere: {kpis['intervals_understaffed']} channel-intervals are short "
            f"by {kpis['under_agent_h']:,.1f} agent-hours in all (see coverage.csv)"
        )
    return RosterResult(roster, coverage, kpis, pen, bound, gap, status_name, notes)


def _local_iso(ts: pd.Timestamp, tz: str) -> str:
    return ts.tz_convert(tz).isoformat()


def _roster_frame(m: _Model, chosen: set, agents: list[Agent]) -> pd.DataFrame:
    rows = []
    for (ai, ti, c) in sorted(chosen):
        a = agents[ai]
        t = m.templates[ai][ti]
        base = {"agent_id": a.agent_id, "site_tz": a.site_tz, "local_date": t.local_date.isoformat(), "channel": c}
        rows.append({**base, "activity": "shift", "start_utc": t.start, "end_utc": t.end, "paid_h": t.paid_h})
        for p in t.pauses:
            rows.append({**base, "activity": p.kind, "start_utc": p.start, "end_utc": p.end, "paid_h": np.nan})
    if not rows:
        return pd.DataFrame(columns=ROSTER_COLUMNS + ["paid_h"])
    df = pd.DataFrame(rows)
    df["start_local"] = [_local_iso(s, tz) for s, tz in zip(df["start_utc"], df["site_tz"])]
    df["end_local"] = [_local_iso(s, tz) for s, tz in zip(df["end_utc"], df["site_tz"])]
    order = {"shift": 0, "break": 1, "lunch": 1}
    df = df.assign(_o=df["activity"].map(order)).sort_values(["agent_id", "start_utc", "_o"]).drop(columns="_o")
    return df[ROSTER_COLUMNS + ["paid_h"]].reset_index(drop=True)


def _penalties(m: _Model, chosen: set, config: SolverConfig) -> pd.DataFrame:
    """What each soft part of the objective costs in this roster."""
    cov = defaultdict(int)
    worked = set()
    for k in chosen:
        worked.add((k[0], m.templates[k[0]][k[1]].day_index))
        for i in m.work_idx[(k[0], k[1])]:
            cov[(int(i), k[2])] += 1
    under_n = under_cost = 0
    for row in m.grid.itertuples(index=False):
        key = (row.ds, row.channel)
        if key in m.under:
            short = max(0, int(row.agents_required) - cov.get((int(row.gi), row.channel), 0))
            under_n += short
            under_cost += short * m.under_cost[key]
    paid_cost = sum(m.cost[m.x[k]] for k in chosen)
    pref_n = sum(1 for ai, d, _ in m.pref if (ai, d) in worked)
    by_agent_week = defaultdict(list)
    for k in chosen:
        t = m.templates[k[0]][k[1]]
        by_agent_week[(k[0], t.day_index // 7)].append(k)
    weekend_n = late_n = 0
    for (ai, w), ks in by_agent_week.items():
        weekend_n += max(0, sum(m.week_start_weekend(m.templates[ai][k[1]].day_index) for k in ks) - 1)
        late_n += max(0, sum(m.late_of[(ai, k[1])] for k in ks) - 2)
    return pd.DataFrame(
        [
            {"penalty": "weekend days beyond one a week", "count": weekend_n, "unit": "agent-days", "cost": weekend_n * config.weekend_weight},
            {"penalty": "late shifts beyond two a week", "count": late_n, "unit": "shifts", "cost": late_n * config.late_weight},
            {"penalty": "understaffing", "count": under_n, "unit": "agent-intervals short", "cost": under_cost},
            {"penalty": "paid hours", "count": sum(m.paid[m.x[k]] for k in chosen) / 4, "unit": "hours", "cost": paid_cost},
            {"penalty": "preferred day off worked", "count": pref_n, "unit": "agent-days", "cost": pref_n * config.preference_weight},
        ]
    )


def _kpis(roster: pd.DataFrame, coverage: pd.DataFrame, rules: LabourRules, agents: list[Agent], step: pd.Timedelta) -> dict:
    h = step.total_seconds() / 3600
    shifts = roster[roster["activity"] == "shift"]
    short = (coverage["required"] - coverage["scheduled"]).clip(lower=0)
    over = (coverage["scheduled"] - coverage["required"]).clip(lower=0)
    cost_of = {a.agent_id: rules.contracts[a.contract].hourly_cost for a in agents}
    return {
        "paid_h": float(shifts["paid_h"].sum()),
        "cost": float((shifts["paid_h"] * shifts["agent_id"].map(cost_of)).sum()),
        "shifts": int(len(shifts)),
        "agents_rostered": int(shifts["agent_id"].nunique()),
        "required_agent_h": float(coverage["required"].sum() * h),
        "scheduled_agent_h": float(coverage["scheduled"].sum() * h),
        "under_agent_intervals": int(short.sum()),
        "under_agent_h": float(short.sum() * h),
        "over_agent_h": float(over.sum() * h),
        "intervals_understaffed": int((short > 0).sum()),
    }


def explain_infeasible(agents, rules, time_off, week_start, weeks, span) -> list:
    """Which agent's hard rules contradict each other: each agent's rules solved alone."""
    from forecast.errors import Problem

    problems = []
    for agent in agents:
        contract = rules.contracts[agent.contract]
        limit = min(contract.max_days_per_week, rules.max_days_per_week, 7 - rules.min_days_off_per_week)
        m, _, _ = build(pd.DataFrame({"ds": [span[0]], "channel": [agent.skills[0]], "agents_required": [0]}), [agent], rules,
                        time_off, week_start, weeks, span, SolverConfig(), pd.Timedelta(minutes=rules.interval_min))
        add_one_shift_per_day(m)
        add_rest(m, rules)
        add_weekly_hours(m, [agent], rules, weeks, [])
        add_days_per_week(m, [agent], rules, weeks)
        add_consecutive_days(m, [agent], rules, 7 * weeks)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = 5.0
        if solver.Solve(m.model) != cp_model.INFEASIBLE:
            continue
        temps = m.templates[0]
        days = {t.day_index for t in temps}
        need = contract.min_week_h * min(len(days), 7) / 7
        best = sum(sorted((max(t.paid_h for t in temps if t.day_index == d) for d in days), reverse=True)[:limit]) if temps else 0.0
        if best + 1e-9 < need:
            why = (f"at most {limit} days a week, shifts of {contract.shift_lengths_h} h and the agent's availability "
                   f"allow at most {best:.1f} paid hours")
        else:
            why = (f"with min_rest_h = {rules.min_rest_h:g}, max_consecutive_days = {rules.max_consecutive_days}, at most {limit} days a week "
                   f"and shifts of {contract.shift_lengths_h} h it cannot be reached")
        problems.append(Problem("rules", f"agent {agent.agent_id}: contract '{agent.contract}' needs at least {need:.1f} paid hours a week; {why}"))
    if not problems:
        problems.append(Problem("rules", "the labour rules contradict each other across agents; relax min_week_h or min_rest_h"))
    return problems
