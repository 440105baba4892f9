"""Pools of alike agents and their shift templates on the roster's grid.

Agents who share a site, a contract, a start window and skills form a *pool*:
they can work exactly the same shifts (up to their own time off), so the
templates (local day, start, length, break placement) are built once per
pool, with the grid intervals each keeps its agent at work, its paid time
and cost, and which of the pool's agents may work it.

The pools also give the *coverage model* (:mod:`roster.rostering.bound`): per pool,
how many agents work each template, and how many of the pool's agents at
work serve each channel in each interval. It is a relaxation of the
agent-level roster:

* per pool and local day, no more shifts than agents available that day;
* per pool and week, no more working days than the agents' day limits allow,
  and paid hours within the sum of their contracts' minimum and maximum;
* rest between shifts, as a cut: an agent cannot work both a shift of day
  ``d`` that ends less than ``min_rest_h`` before a time ``x`` and a shift of
  day ``d + 1`` that starts by ``x``, so together they number at most the
  pool's agents;
* consecutive days: at most ``max_consecutive_days`` shifts per agent in any
  window one day longer;
* channels per interval: agents at work (on shift and not on a pause) serve
  at most one channel each, among the pool's skills.

Every agent-level roster maps onto a solution of this model with the same
coverage and cost, so its optimum (or the solver's bound on it) is a valid
lower bound on any roster's objective without the soft rules; the roster's
gap is measured against it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from roster.rostering.rules.base import ShiftRecord, minutes
from roster.rostering.rules.coverage import coverage_from_roster, under_cost
from roster.rostering.rules.fairness import is_late, is_weekend
from roster.rostering.rules.paid_time import shift_cost
from roster.rostering.rules.shifts import clear_of_earlier, rest_ns, start_window, time_off_spans
from roster.rostering.rules.weekly import days_in_week, max_days_per_week, open_days, prorated_minimum_min, run_before
from roster.rostering.templates import Template, blocked, profile_templates
from roster.schema import Agent, LabourRules


@dataclass
class Demand:
    """The roster's UTC interval grid and what it requires per channel."""

    t0: pd.Timestamp  # UTC start of interval 0
    step: pd.Timedelta
    n: int
    channels: list[str]
    required: dict[str, np.ndarray]  # channel -> agents required per interval (int)
    under_cost: dict[str, np.ndarray]  # channel -> objective cost of one missing agent per interval

    @property
    def interval_min(self) -> int:
        """The grid's interval in minutes."""
        return int(self.step / pd.Timedelta(minutes=1))


def make_demand(requirements: pd.DataFrame, span: tuple[pd.Timestamp, pd.Timestamp], step: pd.Timedelta,
              under_weight: int, peak_weight: int, fixed: pd.DataFrame | None = None) -> Demand:
    """The grid of ``span`` with each channel's requirement and the cost of a missing agent.

    A missing agent costs ``under_weight`` plus up to ``peak_weight`` more at
    the channel's peak (:func:`roster.rostering.rules.coverage.under_cost`).
    ``fixed`` are roster rows that stay as they are (a previous roster's shifts
    reaching into the span): the agents they keep at work are taken off the
    requirement (the cost of a missing agent stays that of the whole requirement).
    """
    n = int((span[1] - span[0]) / step)
    req = requirements[(requirements["ds"] >= span[0]) & (requirements["ds"] < span[1])]
    channels = sorted(req["channel"].unique())
    required, cost = {}, {}
    for c in channels:
        g = req[req["channel"] == c]
        arr = np.zeros(n, dtype=np.int64)
        idx = np.asarray((pd.DatetimeIndex(g["ds"]) - span[0]) // step, dtype=np.int64)
        arr[idx] = np.maximum(g["agents_required"].to_numpy(dtype=np.int64), 0)
        required[c] = arr
        cost[c] = under_cost(arr, under_weight, peak_weight)
    if fixed is not None and len(fixed) and len(req):
        held = coverage_from_roster(fixed, req[["ds", "channel", "agents_required"]], int(step / pd.Timedelta(minutes=1)))
        for c, g in held.groupby("channel"):
            idx = np.asarray((pd.DatetimeIndex(g["ds"]) - span[0]) // step, dtype=np.int64)
            required[c][idx] = np.maximum(required[c][idx] - g["scheduled"].to_numpy(dtype=np.int64), 0)
    return Demand(span[0], step, n, channels, required, cost)


@dataclass
class Pool:
    """Agents who can work the same shifts: same site zone, contract, start window and skills.

    Template arrays are aligned with ``templates``; ``cover`` is a sparse
    (templates x intervals) 0/1 matrix of the intervals each template keeps
    its agent at work.
    """

    index: int
    site_tz: str
    contract: str
    window: tuple[dt.time, dt.time]
    skills: tuple[str, ...]  # channels with a requirement, among the agents' skills
    agents: list[int]  # indices into the agents list
    templates: list[Template] = field(default_factory=list)
    work: list[np.ndarray] = field(default_factory=list)  # per template: grid intervals at work
    cover: sp.csr_matrix | None = None
    day: np.ndarray | None = None  # local day index (0 = week_start)
    start_ns: np.ndarray | None = None  # UTC start, ns since the epoch
    end_ns: np.ndarray | None = None
    paid_min: np.ndarray | None = None  # paid minutes
    cost: np.ndarray | None = None  # objective cost of its paid time
    late: np.ndarray | None = None  # a late shift (starts at or after the late hour, site time)
    weekend: np.ndarray | None = None  # on a Saturday or Sunday (site local date)
    allowed: np.ndarray | None = None  # (agents, templates): the agent may work it (time off, rest after earlier shifts)
    first_week: int = 0  # the roster's first own week (weeks before it hold boundary days only, without a weekly minimum)
    run_before: np.ndarray | None = None  # per agent: working days in a row its earlier shifts end with, the day before day 0


def make_pools(agents: list[Agent], rules: LabourRules, time_off, week_start: dt.date, days: int,
               span: tuple[pd.Timestamp, pd.Timestamp], grid: Demand, cost_weight: int, late_start_h: float, *,
               first_day: int = 0, earlier: Mapping[str, Sequence[ShiftRecord]] | None = None) -> list[Pool]:
    """Group agents into pools and build each pool's shift templates on the grid.

    ``week_start`` is local day 0. The days before ``first_day`` (a multiple
    of 7) are boundary days of the week before the roster: only their shifts
    that reach into ``span`` are offered (:mod:`roster.rostering.continuity`).
    ``earlier`` holds each agent's shifts before day 0 (a previous roster's):
    no template within ``min_rest_h`` of one is allowed, and the run of working
    days they end with is the agent's ``run_before``.
    """
    earlier = earlier or {}
    keys: dict[tuple, list[int]] = {}
    for ai, a in enumerate(agents):
        contract = rules.contracts[a.contract]
        skills = tuple(c for c in grid.channels if c in a.skills)
        keys.setdefault((a.site_tz, a.contract, start_window(a, contract), skills), []).append(ai)
    pools = []
    for pi, ((tz, contract_name, window, skills), members) in enumerate(sorted(keys.items(), key=lambda kv: kv[1][0])):
        contract = rules.contracts[contract_name]
        temps = profile_templates(tz, contract, window[0], window[1], rules, week_start, days, span, grid.interval_min, first_day)
        pool = Pool(pi, tz, contract_name, window, skills, members, temps)
        pool.work = [work_intervals(t, grid) for t in temps]
        lengths = np.array([len(w) for w in pool.work], dtype=np.int64)
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        indices = np.concatenate(pool.work) if temps else np.zeros(0, dtype=np.int64)
        pool.cover = sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(temps), grid.n))
        pool.day = np.array([t.day_index for t in temps], dtype=np.int64)
        pool.start_ns = np.array([t.start.value for t in temps], dtype=np.int64)
        pool.end_ns = np.array([t.end.value for t in temps], dtype=np.int64)
        pool.paid_min = np.array([t.paid_min for t in temps], dtype=np.int64)
        pool.cost = shift_cost(pool.paid_min, contract.hourly_cost, cost_weight).astype(np.int64)
        pool.late = np.array([is_late(t.start.tz_convert(tz), late_start_h) for t in temps], dtype=bool)
        pool.weekend = np.array([is_weekend(t.local_date) for t in temps], dtype=bool)
        allowed = np.ones((len(members), len(temps)), dtype=bool)
        pool.run_before = np.zeros(len(members), dtype=np.int64)
        for k, ai in enumerate(members):
            off = time_off_spans(list(time_off), agents[ai].agent_id)
            if off:
                allowed[k] = [not blocked(t, off) for t in temps]
            before = earlier.get(agents[ai].agent_id, ())
            if before:
                allowed[k] &= clear_of_earlier(before, pool.start_ns, pool.end_ns, rest_ns(rules))
                pool.run_before[k] = run_before(before, week_start)
        pool.allowed = allowed
        pool.first_week = first_day // 7
        pools.append(pool)
    return pools


def work_intervals(t: Template, grid: Demand) -> np.ndarray:
    """Demand intervals in which the shift's agent is at work (on shift, not on a pause)."""
    a = int((t.start - grid.t0) // grid.step)
    b = int(np.ceil((t.end - grid.t0) / grid.step))
    work = np.ones(max(b - a, 0), dtype=bool)
    for p in t.pauses:
        pa = int((p.start - grid.t0) // grid.step) - a
        pb = int(np.ceil((p.end - grid.t0) / grid.step)) - a
        work[max(pa, 0) : max(pb, 0)] = False
    idx = np.arange(a, b)[work]
    return idx[(idx >= 0) & (idx < grid.n)]


def agent_limits(pool: Pool, agents: list[Agent], rules: LabourRules, weeks: int, interval_min: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per agent of the pool and week: (max days, min paid minutes, max paid minutes).

    The rules of :mod:`roster.rostering.rules.weekly`, with the days the agent
    can work each week (:func:`~roster.rostering.rules.weekly.open_days`: a
    day with at least one template its time off allows); the minimum is
    rounded down to the roster grid's ``interval_min``.
    """
    contract = rules.contracts[pool.contract]
    limit = max_days_per_week(contract, rules)
    day = pool.day
    n = len(pool.agents)
    max_days = np.zeros((n, weeks), dtype=np.int64)
    min_min = np.zeros((n, weeks), dtype=np.int64)
    max_min = np.full((n, weeks), minutes(contract.max_week_h), dtype=np.int64)
    for k in range(n):
        open_ = open_days(day, pool.allowed[k])
        for w in range(weeks):
            available = days_in_week(open_, w)
            max_days[k, w] = min(limit, available)
            if w >= pool.first_week:  # a week of boundary days only is the previous roster's: no minimum here
                min_min[k, w] = prorated_minimum_min(contract.min_week_h, available, interval_min)
    return max_days, min_min, max_min
