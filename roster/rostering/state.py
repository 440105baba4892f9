"""The search state: a complete roster under construction, with its objective kept up to date.

A :class:`RosterState` holds each agent's shift per local day (a template of
the agent's pool, see :mod:`roster.rostering.instance`), the channel each
agent serves in each interval at work, and the requirement still uncovered
per channel and interval. Every change keeps the hard rules
(:mod:`roster.rostering.rules`): at most one shift per local day,
``min_rest_h`` between shifts, the contract's days and paid minutes per week,
the longest run of consecutive days, skills, start windows and time off (the
last three by construction of the templates).

The objective is the solver's (:class:`roster.rostering.config.SolverConfig`):
each missing agent per interval costs the channel's under-staffing weight,
every shift its paid time, and the soft rules their penalties, counted by
the rule modules' own functions (:func:`RosterState.agent_soft`) and, for
candidate shifts in the search's inner loop, by the same thresholds
vectorised (:func:`RosterState.soft_penalties`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from roster.rostering.instance import Demand, Pool, agent_limits
from roster.rostering.rules import SOFT_PENALTIES, AgentWeek
from roster.rostering.rules.channels import best_sequence, block_intervals, span_intervals
from roster.rostering.rules.days_off import DAYS_OFF_APART, days_off_apart
from roster.rostering.rules.fairness import LATE, WEEKEND, late_excess, weekend_excess
from roster.rostering.rules.preferences import PREFERRED_DAY_OFF, is_preferred_off
from roster.rostering.rules.shifts import rest_mask, rest_ns
from roster.rostering.rules.weekly import too_long_if_worked
from roster.schema import Agent, LabourRules

#: score bonus per paid minute towards a weekly minimum still short (minimum hours first)
BIG = 1e9


@dataclass
class _Agent:
    pool: int
    k: int  # row in the pool's ``allowed``
    shifts: dict[int, int] = field(default_factory=dict)  # local day -> template
    chan: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # day -> (intervals, channel or -1)
    pref_days: frozenset = frozenset()


class RosterState:
    """A complete roster under construction (see the module docstring)."""

    def __init__(self, pools: list[Pool], agents: list[Agent], rules: LabourRules, grid: Demand, config, weeks: int, week_start):
        self.pools, self.agents, self.rules, self.grid, self.config, self.weeks = pools, agents, rules, grid, config, weeks
        self.days = 7 * weeks
        self.req = np.stack([grid.required[c] for c in grid.channels]).astype(np.int64)
        self.w = np.stack([grid.under_cost[c] for c in grid.channels]).astype(float)
        self.rem = self.req.copy()
        self.skill_idx = [np.array([grid.channels.index(c) for c in p.skills], dtype=np.int64) for p in pools]
        self.rest_ns = rest_ns(rules)
        self.block = block_intervals(rules, grid.interval_min)  # shortest stretch on one channel, in intervals
        self.max_consecutive = rules.max_consecutive_days
        self.state: list[_Agent] = [None] * len(agents)  # type: ignore[list-item]
        self.max_days = np.zeros((len(agents), weeks), dtype=np.int64)
        self.min_paid_min = np.zeros((len(agents), weeks), dtype=np.int64)
        self.max_paid_min = np.zeros((len(agents), weeks), dtype=np.int64)
        self.max_shift_min = np.zeros(len(agents), dtype=np.int64)  # the agent's longest paid shift
        self.run_before = np.zeros(len(agents), dtype=np.int64)  # working days in a row before day 0 (earlier shifts)
        #: objective weight of one unit of each soft penalty, by name
        self.soft_weight = {pen.name: float(getattr(config, pen.weight)) for pen in SOFT_PENALTIES}
        self.masks = []
        self.pref_mask = np.zeros((len(agents), self.days), dtype=bool)  # the agent's preferred days off
        for p in pools:
            md, mn, mx = agent_limits(p, agents, rules, weeks, grid.interval_min)
            for k, ai in enumerate(p.agents):
                pref = frozenset(d for d in range(self.days) if is_preferred_off(agents[ai], week_start + dt.timedelta(days=d)))
                self.state[ai] = _Agent(p.index, k, pref_days=pref)
                self.pref_mask[ai, list(pref)] = True
                self.max_days[ai], self.min_paid_min[ai], self.max_paid_min[ai] = md[k], mn[k], mx[k]
                self.max_shift_min[ai] = int(p.paid_min.max()) if len(p.paid_min) else 0
                self.run_before[ai] = int(p.run_before[k]) if p.run_before is not None else 0
            self.masks.append(p.allowed.copy())
        self.week_of = [p.day // 7 for p in pools]
        # templates are in local-day order: each day's are one slice of the pool's arrays
        self.day_lo = [np.searchsorted(p.day, np.arange(self.days), side="left") for p in pools]
        self.day_hi = [np.searchsorted(p.day, np.arange(self.days), side="right") for p in pools]
        for p in pools:
            if len(p.day) and np.any(np.diff(p.day) < 0):
                raise ValueError("pool templates must be sorted by local day")
        self.cost_total = 0.0
        #: soft penalties per agent and week (kept up to date by add and remove) and their sum
        self.week_soft = np.zeros((len(agents), weeks))
        self.soft_total = 0.0
        self._reach_cache = None
        for ai in np.flatnonzero(self.run_before):  # days worked just before the roster: its first days may be closed
            self._update_mask(int(ai))

    # ------------------------------------------------------------------ #
    # objective
    # ------------------------------------------------------------------ #
    def under_cost(self) -> float:
        return float((self.w * np.maximum(self.rem, 0)).sum())

    def objective(self) -> float:
        return self.under_cost() + self.cost_total + self.soft_total

    def soft_penalty(self, ai: int, ti: int) -> float:
        """What adding template ``ti`` to agent ``ai`` costs in soft rules, given its other shifts."""
        return float(self.soft_penalties(ai, np.array([ti], dtype=np.int64))[0])

    def soft_penalties(self, ai: int, cand: np.ndarray) -> np.ndarray:
        """What adding each of the templates ``cand`` (of the agent's pool) costs in soft rules, given its other shifts.

        The change in :meth:`agent_soft` each one would make, from the rule
        modules' thresholds, vectorised over the candidates.
        """
        st = self.state[ai]
        p = self.pools[st.pool]
        weight = self.soft_weight
        day = p.day[cand]
        wk = day // 7
        n_weekend = np.zeros(self.weeks, dtype=np.int64)
        n_late = np.zeros(self.weeks, dtype=np.int64)
        for d, t in st.shifts.items():
            n_weekend[d // 7] += bool(p.weekend[t])
            n_late[d // 7] += bool(p.late[t])
        pen = weight[PREFERRED_DAY_OFF.name] * self.pref_mask[ai, day]
        was = n_weekend[wk]
        pen = pen + weight[WEEKEND.name] * (weekend_excess(was + p.weekend[cand]) - weekend_excess(was))
        was = n_late[wk]
        pen = pen + weight[LATE.name] * (late_excess(was + p.late[cand]) - late_excess(was))
        if weight[DAYS_OFF_APART.name] and len(cand):
            delta = np.zeros(self.days)
            worked: dict[int, set[int]] = {}
            for d in set(day.tolist()):  # only the candidates' days
                w = d // 7
                if w not in worked:
                    worked[w] = {dd - 7 * w for dd in st.shifts if dd // 7 == w}
                delta[d] = days_off_apart(worked[w] | {d - 7 * w}) - days_off_apart(worked[w])
            pen = pen + weight[DAYS_OFF_APART.name] * delta[day]
        return pen

    def agent_week(self, ai: int, w: int) -> AgentWeek:
        """The agent's worked days in local week ``w``, as the soft rules read them."""
        st = self.state[ai]
        p = self.pools[st.pool]
        days, weekend, late, pref = [], 0, 0, 0
        for d, t in st.shifts.items():
            if d // 7 == w:
                days.append(d - 7 * w)
                weekend += bool(p.weekend[t])
                late += bool(p.late[t])
                pref += d in st.pref_days
        return AgentWeek(frozenset(days), weekend, late, pref)

    def agent_weeks(self, ai: int) -> list[AgentWeek]:
        """The agent's worked days per local week, as the soft rules read them."""
        return [self.agent_week(ai, w) for w in range(self.weeks)]

    def week_penalty(self, ai: int, w: int) -> float:
        """Soft penalties of one agent's week (each rule's own count times its weight)."""
        week = (self.agent_week(ai, w),)
        return float(sum(self.soft_weight[pen.name] * pen.count(week) for pen in SOFT_PENALTIES))

    def agent_soft(self, ai: int) -> float:
        """Soft penalties of one agent's whole roster, recounted (every week's rule counts times their weights)."""
        return float(sum(self.week_penalty(ai, w) for w in range(self.weeks)))

    def _recount_week(self, ai: int, w: int) -> None:
        """After a change of the agent's week ``w``: its soft penalties again, and their total."""
        new = self.week_penalty(ai, w)
        self.soft_total += new - self.week_soft[ai, w]
        self.week_soft[ai, w] = new

    # ------------------------------------------------------------------ #
    # moves
    # ------------------------------------------------------------------ #
    def value(self, pi: int) -> np.ndarray:
        """Per interval: the most a pool's agent at work is worth there (its neediest skill)."""
        s = self.skill_idx[pi]
        if not len(s):
            return np.zeros(self.grid.n)
        return (self.w[s] * (self.rem[s] > 0)).max(axis=0)

    def best_channels(self, pi: int, idx: np.ndarray) -> np.ndarray:
        """Per interval ``idx``: the pool's skill that still needs an agent and costs most when short (-1 if none needs one)."""
        s = self.skill_idx[pi]
        if not len(s) or not len(idx):
            return np.full(len(idx), -1)
        sub = self.w[s][:, idx] * (self.rem[s][:, idx] > 0)
        return np.where(sub.max(axis=0) > 0, s[sub.argmax(axis=0)], -1)

    def block_channels(self, pi: int, ti: int) -> np.ndarray:
        """Per interval at work of template ``ti``: the channel worth most under the channel block rules.

        An agent of one skill serves it where it is needed (-1 elsewhere, as
        :meth:`best_channels`); one of several gets the best sequence the
        rules allow against the requirement still uncovered
        (:func:`roster.rostering.rules.channels.best_sequence`).
        """
        s = self.skill_idx[pi]
        p = self.pools[pi]
        idx = p.work[ti]
        if len(s) < 2 or not len(idx):
            return self.best_channels(pi, idx)
        value = self.w[s][:, idx] * (self.rem[s][:, idx] > 0)
        span = span_intervals(p.start_ns[ti], p.end_ns[ti], self.grid.t0.value, self.grid.step.value)
        return s[best_sequence(value, idx, *span, self.block, self.rules.max_channel_switches)]

    def gains(self, pi: int) -> np.ndarray:
        """Objective gain of one more shift of each of the pool's templates (soft rules aside)."""
        p = self.pools[pi]
        return p.cover @ self.value(pi) - p.cost

    def add(self, ai: int, ti: int, chan: np.ndarray | None = None) -> None:
        st = self.state[ai]
        p = self.pools[st.pool]
        d = int(p.day[ti])
        idx = p.work[ti]
        if chan is None:
            chan = self.block_channels(st.pool, ti)
        ok = chan >= 0
        np.subtract.at(self.rem, (chan[ok], idx[ok]), 1)
        st.shifts[d] = ti
        st.chan[d] = (idx, chan)
        self._recount_week(ai, d // 7)
        self.cost_total += float(p.cost[ti])
        self._update_mask(ai)

    def remove(self, ai: int, d: int) -> tuple[int, np.ndarray]:
        st = self.state[ai]
        p = self.pools[st.pool]
        ti = st.shifts[d]
        idx, chan = st.chan.pop(d)
        ok = chan >= 0
        np.add.at(self.rem, (chan[ok], idx[ok]), 1)
        del st.shifts[d]
        self._recount_week(ai, d // 7)
        self.cost_total -= float(p.cost[ti])
        self._update_mask(ai)
        return ti, chan

    def _update_mask(self, ai: int) -> None:
        """Templates the agent could still add without breaking a hard rule."""
        st = self.state[ai]
        p = self.pools[st.pool]
        lo, hi = self.day_lo[st.pool], self.day_hi[st.pool]
        m = p.allowed[st.k].copy()
        for d in st.shifts:
            m[lo[d] : hi[d]] = False
        # the rest with every other shift of the agent (any day; a previous roster's shifts are out of p.allowed already)
        m &= rest_mask(p.start_ns, p.end_ns, self.rest_spans(ai), self.rest_ns)
        for w in range(self.weeks):
            sl = slice(lo[7 * w], hi[min(7 * w + 6, self.days - 1)])
            ts = [t for d, t in st.shifts.items() if d // 7 == w]
            if len(ts) >= self.max_days[ai, w]:
                m[sl] = False
            else:
                used = int(sum(p.paid_min[t] for t in ts))
                m[sl] &= p.paid_min[sl] <= self.max_paid_min[ai, w] - used
        before = int(self.run_before[ai])
        if self.max_consecutive < self.days + before:
            for e in too_long_if_worked([d in st.shifts for d in range(self.days)], self.max_consecutive, before):
                m[lo[e] : hi[e]] = False
        self.masks[st.pool][st.k] = m

    def rest_spans(self, ai: int, skip_days=()) -> list[tuple[int, int]]:
        """UTC ``(start_ns, end_ns)`` of the agent's shifts (but those of ``skip_days``).

        What the minimum rest is kept to (:func:`roster.rostering.rules.shifts.rest_mask`) within the roster;
        a previous roster's shifts are kept to by the pools' allowed templates already
        (:func:`roster.rostering.rules.shifts.clear_of_earlier`, :mod:`roster.rostering.continuity`).
        """
        st = self.state[ai]
        p = self.pools[st.pool]
        own = [(int(p.start_ns[t]), int(p.end_ns[t])) for d, t in st.shifts.items() if d not in skip_days]
        return own

    def used_min(self, ai: int, w: int) -> int:
        """The agent's paid minutes in week ``w``."""
        st = self.state[ai]
        p = self.pools[st.pool]
        return int(sum(p.paid_min[t] for d, t in st.shifts.items() if d // 7 == w))

    def days_used(self, ai: int, w: int) -> int:
        return sum(1 for d in self.state[ai].shifts if d // 7 == w)

    def min_reachable(self, ai: int, ti: int) -> bool:
        """Whether the agent can still reach its weekly minimum after taking ``ti``."""
        p = self.pools[self.state[ai].pool]
        w = int(p.day[ti]) // 7
        need = self.min_paid_min[ai, w] - self.used_min(ai, w) - int(p.paid_min[ti])
        if need <= 0:
            return True
        days_left = self.max_days[ai, w] - self.days_used(ai, w) - 1
        return days_left * self.max_shift_min[ai] >= need

    def deficit(self, ai: int) -> int:
        """Paid minutes the agent is short of its weekly minimums, over the weeks."""
        return int(sum(max(0, self.min_paid_min[ai, w] - self.used_min(ai, w)) for w in range(self.weeks)))

    def minimum_first_scores(self, ai: int, cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scores of the agent's templates ``cand``, minimum hours first, and each one's week's shortfall.

        A template's score is its gain less its soft penalties, plus ``BIG``
        per paid minute it brings towards a weekly minimum still short.
        """
        st = self.state[ai]
        p = self.pools[st.pool]
        score = self.gains(st.pool)[cand] - self.soft_penalties(ai, cand)
        short = np.array([max(0, self.min_paid_min[ai, w] - self.used_min(ai, w)) for w in range(self.weeks)])
        need = short[self.week_of[st.pool][cand]]
        return score + np.where(need > 0, BIG * np.minimum(p.paid_min[cand], need), 0.0), need

    # ------------------------------------------------------------------ #
    # building an agent's week
    # ------------------------------------------------------------------ #
    def rebuild(self, ai: int) -> None:
        """Give an agent (with no shifts) its best week against everyone else's: minimum hours first."""
        st = self.state[ai]
        while True:
            mask = self.masks[st.pool][st.k]
            if not mask.any():
                return
            cand = np.flatnonzero(mask)
            score, _ = self.minimum_first_scores(ai, cand)
            order = np.argsort(-score)
            picked = None
            for j in order:
                if score[j] <= 0:
                    break
                t = int(cand[j])
                if self.min_reachable(ai, t):
                    picked = t
                    break
            if picked is None:
                return
            self.add(ai, picked)


def reach(s: RosterState) -> np.ndarray:
    """(agents, intervals): one of the agent's templates keeps it at work in the interval (computed once)."""
    if getattr(s, "_reach_cache", None) is None:
        out = np.zeros((len(s.agents), s.grid.n), dtype=bool)
        for a, st in enumerate(s.state):
            p = s.pools[st.pool]
            allowed = np.flatnonzero(p.allowed[st.k])
            if len(allowed):
                out[a] = np.asarray(p.cover[allowed].sum(axis=0)).ravel() > 0
        s._reach_cache = out
    return s._reach_cache


def snapshot(s: RosterState, agents=None) -> dict:
    """Agents' shifts and channels (all agents by default), to come back to with :func:`restore`."""
    who = range(len(s.state)) if agents is None else agents
    return {a: {d: (t, s.state[a].chan[d][1].copy()) for d, t in s.state[a].shifts.items()} for a in who}


def clear(s: RosterState, agents) -> None:
    """Take every shift of ``agents`` out."""
    for a in agents:
        for d in list(s.state[a].shifts):
            s.remove(a, d)


def restore(s: RosterState, snap: dict) -> None:
    """Put the snapshot's agents back as they were (other agents are left alone)."""
    clear(s, snap)
    for a, days in snap.items():
        for d, (t, chan) in days.items():
            s.add(a, t, chan)


