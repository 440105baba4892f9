"""Soft rules of fairness: weekend days beyond one a week, late shifts beyond two a week.

Each agent works up to ``FREE_WEEKEND_DAYS`` weekend days (Saturday or
Sunday, site local date) and ``FREE_LATE_SHIFTS`` late shifts (starting at or
after ``late_start_h``, site local time, from the solver config) a local week
at no cost; each one beyond costs ``weekend_weight`` / ``late_weight``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np

from roster.rostering.rules.base import AgentWeek, Penalty, SearchState
from roster.rostering.rules.weekly import week_vars
from roster.rostering.variables import SubModel

#: weekend days a week an agent works at no cost
FREE_WEEKEND_DAYS = 1
#: late shifts a week an agent works at no cost
FREE_LATE_SHIFTS = 2


def weekend_excess(weekend_days):
    """Weekend days beyond the free ones, given the weekend days worked in a week (works on arrays)."""
    if isinstance(weekend_days, np.ndarray):
        return np.maximum(0, weekend_days - FREE_WEEKEND_DAYS)
    return max(0, weekend_days - FREE_WEEKEND_DAYS)


def late_excess(late_shifts):
    """Late shifts beyond the free ones, given the late shifts worked in a week (works on arrays)."""
    if isinstance(late_shifts, np.ndarray):
        return np.maximum(0, late_shifts - FREE_LATE_SHIFTS)
    return max(0, late_shifts - FREE_LATE_SHIFTS)


def is_weekend(local_date: dt.date) -> bool:
    """A Saturday or Sunday."""
    return local_date.weekday() >= 5


def is_late(local_start: dt.datetime, late_start_h: float) -> bool:
    """A shift starting (site local time) at or after ``late_start_h``."""
    return local_start.hour + local_start.minute / 60 >= late_start_h


def count_weekend(weeks: Iterable[AgentWeek]) -> int:
    """Weekend days beyond the free ones, over agent-weeks."""
    return int(sum(weekend_excess(w.weekend) for w in weeks))


def count_late(weeks: Iterable[AgentWeek]) -> int:
    """Late shifts beyond the free ones, over agent-weeks."""
    return int(sum(late_excess(w.late) for w in weeks))


WEEKEND = Penalty("weekend days beyond one a week", "agent-days", "weekend_weight", count_weekend)
LATE = Penalty("late shifts beyond two a week", "shifts", "late_weight", count_late)


def add_fairness(m: SubModel, s: SearchState, free_agents) -> tuple[list, list]:
    """Weekend days and late shifts beyond the free ones a week (fixed days count too).

    Returns the terms ``(weight, excess)`` of :data:`WEEKEND` and :data:`LATE`.
    """
    cfg = s.config
    weekend_terms, late_terms = [], []
    for a in free_agents:
        st = s.state[a]
        p = s.pools[st.pool]
        for w in range(s.weeks):
            fixed = [t for d, t in st.shifts.items() if d // 7 == w]
            week = week_vars(m, a, w)
            wk = [v for t, v in week if p.weekend[t]]
            lt = [v for t, v in week if p.late[t]]
            n_wk = sum(bool(p.weekend[t]) for t in fixed)
            n_lt = sum(bool(p.late[t]) for t in fixed)
            if wk and cfg.weekend_weight and n_wk + len(wk) > FREE_WEEKEND_DAYS:
                e = m.model.NewIntVar(0, len(wk) + n_wk, f"weekend_excess_{a}_{w}")
                m.model.Add(e >= sum(wk) + n_wk - FREE_WEEKEND_DAYS)
                weekend_terms.append((cfg.weekend_weight, e))
            if lt and cfg.late_weight and n_lt + len(lt) > FREE_LATE_SHIFTS:
                e = m.model.NewIntVar(0, len(lt) + n_lt, f"late_excess_{a}_{w}")
                m.model.Add(e >= sum(lt) + n_lt - FREE_LATE_SHIFTS)
                late_terms.append((cfg.late_weight, e))
    return weekend_terms, late_terms
