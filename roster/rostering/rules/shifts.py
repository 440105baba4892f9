"""Hard rules of single shifts: when they may start, how long they are, who may work them, one a day, rest between.

* **start window** - a shift starts on the ``shift_start_step_min`` grid of
  the site clock (local time), between the agent's (or contract's) earliest
  and latest start. A local start that does not exist (the skipped hour of a
  daylight-saving change) or is ambiguous (the repeated hour) is not offered
  (:func:`shift_starts`).
* **shift length** - one of the contract's ``shift_lengths_h`` (true length
  in UTC, so a shift across a daylight-saving change keeps it).
* **shift type** - when the contract has fixed shift types (a shift
  templates file), exactly one of those.
* **skills** - an agent serves only channels it has the skill for.
* **time off** - no shift overlaps the agent's time off.
* **one shift per local day** - at most one shift per agent and local day,
  and it belongs to the local date it starts on.
* **minimum rest** - at least ``min_rest_h`` between the end of one shift
  and the start of the next, for ANY two shifts of an agent (not only those
  of adjacent days: a long rest or a late shift reaches further), and
  shifts fixed outside the roster (a previous roster's) alike
  (:func:`rest_kept`, :func:`rest_mask`, :func:`rest_clashes`).
* **known agent** - every rostered agent is in the agents file.

Start windows, lengths, shift types, skills and time off hold by
construction of the shift templates (:mod:`roster.rostering.templates`); the
CP-SAT model adds one shift per day and rest (:func:`add_one_shift_per_day`,
:func:`add_rest`); :func:`violations` checks them all on any roster.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from roster.rostering.rules.base import SearchState, ShiftRecord, Violation
from roster.rostering.variables import SubModel
from roster.schema import Agent, Contract, LabourRules, TimeOff

START_WINDOW = "start window"
SHIFT_LENGTH = "shift length"
SHIFT_TYPE = "shift type"
SKILLS = "skills"
TIME_OFF = "time off"
ONE_SHIFT_PER_DAY = "one shift per local day"
MIN_REST = "minimum rest"
KNOWN_AGENT = "known agent"

#: the family's rules, as violations name them
RULES = (START_WINDOW, SHIFT_LENGTH, SHIFT_TYPE, SKILLS, TIME_OFF, ONE_SHIFT_PER_DAY, MIN_REST, KNOWN_AGENT)

#: two lengths in hours closer than this are the same length
LENGTH_TOL_H = 1e-6


# --------------------------------------------------------------------------- #
# start windows and the site clock
# --------------------------------------------------------------------------- #
def start_window(agent: Agent, contract: Contract) -> tuple[dt.time, dt.time]:
    """Earliest and latest local start of the agent's shifts: its own, else its contract's."""
    return agent.earliest_start or contract.earliest_start, agent.latest_start or contract.latest_start


def local_start_utc(day: dt.date, minute: int, site_tz: str) -> pd.Timestamp | None:
    """The UTC instant of local time ``minute`` (minutes after midnight) on ``day`` at the site.

    None when that local time does not exist (the skipped hour of a
    daylight-saving change) or is ambiguous (the repeated hour): such a start
    is not offered.
    """
    local = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=ZoneInfo(site_tz))
    if local.utcoffset() != local.replace(fold=1).utcoffset():  # in a gap or a fold
        return None
    return pd.Timestamp(local).tz_convert("UTC")


def is_offered_start(start: pd.Timestamp, site_tz: str, step_min: int) -> bool:
    """Whether a shift starting at ``start`` (UTC) starts on the site clock's grid of ``step_min`` minutes at an unambiguous local time."""
    local = start.tz_convert(site_tz)
    minute = local.hour * 60 + local.minute
    if local.second or local.microsecond or minute % step_min:
        return False
    return local_start_utc(local.date(), minute, site_tz) == start


@functools.lru_cache(maxsize=256)
def shift_starts(site_tz: str, earliest: dt.time, latest: dt.time, step_min: int, week_start: dt.date, days: int) -> tuple[tuple[int, dt.date, pd.Timestamp], ...]:
    """``(day index, local date, UTC start)`` of every start on the site clock's grid between ``earliest`` and ``latest``.

    Starts that do not exist in local time (the skipped hour of a
    daylight-saving change) or are ambiguous (the repeated hour) are left out.
    """
    out = []
    first = earliest.hour * 60 + earliest.minute
    last = latest.hour * 60 + latest.minute
    first = int(math.ceil(first / step_min) * step_min)
    for d in range(days):
        day = week_start + dt.timedelta(days=d)
        for minute in range(first, last + 1, step_min):
            start = local_start_utc(day, minute, site_tz)
            if start is not None:
                out.append((d, day, start))
    return tuple(out)


def contract_shifts(site_tz: str, contract: Contract, earliest: dt.time, latest: dt.time, step_min: int,
                    week_start: dt.date, days: int) -> list[tuple[int, dt.date, pd.Timestamp, float]]:
    """``(day index, local date, UTC start, length in hours)`` of every shift a contract offers at a site.

    Every start on the grid between ``earliest`` and ``latest`` with every
    allowed length; or, when the contract has fixed shift types (a shift
    templates file), exactly those whose start falls in the window.
    """
    if not contract.shifts:
        return [(d, day, start, length_h)
                for d, day, start in shift_starts(site_tz, earliest, latest, step_min, week_start, days)
                for length_h in contract.shift_lengths_h]
    out = []
    for st in contract.shifts:
        if not earliest <= st.start <= latest:
            continue
        for d, day, start in shift_starts(site_tz, st.start, st.start, 1, week_start, days):
            out.append((d, day, start, st.length_h))
    return sorted(out, key=lambda x: (x[0], x[2], x[3]))


# --------------------------------------------------------------------------- #
# time off and rest
# --------------------------------------------------------------------------- #
def time_off_spans(time_off: Sequence[TimeOff], agent_id: str) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The agent's periods off, UTC."""
    return [(pd.Timestamp(t.start), pd.Timestamp(t.end)) for t in time_off if t.agent_id == agent_id]


def overlaps_time_off(start: pd.Timestamp, end: pd.Timestamp, off: Sequence[tuple[pd.Timestamp, pd.Timestamp]]) -> bool:
    """Whether the span ``start``-``end`` (UTC) overlaps any of the periods ``off``."""
    return any(start < b and end > a for a, b in off)


def rest_ns(rules: LabourRules) -> int:
    """The minimum rest between two shifts, in nanoseconds."""
    return pd.Timedelta(hours=rules.min_rest_h).value


def rested(prev_end, next_start, rest):
    """Whether a shift starting at ``next_start`` leaves ``rest`` after one ending at ``prev_end``.

    Works on timestamps with a Timedelta rest and on (arrays of) nanosecond
    counts with a rest in nanoseconds alike.
    """
    return next_start >= prev_end + rest


def clear_of_earlier(earlier: Sequence[ShiftRecord], start_ns: np.ndarray, end_ns: np.ndarray, rest: int) -> np.ndarray:
    """Per candidate shift (UTC spans in nanoseconds): whether it keeps ``rest`` (ns) from every one of the ``earlier`` shifts.

    The rest rule across a roster's boundary: the shifts an agent worked
    before the roster (a previous roster's, fixed) enter the search as data,
    and a shift that would start within ``min_rest_h`` of one's end (or end
    within it of one's start) is never offered (:func:`rest_mask`).
    """
    return rest_mask(start_ns, end_ns, [(e.start.value, e.end.value) for e in earlier], rest)


def rest_after_earlier(agent: Agent, rules: LabourRules, earlier: Sequence[ShiftRecord], shifts: Sequence[ShiftRecord]) -> list[Violation]:
    """Minimum rest between each of the agent's ``earlier`` shifts (before the roster) and each of the roster's ``shifts``."""
    rest = pd.Timedelta(hours=rules.min_rest_h)
    out = []
    for s in shifts:
        for e in earlier:
            if not rest_kept(s.start, s.end, e.start, e.end, rest):
                gap_h = (s.start - e.end).total_seconds() / 3600
                out.append(Violation(MIN_REST, agent.agent_id, str(s.local_date),
                                     f"{gap_h:.1f} h rest after the previous roster's shift of {e.local_date}, rules need {rules.min_rest_h:g} h"))
    return out


def rest_kept(start, end, other_start, other_end, rest):
    """Whether two shifts (``start``-``end`` and ``other_start``-``other_end``, UTC) leave ``rest`` between them, whichever comes first.

    The condition of the minimum rest rule, between ANY two shifts of an
    agent (not only those of adjacent days): one ends at least ``rest``
    before the other starts. Works on timestamps with a Timedelta rest and
    on (arrays of) nanosecond counts with a rest in nanoseconds alike.
    """
    return rested(end, other_start, rest) | rested(other_end, start, rest)


def rest_mask(start_ns: np.ndarray, end_ns: np.ndarray, others, rest: int) -> np.ndarray:
    """Per candidate shift (UTC start and end in nanoseconds): whether it keeps the rest with every one of ``others``.

    ``others`` is every other shift of the agent as ``(start_ns, end_ns)``:
    its shifts in the roster and any fixed shifts outside it (a previous
    roster's), in any order. ``rest`` in nanoseconds (:func:`rest_ns`).
    """
    ok = np.ones(len(start_ns), dtype=bool)
    for a, b in others:
        ok &= rest_kept(start_ns, end_ns, a, b, rest)
    return ok


def rest_clashes(shifts: Sequence[ShiftRecord], rest: pd.Timedelta) -> list[tuple[ShiftRecord, ShiftRecord]]:
    """Every pair ``(earlier, later)`` of one agent's shifts (in any order) closer than ``rest``: the pure count of the rule.

    Pairs are compared by start; a later shift clashes with an earlier one
    when it starts before the earlier one's end plus the rest (an overlap
    included). A shift fixed outside the roster (a previous roster's) is
    checked the same way when it is in the list.
    """
    order = sorted(shifts, key=lambda s: (s.start, s.end))
    out = []
    for j, later in enumerate(order):
        for earlier in order[:j]:
            if not rested(earlier.end, later.start, rest):
                out.append((earlier, later))
    return out


# --------------------------------------------------------------------------- #
# CP-SAT
# --------------------------------------------------------------------------- #
def rest_with_fixed(s: SearchState, a: int, free_days) -> np.ndarray:
    """Per template of agent ``a``'s pool: whether it keeps the rest with the agent's fixed shifts.

    Fixed are its shifts on days outside ``free_days``; a template that
    clashes with one is never possible, so the model leaves it out. (A
    previous roster's shifts are kept to before: templates that clash with
    them are not in the pool's allowed ones, :func:`clear_of_earlier`.)
    """
    p = s.pools[s.state[a].pool]
    return rest_mask(p.start_ns, p.end_ns, s.rest_spans(a, skip_days=free_days), s.rest_ns)


def add_one_shift_per_day(m: SubModel) -> None:
    """At most one shift per agent and local day; ``work[a, d]`` says whether there is one."""
    for key, tvs in m.by_day.items():
        w = m.model.NewBoolVar(f"work_{key[0]}_{key[1]}")
        m.model.Add(sum(v for _, v in tvs) == w)
        m.work[key] = w


def add_rest(m: SubModel, s: SearchState, free_agents, free_days) -> None:
    """At least ``min_rest_h`` between any two shifts of free days (not only adjacent days).

    For each pair of free days ``d < e`` whose shifts can clash, and each
    start time ``x`` of day ``e``'s shifts: at most one of the shifts of day
    ``d`` ending less than ``min_rest_h`` before ``x`` and the shifts of day
    ``e`` starting by ``x`` (a clique of clashing shifts; together these say
    that no clashing pair is worked). Shifts that clash with a fixed shift
    (another day's, :func:`rest_with_fixed`, or a previous roster's,
    :func:`clear_of_earlier`) are left out of the model altogether.
    """
    for a in free_agents:
        p = s.pools[s.state[a].pool]
        days = sorted(d for d in free_days if m.by_day.get((a, d)))
        first_start = {d: min(p.start_ns[t] for t, _ in m.by_day[(a, d)]) for d in days}
        last_end = {d: max(p.end_ns[t] for t, _ in m.by_day[(a, d)]) for d in days}
        for i, d in enumerate(days):
            today = [v for _, v in m.by_day[(a, d)]]
            ends = np.array([p.end_ns[t] for t, _ in m.by_day[(a, d)]])
            for e in days[i + 1:]:
                if rested(last_end[d], first_start[e], s.rest_ns):
                    continue  # no shift of day e can clash with one of day d
                later = m.by_day[(a, e)]
                starts = np.array([p.start_ns[t] for t, _ in later])
                order = np.argsort(starts, kind="stable")
                by_start, sorted_starts = [later[j][1] for j in order], starts[order]
                for x in np.unique(starts):
                    late = np.flatnonzero(~rested(ends, x, s.rest_ns))
                    if not len(late):
                        continue
                    early = by_start[: int(np.searchsorted(sorted_starts, x, side="right"))]
                    m.model.AddAtMostOne([today[j] for j in late] + early)


# --------------------------------------------------------------------------- #
# the check on any roster
# --------------------------------------------------------------------------- #
def violations(agent: Agent, rules: LabourRules, shifts: Sequence[ShiftRecord],
               off: Sequence[tuple[pd.Timestamp, pd.Timestamp]]) -> list[Violation]:
    """Every broken rule of this family in one agent's shifts (sorted by start).

    ``off`` are the agent's periods off (UTC, see :func:`time_off_spans`).
    """
    out: list[Violation] = []
    aid = agent.agent_id
    contract = rules.contracts[agent.contract]
    used = set().union(*(s.channels for s in shifts)) if shifts else set()
    bad_skill = sorted(used - set(agent.skills))
    if bad_skill:
        out.append(Violation(SKILLS, aid, "", f"works {', '.join(bad_skill)} without the skill"))
    earliest, latest = start_window(agent, contract)
    for s in shifts:
        day = str(s.local_date)
        length = s.length_h
        if s.pieces > 1:
            out.append(Violation(ONE_SHIFT_PER_DAY, aid, day, "the shift's rows do not follow on from each other (two shifts or a gap)"))
        if not any(abs(length - h) < LENGTH_TOL_H for h in contract.shift_lengths_h):
            out.append(Violation(SHIFT_LENGTH, aid, day, f"shift of {length:g} h; contract allows {contract.shift_lengths_h}"))
        local = s.start.tz_convert(agent.site_tz)
        if local.date() != s.local_date:
            out.append(Violation(ONE_SHIFT_PER_DAY, aid, day, f"shift starts on local date {local.date()}"))
        if not earliest <= local.time() <= latest:
            out.append(Violation(START_WINDOW, aid, day, f"starts {local:%H:%M} local, outside {earliest:%H:%M}-{latest:%H:%M}"))
        step = 1 if contract.shifts else rules.shift_start_step_min
        if not is_offered_start(s.start, agent.site_tz, step):
            out.append(Violation(START_WINDOW, aid, day, f"starts {local:%H:%M} local ({local:%Z}), not a start the site clock offers "
                                 f"(off the {step}-minute grid, or in the repeated hour of a daylight-saving change)"))
        if contract.shifts and not any(st.start == local.time() and abs(st.length_h - length) < LENGTH_TOL_H for st in contract.shifts):
            out.append(Violation(SHIFT_TYPE, aid, day, f"a {length:g} h shift from {local:%H:%M} local is none of the contract's shift types "
                                 f"({', '.join(f'{st.name} {st.start:%H:%M} {st.length_h:g} h' for st in contract.shifts)})"))
        for a, b in off:
            if overlaps_time_off(s.start, s.end, [(a, b)]):
                out.append(Violation(TIME_OFF, aid, day, f"shift overlaps time off {a:%Y-%m-%d %H:%M}Z-{b:%Y-%m-%d %H:%M}Z"))
    for prev, s in rest_clashes(shifts, pd.Timedelta(hours=rules.min_rest_h)):
        gap_h = (s.start - prev.end).total_seconds() / 3600
        out.append(Violation(MIN_REST, aid, str(s.local_date),
                             f"{gap_h:.1f} h rest, rules need {rules.min_rest_h:g} h (after the shift of {prev.local_date})"))
    return out
