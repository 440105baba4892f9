"""The agent-level CP-SAT model, for some agents and days while the rest stay fixed.

One boolean per (free agent, shift template on a free day): the agent works
that shift (with its breaks and lunch, see :mod:`roster.rostering.templates`). While
at work an agent serves one of its channels per interval (the model decides
which). Everything outside the neighbourhood (other agents, other days) is
fixed and enters as constants: the coverage it already gives, and for the
free agents, their fixed days' shifts, hours and days.

Hard rules, one function per family:

* :func:`add_one_shift_per_day` - at most one shift per local day;
* :func:`add_rest` - at least ``min_rest_h`` between the shifts of two days;
* :func:`add_days_per_week` - max working days (and so min days off) a week;
* :func:`add_weekly_hours` - the contract's paid hours a week (the minimum
  prorated by the days the agent is available);
* :func:`add_consecutive_days` - the longest run of working days;
* skills, start windows and time off hold by construction of the templates.

Soft objective (weights in :class:`roster.rostering.search.SolverConfig`): missing
agents per channel and interval (:func:`add_coverage`), paid time at the
contract's hourly cost, and the soft rules :func:`add_preferences` (working
a preferred day off), :func:`add_fairness` (weekend days beyond one and late
shifts beyond two a week) and :func:`add_days_off_together` (a week whose
days off are all apart). Each soft family records its named penalty terms.

With every agent and day free this is the whole roster problem (used as is
for small teams); :mod:`roster.rostering.search` uses it as the large-neighbourhood
step for big ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from roster.rostering.state import RosterState


@dataclass
class SubModel:
    model: cp_model.CpModel
    x: dict = field(default_factory=dict)  # (agent, template) -> BoolVar
    by_day: dict = field(default_factory=dict)  # (agent, day) -> [(template, var)]
    work: dict = field(default_factory=dict)  # (agent, day) -> BoolVar (works that day)
    z: dict = field(default_factory=dict)  # (pool, interval, channel) -> IntVar: the pool's free agents serving the channel
    terms: dict = field(default_factory=dict)  # penalty name -> list of (coefficient, var)


def build(s: RosterState, free_agents: list[int], free_days: set[int], candidates: dict[int, np.ndarray] | None = None) -> SubModel:
    """The model of ``free_agents`` on ``free_days`` given everything else in ``s``.

    ``s`` must not hold the free agents' shifts on the free days (the caller
    takes them out first). ``candidates`` optionally limits each pool's
    templates (a boolean mask per pool index) to keep a neighbourhood small.
    """
    m = SubModel(cp_model.CpModel())
    _variables(m, s, free_agents, free_days, candidates)
    add_one_shift_per_day(m)
    add_rest(m, s, free_agents, free_days)
    add_days_per_week(m, s, free_agents)
    add_weekly_hours(m, s, free_agents)
    add_consecutive_days(m, s, free_agents)
    add_coverage(m, s, free_agents)
    add_preferences(m, s)
    add_fairness(m, s, free_agents)
    add_days_off_together(m, s, free_agents)
    m.terms["paid time"] = [(int(s.pools[s.state[a].pool].cost[t]), v) for (a, t), v in m.x.items()]
    m.model.Minimize(sum(c * v for terms in m.terms.values() for c, v in terms))
    return m


def _variables(m: SubModel, s: RosterState, free_agents, free_days, candidates=None) -> None:
    for a in free_agents:
        st = s.state[a]
        p = s.pools[st.pool]
        fixed = {d: t for d, t in st.shifts.items() if d not in free_days}
        ok = p.allowed[st.k] & np.isin(p.day, list(free_days))
        if candidates is not None and st.pool in candidates:
            ok &= candidates[st.pool]
        # shifts that clash on rest with a fixed neighbouring day are never possible
        for d, t in fixed.items():
            ok &= ~((p.day == d - 1) & (p.end_ns + s.rest_ns > p.start_ns[t]))
            ok &= ~((p.day == d + 1) & (p.start_ns < p.end_ns[t] + s.rest_ns))
        for t in np.flatnonzero(ok):
            v = m.model.NewBoolVar(f"x_{s.agents[a].agent_id}_{t}")
            m.x[(a, int(t))] = v
            m.by_day.setdefault((a, int(p.day[t])), []).append((int(t), v))


def add_one_shift_per_day(m: SubModel) -> None:
    """At most one shift per agent and local day; ``work[a, d]`` says whether there is one."""
    for key, tvs in m.by_day.items():
        w = m.model.NewBoolVar(f"work_{key[0]}_{key[1]}")
        m.model.Add(sum(v for _, v in tvs) == w)
        m.work[key] = w


def add_rest(m: SubModel, s: RosterState, free_agents, free_days) -> None:
    """At least ``min_rest_h`` between the shifts of two consecutive free days.

    For each start time ``x`` of the next day's shifts: at most one of the
    shifts of day ``d`` ending less than ``min_rest_h`` before ``x`` and the
    shifts of day ``d + 1`` starting by ``x`` (a clique of clashing shifts;
    together these say that no clashing pair is worked). Shifts that clash
    with a fixed neighbouring day are left out of the model altogether.
    """
    for a in free_agents:
        p = s.pools[s.state[a].pool]
        for d in sorted(free_days):
            today, tomorrow = m.by_day.get((a, d), []), m.by_day.get((a, d + 1), [])
            if not today or not tomorrow:
                continue
            ends = np.array([p.end_ns[t] + s.rest_ns for t, _ in today])
            starts = np.array([p.start_ns[t] for t, _ in tomorrow])
            for x in np.unique(starts):
                late = [v for (t, v), e in zip(today, ends) if e > x]
                if not late:
                    continue
                early = [v for (t, v), st in zip(tomorrow, starts) if st <= x]
                m.model.AddAtMostOne(late + early)


def _week_vars(m: SubModel, a: int, w: int) -> list[tuple[int, cp_model.IntVar]]:
    """The agent's ``(template, var)`` of local week ``w``, in template order (as in ``m.x``)."""
    return [tv for d in range(7 * w, 7 * w + 7) for tv in m.by_day.get((a, d), ())]


def _week_days(s: RosterState, a: int, w: int, m: SubModel):
    st = s.state[a]
    fixed = [d for d in st.shifts if d // 7 == w]
    free = [m.work[(a, d)] for d in range(7 * w, 7 * w + 7) if (a, d) in m.work]
    return fixed, free


def add_days_per_week(m: SubModel, s: RosterState, free_agents) -> None:
    for a in free_agents:
        for w in range(s.weeks):
            fixed, free = _week_days(s, a, w, m)
            if free:
                m.model.Add(sum(free) <= int(s.max_days[a, w]) - len(fixed))


def add_weekly_hours(m: SubModel, s: RosterState, free_agents) -> None:
    for a in free_agents:
        p = s.pools[s.state[a].pool]
        for w in range(s.weeks):
            used = s.used_q(a, w)
            terms = [int(p.paid_q[t]) * v for t, v in _week_vars(m, a, w)]
            if not terms:
                continue
            m.model.Add(sum(terms) <= int(s.max_q[a, w]) - used)
            need = int(s.min_q[a, w]) - used
            if need > 0:
                m.model.Add(sum(terms) >= need)


def add_consecutive_days(m: SubModel, s: RosterState, free_agents) -> None:
    k = s.max_consecutive
    if k >= s.days:
        return
    for a in free_agents:
        fixed = set(s.state[a].shifts)
        for d0 in range(0, s.days - k):
            window = range(d0, d0 + k + 1)
            free = [m.work[(a, d)] for d in window if (a, d) in m.work]
            n_fixed = sum(1 for d in window if d in fixed)
            if free and n_fixed + len(free) > k:
                m.model.Add(sum(free) <= k - n_fixed)


def add_coverage(m: SubModel, s: RosterState, free_agents) -> None:
    """Per channel and interval still short after the fixed shifts: agents serving it + missing >= short.

    The free agents of one pool are interchangeable, so the model counts per
    pool how many of them at work serve each channel (no per-agent choice to
    break symmetry over).
    """
    at_work: dict[tuple[int, int], list] = {}
    for (a, t), v in m.x.items():
        pi = s.state[a].pool
        for i in s.pools[pi].work[t]:
            at_work.setdefault((pi, int(i)), []).append(v)
    short_terms: dict[tuple[int, int], list] = {}
    for (pi, i), vs in at_work.items():
        zs = []
        for c in s.skill_idx[pi]:
            need = int(s.rem[c, i])
            if need <= 0:
                continue
            z = m.model.NewIntVar(0, min(need, len(vs)), f"z_{pi}_{i}_{c}")
            m.z[(pi, i, int(c))] = z
            short_terms.setdefault((int(c), i), []).append(z)
            zs.append(z)
        if zs:
            m.model.Add(sum(zs) <= sum(vs))
    terms = []
    for (c, i), zs in short_terms.items():
        need = int(s.rem[c, i])
        u = m.model.NewIntVar(0, need, f"u_{c}_{i}")
        m.model.Add(sum(zs) + u >= need)
        terms.append((int(s.w[c, i]), u))
    m.terms["understaffing"] = terms


def add_preferences(m: SubModel, s: RosterState) -> None:
    m.terms["preferred day off worked"] = [
        (s.config.preference_weight, w) for (a, d), w in m.work.items() if d in s.state[a].pref_days
    ]


def add_fairness(m: SubModel, s: RosterState, free_agents) -> None:
    """Weekend days beyond one and late shifts beyond two a week cost (fixed days count too)."""
    cfg = s.config
    weekend_terms, late_terms = [], []
    for a in free_agents:
        st = s.state[a]
        p = s.pools[st.pool]
        for w in range(s.weeks):
            fixed = [t for d, t in st.shifts.items() if d // 7 == w]
            week = _week_vars(m, a, w)
            wk = [v for t, v in week if p.weekend[t]]
            lt = [v for t, v in week if p.late[t]]
            n_wk = sum(bool(p.weekend[t]) for t in fixed)
            n_lt = sum(bool(p.late[t]) for t in fixed)
            if wk and cfg.weekend_weight and n_wk + len(wk) > 1:
                e = m.model.NewIntVar(0, len(wk) + n_wk, f"weekend_excess_{a}_{w}")
                m.model.Add(e >= sum(wk) + n_wk - 1)
                weekend_terms.append((cfg.weekend_weight, e))
            if lt and cfg.late_weight and n_lt + len(lt) > 2:
                e = m.model.NewIntVar(0, len(lt) + n_lt, f"late_excess_{a}_{w}")
                m.model.Add(e >= sum(lt) + n_lt - 2)
                late_terms.append((cfg.late_weight, e))
    m.terms["weekend days beyond one a week"] = weekend_terms
    m.terms["late shifts beyond two a week"] = late_terms


def add_days_off_together(m: SubModel, s: RosterState, free_agents) -> None:
    """Soft: two days off in a row each week; a week whose days off are all apart costs ``split_off_weight``."""
    weight = s.config.split_off_weight
    terms = []
    if weight:
        for a in free_agents:
            fixed = set(s.state[a].shifts)
            for w in range(s.weeks):
                days = range(7 * w, min(7 * w + 7, s.days))
                free = {d: m.work[(a, d)] for d in days if (a, d) in m.work}
                if not free:
                    continue
                off = {d: (1 - free[d]) if d in free else (0 if d in fixed else 1) for d in days}
                pairs = []
                for d in days:
                    if d + 1 not in off:
                        continue
                    x, y = off[d], off[d + 1]
                    if isinstance(x, int) and isinstance(y, int):
                        if x and y:
                            pairs = None
                            break
                        continue
                    pv = m.model.NewBoolVar(f"off_pair_{a}_{d}")
                    for o in (x, y):
                        if isinstance(o, int):
                            if not o:
                                m.model.Add(pv == 0)
                        else:
                            m.model.Add(pv <= o)
                    pairs.append(pv)
                if pairs is None:
                    continue  # two fixed days off in a row already
                n_off = sum(off.values())
                split = m.model.NewBoolVar(f"days_off_apart_{a}_{w}")
                # apart: at least two days off and no pair; with fewer than two days off there is nothing to pair
                two = m.model.NewBoolVar(f"two_off_{a}_{w}")
                m.model.Add(n_off >= 2).OnlyEnforceIf(two)
                m.model.Add(n_off <= 1).OnlyEnforceIf(two.Not())
                m.model.Add(split >= two - sum(pairs))
                terms.append((weight, split))
    m.terms["days off apart"] = terms


def hint(m: SubModel, s: RosterState, shifts: dict[int, dict[int, int]]) -> None:
    """Hint the model with the free agents' previous shifts (a complete, feasible start)."""
    chosen = {(a, t) for a, days in shifts.items() for t in days.values()}
    for key, v in m.x.items():
        m.model.AddHint(v, 1 if key in chosen else 0)
    for (a, d), w in m.work.items():
        m.model.AddHint(w, 1 if d in shifts.get(a, {}) else 0)


def apply(m: SubModel, solver: cp_model.CpSolver, s: RosterState) -> None:
    """Put the solution's shifts into ``s``, sharing each pool's channel counts among its agents at work."""
    left = {k: solver.Value(z) for k, z in m.z.items()}
    chosen = sorted((a, t) for (a, t), v in m.x.items() if solver.BooleanValue(v))
    for a, t in chosen:
        pi = s.state[a].pool
        idx = s.pools[pi].work[t]
        chan = np.full(len(idx), -1, dtype=np.int64)
        for j, i in enumerate(idx):
            for c in s.skill_idx[pi]:
                key = (pi, int(i), int(c))
                if left.get(key, 0) > 0:
                    left[key] -= 1
                    chan[j] = c
                    break
        s.add(a, t, chan)
