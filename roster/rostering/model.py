"""The agent-level CP-SAT model, for some agents and days while the rest stay fixed.

One boolean per (free agent, shift template on a free day): the agent works
that shift (with its breaks and lunch, see :mod:`roster.rostering.templates`). While
at work an agent serves one of its channels per interval (the model decides
which). Everything outside the neighbourhood (other agents, other days) is
fixed and enters as constants: the coverage it already gives, and for the
free agents, their fixed days' shifts, hours and days.

Hard rules and objective terms come from the rule modules
(:mod:`roster.rostering.rules`), so :func:`build` reads as a table of contents:
variables, hard rules (one shift per local day and rest from
:mod:`~roster.rostering.rules.shifts`; days, paid minutes and consecutive days
a week from :mod:`~roster.rostering.rules.weekly`; skills, start windows,
shift lengths, breaks and time off by construction of the templates;
channel blocks and switches per shift from :mod:`~roster.rostering.rules.channels`,
with each agent of more than one skill's channel per interval), then
the objective, the sum of weight x penalty with every penalty named as in
the penalties table: understaffing (:mod:`~roster.rostering.rules.coverage`),
paid hours (:mod:`~roster.rostering.rules.paid_time`) and the soft rules
(:mod:`~roster.rostering.rules.fairness`, :mod:`~roster.rostering.rules.preferences`,
:mod:`~roster.rostering.rules.days_off`). The variables live in a
:class:`~roster.rostering.variables.SubModel`, whose ``terms`` keeps each
named penalty's ``(weight, var)`` list, so a solved model's penalties can be
read back.

With every agent and day free this is the whole roster problem (used as is
for small teams). For big teams, :mod:`roster.rostering.lns` solves one
agent's week at a time with :func:`build_placement`.
"""

from __future__ import annotations

import numpy as np
from ortools.sat.python import cp_model

from roster.rostering.rules import channels as rules_channels
from roster.rostering.rules import coverage, days_off, fairness, paid_time, preferences, shifts, weekly
from roster.rostering.state import RosterState
from roster.rostering.variables import SubModel


def build(s: RosterState, free_agents: list[int], free_days: set[int], candidates: dict[int, np.ndarray] | None = None) -> SubModel:
    """The model of ``free_agents`` on ``free_days`` given everything else in ``s``.

    ``s`` must not hold the free agents' shifts on the free days (the caller
    takes them out first). ``candidates`` optionally limits each pool's
    templates (a boolean mask per pool index) to keep a neighbourhood small.
    """
    m = SubModel(cp_model.CpModel())
    # variables: one per free agent and template it may work on a free day
    _variables(m, s, free_agents, free_days, candidates)
    # hard rules (skills, start windows, shift lengths, breaks and time off hold by construction of the templates)
    shifts.add_one_shift_per_day(m)
    shifts.add_rest(m, s, free_agents, free_days)
    weekly.add_days_per_week(m, s, free_agents)
    weekly.add_weekly_hours(m, s, free_agents)
    weekly.add_consecutive_days(m, s, free_agents)
    rules_channels.add_channel_blocks(m, s, free_agents, rules_channels.block_intervals(s.rules, s.grid.interval_min),
                                      s.rules.max_channel_switches)
    # objective: the named penalties, each a list of (weight, var)
    m.terms[coverage.UNDERSTAFFING.name] = coverage.add_coverage(m, s, free_agents)
    m.terms[preferences.PREFERRED_DAY_OFF.name] = preferences.add_preferences(m, s)
    m.terms[fairness.WEEKEND.name], m.terms[fairness.LATE.name] = fairness.add_fairness(m, s, free_agents)
    m.terms[days_off.DAYS_OFF_APART.name] = days_off.add_days_off_together(m, s, free_agents)
    m.terms[paid_time.PAID_HOURS.name] = paid_time.terms(m, s)
    m.model.Minimize(sum(c * v for terms in m.terms.values() for c, v in terms))
    return m


def build_placement(s: RosterState, agent: int, candidates: np.ndarray | None = None, value: np.ndarray | None = None) -> SubModel:
    """One agent's week under the hard rules alone, each shift valued by its gain against everyone else's roster.

    The agent must have no shifts in ``s``. No coverage variables: the value
    of each template is :meth:`RosterState.gains` (the under-staffing it
    removes given the others' shifts, less its cost) less its soft
    penalties, so the model is small and solves in milliseconds; used to
    place an agent the greedy left below its weekly minimum (a hard
    constraint here). Maximised; read the shifts back with :func:`apply_placement`.
    ``candidates`` optionally limits the agent's templates (a boolean mask
    over its pool's templates). ``value`` optionally gives each of the pool's
    templates its own worth instead (objective units, rounded up to whole
    units), as the per-agent bound prices a week (``benchmarks/roster_bound.py``).
    """
    m = SubModel(cp_model.CpModel())
    days = set(range(s.days))
    _variables(m, s, [agent], days, None if candidates is None else {s.state[agent].pool: candidates})
    shifts.add_one_shift_per_day(m)
    shifts.add_rest(m, s, [agent], days)
    weekly.add_days_per_week(m, s, [agent])
    weekly.add_weekly_hours(m, s, [agent])
    weekly.add_consecutive_days(m, s, [agent])
    st = s.state[agent]
    cand = np.array([t for (_, t) in m.x], dtype=np.int64)
    if len(cand):
        worth = np.ceil(value[cand]) if value is not None else np.round(s.gains(st.pool)[cand] - s.soft_penalties(agent, cand))
        m.model.Maximize(sum(int(g) * v for g, v in zip(worth, m.x.values(), strict=True)))
    return m


def apply_placement(m: SubModel, solver: cp_model.CpSolver, s: RosterState) -> None:
    """Put a solved :func:`build_placement` model's shifts into ``s`` (each interval on the agent's neediest skill)."""
    for (a, t), v in sorted(m.x.items()):
        if solver.BooleanValue(v):
            s.add(a, t)


def _variables(m: SubModel, s: RosterState, free_agents, free_days, candidates=None) -> None:
    for a in free_agents:
        st = s.state[a]
        p = s.pools[st.pool]
        ok = p.allowed[st.k] & np.isin(p.day, list(free_days))
        if candidates is not None and st.pool in candidates:
            ok &= candidates[st.pool]
        # shifts that clash on rest with a fixed day's shift are never possible (a previous roster's: not in p.allowed)
        ok &= shifts.rest_with_fixed(s, a, free_days)
        for t in np.flatnonzero(ok):
            v = m.model.NewBoolVar(f"x_{s.agents[a].agent_id}_{t}")
            m.x[(a, int(t))] = v
            m.by_day.setdefault((a, int(p.day[t])), []).append((int(t), v))


def hint(m: SubModel, s: RosterState, shifts: dict[int, dict[int, int]], channels: dict[tuple[int, int], np.ndarray] | None = None) -> None:
    """Hint the model with the free agents' previous shifts (a complete, feasible start), and their channels if given.

    ``channels`` is ``(agent, day) -> channel per interval at work`` of those
    shifts (keeping the channel block rules); an agent holds a stretch's
    channel through its pauses.
    """
    chosen = {(a, t) for a, days in shifts.items() for t in days.values()}
    for key, v in m.x.items():
        m.model.AddHint(v, 1 if key in chosen else 0)
    for (a, d), w in m.work.items():
        m.model.AddHint(w, 1 if d in shifts.get(a, {}) else 0)
    if not m.hold:
        return
    held: dict[tuple[int, int], int] = {}
    for (a, d), chan in (channels or {}).items():
        t = shifts.get(a, {}).get(d)
        if t is None or not len(chan) or (chan < 0).any():
            continue
        p = s.pools[s.state[a].pool]
        first, end = rules_channels.span_intervals(p.start_ns[t], p.end_ns[t], s.grid.t0.value, s.grid.step.value)
        pos = np.clip(np.searchsorted(p.work[t], np.arange(first, end), side="right") - 1, 0, None)
        held.update({(a, first + k): int(chan[j]) for k, j in enumerate(pos)})
    for (a, i, c), v in m.hold.items():
        m.model.AddHint(v, 1 if held.get((a, i)) == c else 0)


def apply(m: SubModel, solver: cp_model.CpSolver, s: RosterState) -> None:
    """Put the solution's shifts into ``s``: each agent's own channels where the model holds them, else the pool's counts shared."""
    left = {k: solver.Value(z) for k, z in m.z.items()}
    held = {(a, i): c for (a, i, c), v in m.hold.items() if solver.BooleanValue(v)}
    chosen = sorted((a, t) for (a, t), v in m.x.items() if solver.BooleanValue(v))
    for a, t in chosen:
        pi = s.state[a].pool
        idx = s.pools[pi].work[t]
        if any((a, int(i)) in held for i in idx):
            s.add(a, t, np.array([held.get((a, int(i)), -1) for i in idx], dtype=np.int64))
            continue
        chan = np.full(len(idx), -1, dtype=np.int64)
        for j, i in enumerate(idx):
            for c in s.skill_idx[pi]:
                key = (pi, int(i), int(c))
                if left.get(key, 0) > 0:
                    left[key] -= 1
                    chan[j] = c
                    break
        s.add(a, t, chan)
