"""Hard rule: where breaks and lunch go in a shift, and what of the shift is paid.

A shift of ``L`` hours has ``ceil(L / break_every_h) - 1`` pauses spread
evenly over it, the middle one being the lunch on shifts of
``lunch_from_shift_h`` or more; none in the first ``earliest_break_after_h``
or the last ``latest_break_before_end_h`` hours; each on the roster grid
from the shift's start. Each shift comes in ``BREAK_PLACEMENTS`` variants
whose pauses are one grid step apart, so that a team starting together need
not pause together; the solver chooses the variant.

The templates are built from :func:`pauses_for` (so every shift the solver
offers keeps the rule); :func:`violations` checks any roster's pauses are one
of the placements it allows.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence

import pandas as pd

from roster.rostering.rules.base import Pause, ShiftRecord, Violation, minutes
from roster.schema import BreakRules, LabourRules

BREAKS = "breaks and lunch"

#: the family's rules, as violations name them
RULES = (BREAKS,)

#: break placements offered per shift start and length (pauses shifted by one grid step each)
BREAK_PLACEMENTS = 2


def pauses_for(start: pd.Timestamp, length_h: float, rules: BreakRules, stagger: int, step_min: int) -> tuple[Pause, ...]:
    """Breaks and lunch of a shift starting at ``start`` (UTC) lasting ``length_h`` hours.

    ``stagger`` (0 .. ``BREAK_PLACEMENTS - 1``) picks the placement;
    ``step_min`` is the roster grid in minutes.
    """
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
        dur_min = rules.lunch_min if kind == "lunch" else rules.break_min
        if dur_min <= 0:
            continue
        dur = pd.Timedelta(minutes=dur_min)
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


def break_window(shift_start: pd.Timestamp, shift_end: pd.Timestamp, duration: pd.Timedelta,
                 rules: BreakRules) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The earliest and latest start (UTC) the break rules' window allows a pause of ``duration`` in a shift.

    No pause in the shift's first ``earliest_break_after_h`` hours nor ending within its last
    ``latest_break_before_end_h`` hours (the window :func:`pauses_for` places pauses in; intraday moves keep to it).
    """
    lo = shift_start + pd.Timedelta(hours=rules.earliest_break_after_h)
    hi = shift_end - pd.Timedelta(hours=rules.latest_break_before_end_h) - duration
    return lo, hi


def paid_minutes(length_h: float, pauses: Sequence[Pause], rules: BreakRules) -> int:
    """Paid minutes of a shift of ``length_h`` hours with these pauses (lunch unpaid unless ``lunch_paid``)."""
    unpaid = 0
    if not rules.lunch_paid:
        unpaid = sum(int((p.end - p.start) / pd.Timedelta(minutes=1)) for p in pauses if p.kind == "lunch")
    return minutes(length_h) - unpaid


def violations(agent_id: str, rules: LabourRules, shifts: Sequence[ShiftRecord],
               loose: Mapping[str, Sequence[Pause]] | None = None, *, interval_min: int) -> list[Violation]:
    """Every shift's breaks and lunch are one of the placements the break rules allow, inside the shift.

    ``loose`` holds pauses on local dates (ISO strings) without a shift;
    ``interval_min`` is the roster grid the pauses are placed on.
    """
    out: list[Violation] = []
    for s in shifts:
        day = str(s.local_date)
        for p in s.pauses:
            if p.start < s.start or p.end > s.end:
                out.append(Violation(BREAKS, agent_id, day, f"{p.kind} outside the shift"))
        got = sorted((p.kind, p.start, p.end) for p in s.pauses)
        if not any(got == sorted((p.kind, p.start, p.end) for p in pauses_for(s.start, s.length_h, rules.breaks, stagger, interval_min))
                   for stagger in range(BREAK_PLACEMENTS)):
            out.append(Violation(BREAKS, agent_id, day, f"breaks and lunch are not where the break rules put them ({len(got)} pause(s) found)"))
    for day, ps in (loose or {}).items():
        for p in ps:
            out.append(Violation(BREAKS, agent_id, day, f"{p.kind} without a shift"))
    return out
