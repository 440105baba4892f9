"""Hard rules per local week: working days, paid hours, and the longest run of working days.

* **days per week** - at most :func:`max_days_per_week` working days a local
  week: the contract's ``max_days_per_week``, the rules' ``max_days_per_week``
  and ``7 - min_days_off_per_week``, whichever is least, plus the contract's
  ``overtime_days_per_week`` (an extra day worked as overtime).
* **weekly hours** - paid time a week within the contract: at most
  ``max_week_h``, and at least ``min_week_h`` prorated by the days the agent
  can work that week (:func:`prorated_minimum_min`, :func:`open_days`).
* **consecutive days** - at most ``max_consecutive_days`` working days in a
  row (across weeks too).

Paid time is counted in minutes. The CP-SAT model adds
:func:`add_days_per_week`, :func:`add_weekly_hours` and
:func:`add_consecutive_days`; :func:`violations` checks any roster.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from roster.rostering.rules.base import SearchState, ShiftRecord, Violation, minutes
from roster.rostering.rules.shifts import contract_shifts, start_window, time_off_spans
from roster.rostering.variables import SubModel
from roster.schema import Agent, Contract, LabourRules, TimeOff

DAYS_PER_WEEK = "days per week"
WEEKLY_HOURS = "weekly hours"
CONSECUTIVE_DAYS = "consecutive days"

#: the family's rules, as violations name them
RULES = (DAYS_PER_WEEK, WEEKLY_HOURS, CONSECUTIVE_DAYS)


def max_days_per_week(contract: Contract, rules: LabourRules) -> int:
    """The most working days an agent on ``contract`` may have in a local week: the least of the limits, plus the
    contract's overtime days (an extra day worked as overtime, :data:`roster.schema.EXTRA_DAY_SUFFIX`), at most 7."""
    return min(min(contract.max_days_per_week, rules.max_days_per_week, 7 - rules.min_days_off_per_week)
               + contract.overtime_days_per_week, 7)


def prorated_minimum_min(min_week_h: float, available_days: int, step_min: int) -> int:
    """A week's contract minimum in paid minutes, prorated by the days the agent can work in it.

    ``min_week_h`` x available days / 7, rounded down to the roster grid's
    ``step_min`` minutes; 0 with no day available. The one formula the solver
    enforces (:func:`roster.rostering.instance.agent_limits`), the validator
    checks and the infeasibility explanation quotes.
    """
    if not available_days:
        return 0
    return minutes(min_week_h) * min(available_days, 7) // (7 * step_min) * step_min


def open_days(day, open_) -> set[int]:
    """Local days on which the agent can work at least one shift: its *available* days.

    ``day`` is each offered shift's local day (index from the roster's first
    day), ``open_`` whether the agent may work it (its time off allows it).
    The one count of available days: the solver's limits take it from a
    pool's templates (:func:`roster.rostering.instance.agent_limits`), the
    validator from the contract's shifts (:func:`available_days`).
    """
    day = np.asarray(day, dtype=np.int64)
    return set(np.unique(day[np.asarray(open_, dtype=bool)]).tolist())


def days_in_week(days: Iterable[int], w: int) -> int:
    """How many of the local days ``days`` (indices from the roster's first day) fall in local week ``w``."""
    return sum(1 for d in days if 7 * w <= d < 7 * w + 7)


def available_days(agent: Agent, rules: LabourRules, week_start: dt.date, days: int, time_off: Sequence[TimeOff]) -> set[int]:
    """Local days (indices from ``week_start``) on which the agent has at least one shift not blocked by time off (:func:`open_days`)."""
    contract = rules.contracts[agent.contract]
    earliest, latest = start_window(agent, contract)
    off = time_off_spans(time_off, agent.agent_id)
    offered = contract_shifts(agent.site_tz, contract, earliest, latest, rules.shift_start_step_min, week_start, days)
    day = [d for d, *_ in offered]
    if not off:
        return open_days(day, np.ones(len(day), dtype=bool))
    # the offered shifts' UTC spans in nanoseconds against every period off at once (the test of shifts.overlaps_time_off)
    length_ns = {h: pd.Timedelta(hours=h).value for h in {h for *_, h in offered}}
    start_ns = np.array([start.value for _, _, start, _ in offered], dtype=np.int64)
    end_ns = start_ns + np.array([length_ns[h] for *_, h in offered], dtype=np.int64)
    off_start = np.array([a.value for a, _ in off], dtype=np.int64)
    off_end = np.array([b.value for _, b in off], dtype=np.int64)
    hit = (start_ns[:, None] < off_end[None, :]) & (end_ns[:, None] > off_start[None, :])
    return open_days(day, ~hit.any(axis=1))


def longest_run(days: Iterable[int]) -> int:
    """The longest run of consecutive day numbers in ``days`` (0 if none)."""
    best = run = 0
    prev = None
    for d in sorted(set(days)):
        run = run + 1 if prev is not None and d == prev + 1 else 1
        best = max(best, run)
        prev = d
    return best


def run_before(shifts: Sequence[ShiftRecord], day: dt.date) -> int:
    """Working days in a row among ``shifts``' local dates that end the day before ``day`` (0 if that day is off)."""
    dates = {s.local_date for s in shifts}
    n, d = 0, day - dt.timedelta(days=1)
    while d in dates:
        n += 1
        d -= dt.timedelta(days=1)
    return n


def too_long_if_worked(worked: Sequence[bool], max_consecutive: int, run_before: int = 0) -> list[int]:
    """The days off (``worked``: per roster day) that, were they worked, would make a run longer than ``max_consecutive``.

    One pass each way: the run of working days ending the day before and the
    one starting the day after, joined by the day itself. ``run_before`` is
    the run of working days the agent's earlier shifts end with, the day
    before the first roster day (see :func:`run_before`).
    """
    n = len(worked)
    before = [0] * n  # working days in a row just before each day
    if n:
        before[0] = run_before
    after = [0] * n  # working days in a row just after each day
    for d in range(1, n):
        before[d] = before[d - 1] + 1 if worked[d - 1] else 0
    for d in range(n - 2, -1, -1):
        after[d] = after[d + 1] + 1 if worked[d + 1] else 0
    return [d for d in range(n) if not worked[d] and before[d] + 1 + after[d] > max_consecutive]


def consecutive_windows(n_days: int, max_consecutive: int) -> list[range]:
    """Every window of ``max_consecutive + 1`` roster days: none may be worked in full."""
    return [range(d0, d0 + max_consecutive + 1) for d0 in range(n_days - max_consecutive)]


# --------------------------------------------------------------------------- #
# CP-SAT
# --------------------------------------------------------------------------- #
def week_vars(m: SubModel, a: int, w: int) -> list:
    """The agent's ``(template, var)`` of local week ``w``, in template order (as in ``m.x``)."""
    return [tv for d in range(7 * w, 7 * w + 7) for tv in m.by_day.get((a, d), ())]


def add_days_per_week(m: SubModel, s: SearchState, free_agents) -> None:
    """Working days a week (the fixed days' and the free days' together) within the agent's limit."""
    for a in free_agents:
        for w in range(s.weeks):
            fixed = sum(1 for d in s.state[a].shifts if d // 7 == w)
            free = [m.work[(a, d)] for d in range(7 * w, 7 * w + 7) if (a, d) in m.work]
            if free:
                m.model.Add(sum(free) <= int(s.max_days[a, w]) - fixed)


def add_weekly_hours(m: SubModel, s: SearchState, free_agents) -> None:
    """Paid minutes a week (fixed shifts included) within the contract's maximum and prorated minimum."""
    for a in free_agents:
        p = s.pools[s.state[a].pool]
        for w in range(s.weeks):
            used = s.used_min(a, w)
            terms = [int(p.paid_min[t]) * v for t, v in week_vars(m, a, w)]
            if not terms:
                continue
            m.model.Add(sum(terms) <= int(s.max_paid_min[a, w]) - used)
            need = int(s.min_paid_min[a, w]) - used
            if need > 0:
                m.model.Add(sum(terms) >= need)


def first_window(run_before: int, max_consecutive: int) -> range:
    """The first roster days that may not all be worked after ``run_before`` working days in a row before the roster (empty if none)."""
    if run_before <= 0:
        return range(0)
    return range(0, max(max_consecutive + 1 - run_before, 1))


def add_consecutive_days(m: SubModel, s: SearchState, free_agents) -> None:
    """No window of ``max_consecutive_days + 1`` days worked in full (fixed days count, and the days worked before the roster)."""
    k = s.max_consecutive
    for a in free_agents:
        fixed = set(s.state[a].shifts)
        before = int(s.run_before[a])
        head = first_window(before, k)
        windows = consecutive_windows(s.days, k) if k < s.days else []
        if len(head):
            free = [m.work[(a, d)] for d in head if (a, d) in m.work]
            n_fixed = sum(1 for d in head if d in fixed)
            if free:
                m.model.Add(sum(free) <= max(k - before, 0) - n_fixed)
        for window in windows:
            free = [m.work[(a, d)] for d in window if (a, d) in m.work]
            n_fixed = sum(1 for d in window if d in fixed)
            if free and n_fixed + len(free) > k:
                m.model.Add(sum(free) <= k - n_fixed)


# --------------------------------------------------------------------------- #
# the check on any roster
# --------------------------------------------------------------------------- #
def consecutive_after_earlier(agent: Agent, rules: LabourRules, earlier: Sequence[ShiftRecord], shifts: Sequence[ShiftRecord]) -> list[Violation]:
    """Consecutive days across the roster's boundary: a run of the roster's days joined to the ``earlier`` shifts' that is too long.

    Reported only where the roster's own days keep the rule (their own run is
    checked by :func:`violations`).
    """
    k = rules.max_consecutive_days
    own = {s.local_date.toordinal() for s in shifts}
    if longest_run(own) > k:
        return []
    days = own | {s.local_date.toordinal() for s in earlier}
    best, run, prev, touches = 0, 0, None, False
    for d in sorted(days):
        if prev is not None and d == prev + 1:
            run += 1
        else:
            run, touches = 1, False
        touches = touches or d in own
        if touches:
            best = max(best, run)
        prev = d
    if best > k:
        return [Violation(CONSECUTIVE_DAYS, agent.agent_id, "",
                          f"{best} consecutive working days counting the previous roster's, at most {k}")]
    return []


def violations(agent: Agent, rules: LabourRules, shifts: Sequence[ShiftRecord], *, interval_min: int,
               week_start: dt.date | None = None, weeks: int = 1, available: set[int] | None = None) -> list[Violation]:
    """Every broken rule of this family in one agent's shifts.

    Weeks are counted from ``week_start`` (default: the Monday of the first
    shift). The weekly maximum is checked when the shifts carry paid time;
    the prorated minimum also needs ``week_start`` and ``available`` (the
    agent's :func:`available_days` over ``weeks`` weeks), and is checked for
    every week of the roster, worked or not.
    """
    out: list[Violation] = []
    aid = agent.agent_id
    contract = rules.contracts[agent.contract]
    has_paid = all(s.paid_min is not None for s in shifts)
    if shifts:
        first = week_start or min(s.local_date for s in shifts)
        if week_start is None:
            first = first - dt.timedelta(days=first.weekday())
        limit = max_days_per_week(contract, rules)
        max_min = minutes(contract.max_week_h)
        by_week: dict[int, list[ShiftRecord]] = {}
        for s in shifts:
            by_week.setdefault((s.local_date - first).days // 7, []).append(s)
        for w in sorted(by_week):
            ws = by_week[w]
            label = f"week {w + 1}" if w >= 0 else "the week before"  # the week before: boundary days (roster.rostering.continuity)
            if len(ws) > limit:
                out.append(Violation(DAYS_PER_WEEK, aid, label, f"{len(ws)} working days, at most {limit}"))
            paid = sum(s.paid_min for s in ws) if has_paid else 0
            if has_paid and paid > max_min:
                out.append(Violation(WEEKLY_HOURS, aid, label, f"{paid / 60:g} paid hours, contract max {contract.max_week_h:g}"))
        best = longest_run(s.local_date.toordinal() for s in shifts)
        if best > rules.max_consecutive_days:
            out.append(Violation(CONSECUTIVE_DAYS, aid, "", f"{best} consecutive working days, at most {rules.max_consecutive_days}"))
    if week_start is not None and available is not None and has_paid and contract.min_week_h > 0:
        for w in range(weeks):
            n_available = days_in_week(available, w)
            need = prorated_minimum_min(contract.min_week_h, n_available, interval_min)
            got = sum(s.paid_min for s in shifts if (s.local_date - week_start).days // 7 == w)
            if got < need:
                out.append(Violation(WEEKLY_HOURS, aid, f"week {w + 1}",
                                     f"{got / 60:g} paid hours, contract min {need / 60:g} for {n_available} available days"))
    return out
