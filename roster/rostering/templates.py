"""Shift templates: where a shift may start, how long it is, where its breaks go.

A template is one possible shift for one agent on one local day: a start on
the ``shift_start_step_min`` grid of the agent's site clock, between the
agent's (or contract's) earliest and latest start, with a length the contract
allows. Its pauses follow the break rules: a shift of ``L`` hours has
``ceil(L / break_every_h) - 1`` pauses spread evenly over it, the middle one
being the lunch on shifts of ``lunch_from_shift_h`` or more; none in the first
``earliest_break_after_h`` or the last ``latest_break_before_end_h`` hours.
Each shift comes in ``BREAK_PLACEMENTS`` variants whose pauses are one grid
step apart, so that a team starting together need not pause together; the
solver chooses the variant.

Everything is converted to UTC here; a local start that does not exist (the
skipped hour of a daylight-saving change) is not offered, and a shift that
spans the change has its true length in UTC.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass

import pandas as pd

from roster.schema import Agent, BreakRules, Contract, LabourRules, TimeOff

#: break placements offered per shift start and length (pauses shifted by one grid step each)
BREAK_PLACEMENTS = 2


@dataclass(frozen=True)
class Pause:
    kind: str  # "break" | "lunch"
    start: pd.Timestamp  # UTC
    end: pd.Timestamp


@dataclass(frozen=True)
class Template:
    """One shift an agent may work: local day, UTC span, paid hours and pauses."""

    day_index: int  # local day within the roster (0 = week_start)
    local_date: dt.date
    start: pd.Timestamp  # UTC
    end: pd.Timestamp  # UTC
    length_h: float
    paid_h: float
    pauses: tuple[Pause, ...]
    stagger: int = 0  # which of the break placements (0 .. BREAK_PLACEMENTS - 1)


def pauses_for(start: pd.Timestamp, length_h: float, rules: BreakRules, stagger: int, step_min: int) -> tuple[Pause, ...]:
    """Breaks and lunch of a shift starting at ``start`` (UTC) lasting ``length_h`` hours."""
    return tuple(Pause(kind, start + a, start + b) for kind, a, b in _pause_offsets(length_h, rules, stagger, step_min))


@functools.lru_cache(maxsize=4096)
def _pause_offsets(length_h: float, rules: BreakRules, stagger: int, step_min: int) -> tuple[tuple[str, pd.Timedelta, pd.Timedelta], ...]:
    """Pauses as offsets from the shift start (they depend only on the length and the rules)."""
    start = pd.Timestamp("2000-01-01T00:00Z")
    return tuple((p.kind, p.start - start, p.end - start) for p in _place_pauses(start, length_h, rules, stagger, step_min))


def _place_pauses(start: pd.Timestamp, length_h: float, rules: BreakRules, stagger: int, step_min: int) -> tuple[Pause, ...]:
    count = max(0, math.ceil(length_h / rules.break_every_h - 1e-9) - 1)
    if count == 0:
        return ()
    lunch_at = count // 2 if length_h >= rules.lunch_from_shift_h and rules.lunch_min > 0 else None
    step = pd.Timedelta(minutes=step_min)
    lo = start + pd.Timedelta(hours=rules.earliest_break_after_h)
    end = start + pd.Timedelta(hours=length_h)
    out = []
    for j in range(count):
        kind = "lunch" if j == lunch_at else "break"
        minutes = rules.lunch_min if kind == "lunch" else rules.break_min
        if minutes <= 0:
            continue
        dur = pd.Timedelta(minutes=minutes)
        hi = end - pd.Timedelta(hours=rules.latest_break_before_end_h) - dur
        at = start + pd.Timedelta(hours=length_h * (j + 1) / (count + 1)) - dur / 2
        at = start + ((at - start) // step) * step + stagger * step
        at = min(max(at, lo), hi)
        at = start + math.ceil((at - start) / step) * step if (at - start) % step else at
        if at < start or at + dur > end:
            continue
        out.append(Pause(kind, at, at + dur))
    # keep pauses apart: drop one that would overlap the previous
    kept: list[Pause] = []
    for p in sorted(out, key=lambda p: p.start):
        if kept and p.start < kept[-1].end:
            continue
        kept.append(p)
    return tuple(kept)


def paid_hours(length_h: float, pauses: tuple[Pause, ...], rules: BreakRules) -> float:
    unpaid = 0.0
    if not rules.lunch_paid:
        unpaid = sum((p.end - p.start).total_seconds() / 3600 for p in pauses if p.kind == "lunch")
    return length_h - unpaid


def start_window(agent: Agent, contract: Contract) -> tuple[dt.time, dt.time]:
    return agent.earliest_start or contract.earliest_start, agent.latest_start or contract.latest_start


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
            local = pd.Timestamp(dt.datetime.combine(day, dt.time(minute // 60, minute % 60)))
            try:
                start = local.tz_localize(site_tz, nonexistent="raise", ambiguous="raise").tz_convert("UTC")
            except Exception:  # skipped or repeated hour at a DST change: not offered
                continue
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


def available_days(agent: Agent, rules: LabourRules, week_start: dt.date, days: int, time_off: list[TimeOff]) -> set[int]:
    """Local days (indices from ``week_start``) on which the agent has at least one shift not blocked by time off."""
    contract = rules.contracts[agent.contract]
    earliest, latest = start_window(agent, contract)
    off = time_off_spans(time_off, agent.agent_id)
    out = set()
    for d, _, start, length_h in contract_shifts(agent.site_tz, contract, earliest, latest, rules.shift_start_step_min, week_start, days):
        if d not in out and not any(start < b and start + pd.Timedelta(hours=length_h) > a for a, b in off):
            out.add(d)
    return out


def prorated_min_q(min_week_h: float, available_days: int) -> int:
    """A week's contract minimum in paid quarter hours, prorated by the days the agent can work in it.

    ``min_week_h`` x available days / 7, rounded down to a quarter hour; 0
    with no day available. The one formula the solver enforces
    (:func:`roster.rostering.instance.agent_limits`), the validator checks and the
    infeasibility explanation quotes.
    """
    return int(math.floor(min_week_h * 4 * min(available_days, 7) / 7)) if available_days else 0


def profile_templates(
    site_tz: str,
    contract: Contract,
    earliest: dt.time,
    latest: dt.time,
    rules: LabourRules,
    week_start: dt.date,
    days: int,
    span: tuple[pd.Timestamp, pd.Timestamp],
    step_min: int,
) -> list[Template]:
    """Every shift of a contract and start window at a site, in ``days`` local days from ``week_start``.

    Each start on the ``shift_start_step_min`` grid of the site clock (local
    time) and each allowed length (or each of the contract's fixed shift
    types, see :func:`contract_shifts`) comes in ``BREAK_PLACEMENTS`` variants that
    differ in where the breaks and lunch fall, so that the solver can stagger
    a team's pauses. Starts that do not exist in local time (the skipped hour
    of a daylight-saving change) or that are ambiguous are not offered.
    Pauses are placed on the roster grid's ``step_min``-minute steps.
    """
    out: list[Template] = []
    for d, day, start, length_h in contract_shifts(site_tz, contract, earliest, latest, rules.shift_start_step_min, week_start, days):
        if start < span[0] or start >= span[1]:
            continue
        end = start + pd.Timedelta(hours=length_h)
        seen = set()
        for stagger in range(BREAK_PLACEMENTS):
            pauses = pauses_for(start, length_h, rules.breaks, stagger, step_min)
            key = tuple((p.kind, p.start) for p in pauses)
            if key in seen:  # short shifts without pauses have one variant
                continue
            seen.add(key)
            out.append(Template(d, day, start, end, length_h, paid_hours(length_h, pauses, rules.breaks), pauses, stagger))
    return out


def blocked(t: Template, off: list[tuple[pd.Timestamp, pd.Timestamp]]) -> bool:
    """Whether the shift overlaps any of the periods ``off`` (UTC)."""
    return any(t.start < b and t.end > a for a, b in off)


def time_off_spans(time_off: list[TimeOff], agent_id: str) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    return [(pd.Timestamp(t.start), pd.Timestamp(t.end)) for t in time_off if t.agent_id == agent_id]
