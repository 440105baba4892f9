"""The coverage model as a linear programme: a lower bound, and a start for the search.

The coverage model (:mod:`roster.rostering.instance`) relaxed to real numbers is solved
with HiGHS (through SciPy). Agents of pools with the same skills are pooled
again for the channel choice: per skill set and interval, the agents at work
serve at most their number across the set's channels. Rows:

* per pool and local day: shifts <= agents available that day;
* per pool and week: shifts <= the agents' day limits; paid hours within
  the sum of their contracts' minimum and maximum;
* per pool and week, in whole shifts per agent (:func:`_week_patterns`; up to
  :data:`PATTERN_MAX_TEMPLATES` templates): the agents each work one pattern
  (shifts per paid length, within their own day limit and paid-time range),
  the patterns add up to the week's shifts of each length, and on each day
  the agents whose pattern has a shift of a length are at least the shifts
  of that length;
* rest cuts per pool and pair of days (see :mod:`roster.rostering.instance`);
* per skill set and interval: agents serving channels <= agents at work;
* per channel and interval: agents serving it + missing >= required.

Its optimum is a valid lower bound on every roster's objective (soft rules
aside, which only add). Its fractional plan (shifts per template) is placed
on agents as a second start for the search (:func:`roster.rostering.heuristic.from_counts`);
its dual prices on the coverage rows say what one more agent is worth in
each interval and channel (reported, not used by the search).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import linprog

from roster.rostering.instance import Demand, Pool, agent_limits
from roster.rostering.rules.shifts import rest_ns
from roster.rostering.rules.weekly import consecutive_windows
from roster.schema import Agent, LabourRules


#: the most templates (all pools') with which the programme adds the week patterns by default
PATTERN_MAX_TEMPLATES = 30_000


@dataclass
class CoverageLP:
    """Solution of the relaxed coverage model."""

    status: str  # "optimal", or why not
    objective: float  # lower bound on the roster objective (nan if not solved)
    counts: list[np.ndarray] | None  # per pool: shifts per template (fractional)
    prices: np.ndarray | None  # (channels, intervals): value of one more agent at work
    short: np.ndarray | None  # (channels, intervals): agents missing even in the relaxation
    short_agent_h: float  # agent-hours left uncovered
    at_work_agent_h: float  # agent-hours at work
    seconds: float
    additions: np.ndarray | None = None  # per Addition: its agents (fractional), when the programme had additions
    overtime_h: np.ndarray | None = None  # per Addition: overtime hours its agents work (0 without overtime)


@dataclass(frozen=True)
class Addition:
    """A pool whose number of agents is a variable of the programme (agents to add, or existing agents moved).

    The pool (``pools[pool]``) holds one representative agent: each of its rows
    reads as "at most this per agent" and is scaled by the addition's agent
    count, a column costing ``cost`` per agent (objective units) up to ``most``.
    ``source`` is the pool the agents come from (an existing agent trained on
    another channel or on overtime: that pool has one agent fewer for each);
    None for agents added to the team. ``overtime_over_min``: paid minutes a
    week per agent past which each minute costs ``overtime_cost_per_min`` more
    (objective units); None without overtime. ``overtime_days_over``: working days a
    week per agent past which each shift is overtime (an extra day), counted as
    ``overtime_day_min`` overtime minutes at the same premium (the week's overtime
    is the larger of the two counts); None without extra days.
    """

    pool: int
    most: float
    cost: float = 0.0
    source: int | None = None
    overtime_over_min: int | None = None
    overtime_cost_per_min: float = 0.0
    overtime_days_over: int | None = None
    overtime_day_min: float = 0.0


class _Rows:
    def __init__(self) -> None:
        self.r: list[np.ndarray] = []
        self.c: list[np.ndarray] = []
        self.v: list[np.ndarray] = []
        self.b: list[float] = []
        self.n = 0

    def le(self, cols, vals, rhs: float) -> int:
        cols = np.asarray(cols, dtype=np.int64)
        self.r.append(np.full(len(cols), self.n, dtype=np.int64))
        self.c.append(cols)
        self.v.append(np.broadcast_to(np.asarray(vals, dtype=float), cols.shape).copy())
        self.b.append(float(rhs))
        self.n += 1
        return self.n - 1

    def matrix(self, n_cols: int) -> tuple[sp.csr_matrix, np.ndarray]:
        r = np.concatenate(self.r) if self.r else np.zeros(0, dtype=np.int64)
        c = np.concatenate(self.c) if self.c else np.zeros(0, dtype=np.int64)
        v = np.concatenate(self.v) if self.v else np.zeros(0)
        return sp.csr_matrix((v, (r, c)), shape=(self.n, n_cols)), np.array(self.b)


def solve_coverage_lp(pools: list[Pool], agents: list[Agent], rules: LabourRules, grid: Demand, weeks: int, *,
                      time_limit_s: float, patterns: bool | None = None,
                      additions: list[Addition] | None = None) -> CoverageLP:
    """Solve the relaxed coverage model (every template of every pool is a column).

    ``additions`` make some pools' agent counts variables of the programme
    (:class:`Addition`; :mod:`roster.rostering.recommend` closes a gap with
    them): a pool of one representative agent whose every row is scaled by its
    count, and, for agents moved from another pool, that pool's rows less one
    average agent per agent moved. ``agents`` then holds the representatives too.
    Without week patterns (they count a pool's agents as fixed).

    ``patterns`` adds the per-agent week patterns (:func:`_week_patterns`),
    which tighten the bound; without them, the pool sums of the agents' limits
    only. By default they are added up to :data:`PATTERN_MAX_TEMPLATES`
    templates: beyond, the programme alone takes most of a minute and the
    patterns' few seconds more cost the search more than they tighten the
    bound (a 1,000-agent team: +0.01%).
    """
    t_start = time.perf_counter()
    rows = _Rows()
    n_chan = len(grid.channels)
    # --- shift columns
    keep = []
    offset = []
    n_cols = 0
    for p in pools:
        idx = np.arange(len(p.templates))
        keep.append(idx)
        offset.append(n_cols)
        n_cols += len(idx)
    additions = list(additions or [])
    if additions:
        patterns = False
    if patterns is None:
        patterns = n_cols <= PATTERN_MAX_TEMPLATES
    # --- addition columns (agents per addition), then overtime minutes per addition and week
    add_col = {a.pool: n_cols + k for k, a in enumerate(additions)}
    n_cols += len(additions)
    ot_col = {}
    for k, a in enumerate(additions):
        if a.overtime_over_min is not None:
            for w in range(weeks):
                ot_col[(k, w)] = n_cols
                n_cols += 1
    moved: dict[int, list[int]] = {}  # source pool -> columns of the agents moved out of it
    for a in additions:
        if a.source is not None:
            moved.setdefault(a.source, []).append(add_col[a.pool])
    cost = np.zeros(n_cols)
    upper = np.zeros(n_cols)
    for k, a in enumerate(additions):
        cost[add_col[a.pool]] = a.cost
        upper[add_col[a.pool]] = a.most
    for (k, w), col in ot_col.items():
        cost[col] = additions[k].overtime_cost_per_min
        upper[col] = np.inf

    def cap(p: Pool, cols, vals, rhs: float) -> None:
        """A pool's row ``vals . cols <= rhs``: scaled by its count for an addition; less the agents moved out of it."""
        cols = np.asarray(cols, dtype=np.int64)
        vals = np.broadcast_to(np.asarray(vals, dtype=float), cols.shape)
        if p.index in add_col:
            rows.le(np.append(cols, add_col[p.index]), np.append(vals, -rhs), 0.0)
        elif p.index in moved and len(p.agents):
            out = np.array(moved[p.index], dtype=np.int64)
            rows.le(np.concatenate([cols, out]), np.concatenate([vals, np.full(len(out), rhs / len(p.agents))]), rhs)
        else:
            rows.le(cols, vals, rhs)
    rest = rest_ns(rules)
    at_work = {}  # skill set -> list of (cover matrix rows as csr, column offset)
    weekly = []  # per pool and week: its shifts and agents' limits, for the week patterns (rows and columns last)
    for p, idx, off in zip(pools, keep, offset):
        cols = off + np.arange(len(idx))
        cost[cols] = p.cost[idx]
        upper[cols] = p.allowed[:, idx].sum(axis=0) if p.index not in add_col else additions[
            [a.pool for a in additions].index(p.index)].most
        day = p.day[idx]
        days = 7 * weeks
        for d in range(days):
            on = np.flatnonzero(day == d)
            if len(on):
                cap(p, cols[on], 1.0, int(p.allowed[:, idx[on]].any(axis=1).sum()))
        max_days, min_min, max_min = agent_limits(p, agents, rules, weeks, grid.interval_min)
        k_add = [a.pool for a in additions].index(p.index) if p.index in add_col else None
        for w in range(weeks):
            on = np.flatnonzero(day // 7 == w)
            if not len(on):
                continue
            cap(p, cols[on], 1.0, int(max_days[:, w].sum()))
            cap(p, cols[on], p.paid_min[idx[on]], int(max_min[:, w].sum()))
            if min_min[:, w].sum() > 0:
                cap(p, cols[on], -p.paid_min[idx[on]], -int(min_min[:, w].sum()))
            if k_add is not None and (k_add, w) in ot_col:
                # overtime: the paid minutes past the base week, per agent, cost the premium
                over = additions[k_add].overtime_over_min
                rows.le(np.concatenate([cols[on], [add_col[p.index], ot_col[(k_add, w)]]]),
                        np.concatenate([p.paid_min[idx[on]], [-float(over), -1.0]]), 0.0)
                days_over = additions[k_add].overtime_days_over
                if days_over is not None:
                    # an extra day: each shift past the base days a week is overtime_day_min overtime minutes
                    m = float(additions[k_add].overtime_day_min)
                    rows.le(np.concatenate([cols[on], [add_col[p.index], ot_col[(k_add, w)]]]),
                            np.concatenate([np.full(len(on), m), [-m * days_over, -1.0]]), 0.0)
            if patterns:
                weekly.append((cols[on], p.day[idx[on]], p.paid_min[idx[on]], max_days[:, w], min_min[:, w], max_min[:, w]))
        starts, ends = p.start_ns[idx], p.end_ns[idx] + rest
        for d in range(days - 1):
            today, tomorrow = np.flatnonzero(day == d), np.flatnonzero(day == d + 1)
            if not len(today) or not len(tomorrow):
                continue
            for x in np.unique(starts[tomorrow]):
                late = today[ends[today] > x]
                if len(late):
                    cap(p, np.concatenate([cols[tomorrow[starts[tomorrow] <= x]], cols[late]]), 1.0, len(p.agents))
        k = rules.max_consecutive_days
        for window in consecutive_windows(days, k):
            on = np.flatnonzero((day >= window.start) & (day < window.stop))
            if len(on):
                cap(p, cols[on], 1.0, k * len(p.agents))
        at_work.setdefault(p.skills, []).append((p.cover[idx].T.tocsr(), off))
    # --- channel columns: per skill set, interval and channel; then missing agents per channel and interval
    serve_cols: dict[tuple[int, int], list[int]] = {}
    for skills, parts in at_work.items():
        ch = [grid.channels.index(c) for c in skills]
        for i in range(grid.n):
            need = [c for c in ch if grid.required[grid.channels[c]][i] > 0]
            if not need:
                continue
            zc = np.arange(n_cols, n_cols + len(need))
            n_cols += len(need)
            for c, z in zip(need, zc):
                serve_cols.setdefault((c, i), []).append(int(z))
            ys = [off + m.indices[m.indptr[i] : m.indptr[i + 1]] for m, off in parts]
            ys = np.concatenate(ys) if ys else np.zeros(0, dtype=np.int64)
            rows.le(np.concatenate([zc, ys]), np.concatenate([np.ones(len(zc)), -np.ones(len(ys))]), 0.0)
    cover_rows = {}
    under_cols = {}
    for c in range(n_chan):
        req = grid.required[grid.channels[c]]
        for i in np.flatnonzero(req > 0):
            u = n_cols
            n_cols += 1
            under_cols[(c, int(i))] = u
            cover_rows[(c, int(i))] = rows.le(serve_cols.get((c, int(i)), []) + [u], -1.0, -float(req[i]))
    for week in weekly:
        n_cols = _week_patterns(rows, n_cols, *week)
    a_ub, b_ub = rows.matrix(n_cols)
    c_vec = np.zeros(n_cols)
    c_vec[: len(cost)] = cost
    ub = np.full(n_cols, np.inf)
    ub[: len(upper)] = upper
    for (c, i), u in under_cols.items():
        c_vec[u] = grid.under_cost[grid.channels[c]][i]
        ub[u] = grid.required[grid.channels[c]][i]
    res = _highs(c_vec, a_ub, b_ub, ub, time_limit_s=time_limit_s)
    seconds = time.perf_counter() - t_start
    if res is None:
        return CoverageLP("time limit reached", float("nan"), None, None, None, float("nan"), float("nan"), seconds)
    x, duals, fun = res
    counts = []
    for p, idx, off in zip(pools, keep, offset):
        full = np.zeros(len(p.templates))
        full[idx] = x[off : off + len(idx)]
        counts.append(full)
    prices = np.zeros((n_chan, grid.n))
    if duals is not None:
        for key, r in cover_rows.items():
            prices[key] = -duals[r]
    short_ci = np.zeros((n_chan, grid.n))
    for (c, i), u in under_cols.items():
        short_ci[c, i] = x[u]
    short = short_ci.sum()
    work = sum(float(cnt @ np.asarray(p.cover.sum(axis=1)).ravel()) for p, cnt in zip(pools, counts))
    h = grid.step / pd.Timedelta(hours=1)
    added = np.array([x[add_col[a.pool]] for a in additions]) if additions else None
    overtime = (np.array([sum(x[ot_col[(k, w)]] for w in range(weeks) if (k, w) in ot_col) for k in range(len(additions))]) / 60.0
                if additions else None)
    return CoverageLP("optimal", fun, counts, prices, short_ci, short * h, work * h, seconds, added, overtime)


def _highs(c: np.ndarray, a_ub: sp.csr_matrix, b_ub: np.ndarray, ub: np.ndarray, *, time_limit_s: float):
    """Minimise ``c x`` subject to ``a_ub x <= b_ub``, ``0 <= x <= ub`` with HiGHS (through SciPy).

    Interior point followed by crossover, so the solution is a vertex (few
    fractional shift counts) and the duals are exact. Returns
    ``(x, row duals, objective)`` or None if nothing was found.
    """
    bounds = np.c_[np.zeros(len(c)), ub]
    options = {"time_limit": float(max(0.05, time_limit_s))}
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs-ipm", options=options)
    if res.status != 0:
        return None
    return res.x, res.ineqlin.marginals, float(res.fun)


def _week_patterns(rows: _Rows, n_cols: int, cols: np.ndarray, day: np.ndarray, paid_min: np.ndarray,
                   max_days: np.ndarray, min_min: np.ndarray, max_min: np.ndarray, *, most: int = 2000) -> int:
    """Rows and columns of one pool's week in whole shifts per agent; returns the new column count.

    ``cols``, ``day`` and ``paid_min`` are the week's template columns, their
    local days and paid minutes; ``max_days``, ``min_min`` and ``max_min``
    the limits of each of the pool's agents that week. A *pattern* is how
    many shifts of each paid length one agent works in the week: at most
    its day limit, paid time within its range. Per group of agents with the
    same limits, a column per pattern counts the agents working it. Rows:

    * the group's agents each work one pattern (the patterns sum to their number);
    * the week's shifts of each paid length are the patterns' shifts of it;
    * per day and paid length, the shifts are at most the agents whose
      pattern has one (an agent works one shift a day).

    Every roster keeps them, so they cut fractional plans only: e.g. a week
    at full hours (40) with 8- and 10-hour shifts has every agent on five
    8-hour or four 10-hour shifts, and a 32-hour minimum with 10-hour
    shifts only takes four of them, not 3.2. No rows when a group has no
    pattern (its limits cannot be kept: left to the other rows) or could have more than ``most``.
    """
    lengths = np.unique(paid_min)
    groups: dict[tuple[int, int, int], int] = {}
    for key in zip(max_days.tolist(), min_min.tolist(), max_min.tolist()):
        groups[key] = groups.get(key, 0) + 1
    found = []
    for (days, lo, hi), n in groups.items():
        if math.comb(len(lengths) + int(days), int(days)) > most:
            return n_cols
        pats = [b for b in _counts(len(lengths), int(days)) if lo <= int(np.dot(b, lengths)) <= hi]
        if not pats:
            return n_cols
        found.append((n, np.array(pats, dtype=np.int64)))
    pat_cols, pat_shifts = [], []
    for n, pats in found:
        group = np.arange(n_cols, n_cols + len(pats))
        n_cols += len(pats)
        rows.le(group, 1.0, n)
        rows.le(group, -1.0, -n)
        pat_cols.append(group)
        pat_shifts.append(pats)
    pc, shifts = np.concatenate(pat_cols), np.concatenate(pat_shifts)
    for j, length in enumerate(lengths):
        of = paid_min == length
        both = np.concatenate([cols[of], pc])
        rows.le(both, np.concatenate([np.ones(of.sum()), -shifts[:, j]]), 0.0)
        rows.le(both, np.concatenate([-np.ones(of.sum()), shifts[:, j]]), 0.0)
        some = pc[shifts[:, j] > 0]
        for d in np.unique(day[of]):
            on = of & (day == d)
            rows.le(np.concatenate([cols[on], some]), np.concatenate([np.ones(on.sum()), -np.ones(len(some))]), 0.0)
    return n_cols


def _counts(n_lengths: int, most: int) -> list[tuple[int, ...]]:
    """Every tuple of ``n_lengths`` non-negative counts summing to at most ``most``."""
    if n_lengths == 0:
        return [()]
    return [(k, *rest) for k in range(most + 1) for rest in _counts(n_lengths - 1, most - k)]
