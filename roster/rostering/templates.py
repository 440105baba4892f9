"""Shift templates: every shift an agent may work, built from the rules.

A template is one possible shift for one agent on one local day: a start the
site clock offers within the agent's start window, with a length (or shift
type) the contract allows (:mod:`roster.rostering.rules.shifts`), and its
breaks and lunch where the break rules put them, in each of the
``BREAK_PLACEMENTS`` variants (:mod:`roster.rostering.rules.breaks`).

Everything is in UTC here; a local start that does not exist or is
ambiguous at a daylight-saving change is not offered, and a shift that
spans the change has its true length in UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from roster.rostering.rules.base import Pause
from roster.rostering.rules.breaks import BREAK_PLACEMENTS, paid_minutes, pauses_for
from roster.rostering.rules.shifts import contract_shifts, overlaps_time_off
from roster.schema import Contract, LabourRules


@dataclass(frozen=True)
class Template:
    """One shift an agent may work: local day, UTC span, paid minutes and pauses."""

    day_index: int  # local day within the roster (0 = week_start)
    local_date: dt.date
    start: pd.Timestamp  # UTC
    end: pd.Timestamp  # UTC
    length_h: float
    paid_min: int
    pauses: tuple[Pause, ...]
    stagger: int = 0  # which of the break placements (0 .. BREAK_PLACEMENTS - 1)


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
    first_day: int = 0,
) -> list[Template]:
    """Every shift of a contract and start window at a site, in ``days`` local days from ``week_start``.

    Each start on the ``shift_start_step_min`` grid of the site clock (local
    time) and each allowed length (or each of the contract's fixed shift
    types, see :func:`roster.rostering.rules.shifts.contract_shifts`) comes in ``BREAK_PLACEMENTS`` variants that
    differ in where the breaks and lunch fall, so that the solver can stagger
    a team's pauses. Starts that do not exist in local time (the skipped hour
    of a daylight-saving change) or that are ambiguous are not offered.
    Pauses are placed on the roster grid's ``step_min``-minute steps.

    The days before ``first_day`` are *boundary days* of the week before the
    roster (:mod:`roster.rostering.continuity`): only their shifts that reach
    into ``span`` (UTC) are offered. On the other days a shift starts in ``span``.
    """
    out: list[Template] = []
    for d, day, start, length_h in contract_shifts(site_tz, contract, earliest, latest, rules.shift_start_step_min, week_start, days):
        end = start + pd.Timedelta(hours=length_h)
        if d < first_day:
            if end <= span[0] or start >= span[1]:
                continue
        elif start < span[0] or start >= span[1]:
            continue
        seen = set()
        for stagger in range(BREAK_PLACEMENTS):
            pauses = pauses_for(start, length_h, rules.breaks, stagger, step_min)
            key = tuple((p.kind, p.start) for p in pauses)
            if key in seen:  # short shifts without pauses have one variant
                continue
            seen.add(key)
            out.append(Template(d, day, start, end, length_h, paid_minutes(length_h, pauses, rules.breaks), pauses, stagger))
    return out


def blocked(t: Template, off: list[tuple[pd.Timestamp, pd.Timestamp]]) -> bool:
    """Whether the shift overlaps any of the periods ``off`` (UTC)."""
    return overlaps_time_off(t.start, t.end, off)
