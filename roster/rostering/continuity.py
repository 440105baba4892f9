"""Continuity across roster weeks: the week before the new one, published or not.

A roster's UTC span covers every site's local weeks (:func:`roster.rostering.weeks.roster_span`), so
it starts at the easternmost site's first local midnight. The hours before
another site's own first day - at a site west of it, the local Sunday
evening that falls in the UTC Monday morning - and a night shift of any
site's local Sunday that reaches past midnight are worked, in a real
operation, by the previous week's shifts. The search gives them to that
week, one of two ways:

* **boundary days** (no previous roster): each site also rosters the local
  days before its first roster day whose shifts reach into the span - only
  those shifts (:func:`roster.rostering.templates.profile_templates`' ``first_day``).
  They belong to the previous local week: its weekly limits apply to them,
  without its minimum (the rest of that week is not this roster's).
* **a previous roster** (a roster.csv already published, read by
  :func:`roster.roster_io.load_roster`): its shifts are *earlier shifts*,
  fixed. Those that reach into the span count as coverage; each agent's
  earlier shifts feed the rules as data: no new shift within ``min_rest_h``
  of one (:mod:`roster.rostering.rules.shifts`), and the run of working days
  they end with counts towards ``max_consecutive_days``
  (:mod:`roster.rostering.rules.weekly`). Days per week, weekly hours and
  days off are per local week from ``week_start``; a previous shift never
  falls in a new week (a previous roster whose shifts do is refused), so they
  need nothing across the boundary.

Several weeks chain the same way: a roster of ``weeks`` weeks is one search
(week 2 sees week 1), and a roster made week by week passes each week's
roster.csv as the next one's previous roster.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

import pandas as pd

from forecast.errors import Problem, Problems
from forecast.timegrid import local_midnight
from roster.roster_io import PreviousRoster
from roster.rostering.instance import Demand, Pool, make_pools
from roster.rostering.rules.base import ShiftRecord
from roster.rostering.validation import shift_records
from roster.schema import Agent, LabourRules

__all__ = ["Calendar", "EarlierShifts", "PreviousRoster", "boundary_note", "earlier_shifts", "roster_pools"]

#: The rule a previous roster must keep, as its problems name it.
PREVIOUS_ENDS_BEFORE = "previous roster ends before the new one"
#: Two shifts of one agent in the previous roster overlap.
PREVIOUS_OVERLAP = "previous shifts overlap"


@dataclass(frozen=True)
class EarlierShifts:
    """The shifts each agent worked before the roster: a previous roster, checked against the new one.

    Attributes
    ----------
    file : str
        The previous roster's file name, for messages.
    rows : DataFrame
        Its rows (the columns of :func:`roster.roster_io.load_roster`, with ``line``).
    shifts : dict
        Agent id -> its shifts (:class:`roster.rostering.rules.base.ShiftRecord`), in start order.
    last_date : date or None
        The last local date it rosters (None: no shift at all).
    """

    file: str
    rows: pd.DataFrame
    shifts: dict[str, tuple[ShiftRecord, ...]] = field(default_factory=dict)
    last_date: dt.date | None = None

    def reaching(self, span: tuple[pd.Timestamp, pd.Timestamp]) -> pd.DataFrame:
        """Its rows that overlap the UTC span ``span`` (the coverage they give the new roster)."""
        r = self.rows
        return r[(r["end_utc"] > span[0]) & (r["start_utc"] < span[1])].drop(columns="line")

    def notes(self, week_start: dt.date) -> list[str]:
        """What a planner should know of it: a previous roster that does not reach the new roster's first day."""
        day_before = week_start - dt.timedelta(days=1)
        if self.last_date is None:
            return [f"{self.file}: the previous roster has no shifts; every agent is taken as off before {week_start}"]
        if self.last_date < day_before:
            return [f"{self.file}: the previous roster ends on {self.last_date}, before {day_before}; the days between are taken as days off"]
        return []


def earlier_shifts(previous: PreviousRoster, agents: list[Agent], week_start: dt.date) -> EarlierShifts:
    """Check a previous roster against a new roster from ``week_start`` (site local) and give each agent's earlier shifts.

    Its rows are a roster.csv's, as :func:`roster.roster_io.load_roster` reads
    them (agents known, rows checked, dates and times typed, with ``line``). A previous shift may reach
    into the new roster's span only as a shift of a day before ``week_start``
    that ends by the end of the agent's first roster day; two shifts of one
    agent may not overlap.

    Raises
    ------
    InputError
        Naming the file, the line, the agent and the rule broken.
    """
    file, rows = previous.file, previous.rows
    found = Problems()
    by_id = {a.agent_id: a for a in agents}
    first_line = rows[rows["activity"] == "shift"].groupby("shift_id")["line"].min().to_dict()
    records = shift_records(rows.drop(columns="line"))
    out: dict[str, tuple[ShiftRecord, ...]] = {}
    for aid, recs in sorted(records.items()):
        tz = by_id[aid].site_tz
        first_day, second_day = local_midnight(week_start, tz), local_midnight(week_start + dt.timedelta(days=1), tz)
        for s in recs:
            line = first_line.get(f"{aid}-{s.local_date.isoformat()}")
            if s.local_date >= week_start:
                found.add(Problem(file, f"agent {aid}: the shift of {s.local_date} ({s.start:%Y-%m-%d %H:%M}Z-{s.end:%H:%M}Z) is in the "
                                        f"new roster's weeks, from {week_start} ({PREVIOUS_ENDS_BEFORE}: pass the roster of the week before)",
                                  line, "local_date"))
            elif s.end > second_day:
                found.add(Problem(file, f"agent {aid}: the shift of {s.local_date} ends {s.end:%Y-%m-%d %H:%M}Z, after the new roster's "
                                        f"first day ({week_start}, ending {second_day:%Y-%m-%d %H:%M}Z); a shift of the week before may "
                                        f"only reach into it past midnight ({PREVIOUS_ENDS_BEFORE})", line, "end_utc"))
            elif s.start >= first_day:  # cannot happen for a shift of its local date; kept for a clear message
                found.add(Problem(file, f"agent {aid}: the shift of {s.local_date} starts {s.start:%Y-%m-%d %H:%M}Z, inside the new roster "
                                        f"({PREVIOUS_ENDS_BEFORE})", line, "start_utc"))
        for prev, s in itertools.pairwise(recs):
            if s.start < prev.end:
                found.add(Problem(file, f"agent {aid}: the shift of {s.local_date} starts {s.start:%Y-%m-%d %H:%M}Z, before the shift of "
                                        f"{prev.local_date} ends ({prev.end:%Y-%m-%d %H:%M}Z) ({PREVIOUS_OVERLAP})",
                                  first_line.get(f"{aid}-{s.local_date.isoformat()}"), "start_utc"))
        out[aid] = tuple(recs)
    found.raise_if_any()
    last = max((s.local_date for recs in out.values() for s in recs), default=None)
    return EarlierShifts(file, rows, out, last)


@dataclass(frozen=True)
class Calendar:
    """The search's local days: day 0 is ``start``; the roster's own first day is ``first_day`` (7 with boundary days, else 0)."""

    start: dt.date
    weeks: int
    first_day: int

    @property
    def boundary(self) -> bool:
        return self.first_day > 0


def roster_pools(agents: list[Agent], rules: LabourRules, time_off, week_start: dt.date, weeks: int,
                 span: tuple[pd.Timestamp, pd.Timestamp], demand: Demand, cost_weight: int, late_start_h: float,
                 earlier: EarlierShifts | None) -> tuple[list[Pool], Calendar]:
    """The pools of a roster from ``week_start``, with the week before's boundary days when there is no previous roster.

    Without a previous roster the search's calendar starts a week early: that
    week offers only the shifts that reach into ``span`` (its weekly limits
    apply, its minimum does not); when no site has such a shift it is left
    out. With one, the earlier shifts fix the days before ``week_start``.
    """
    if earlier is None:
        cal = Calendar(week_start - dt.timedelta(days=7), weeks + 1, 7)
        pools = make_pools(agents, rules, time_off, cal.start, 7 * cal.weeks, span, demand, cost_weight, late_start_h, first_day=7)
        if any(bool((p.day < 7).any()) for p in pools):
            return pools, cal
    cal = Calendar(week_start, weeks, 0)
    pools = make_pools(agents, rules, time_off, week_start, 7 * weeks, span, demand, cost_weight, late_start_h,
                       earlier=earlier.shifts if earlier is not None else None)
    return pools, cal


def boundary_note(roster: pd.DataFrame, week_start: dt.date) -> list[str]:
    """The note on the boundary days' shifts of a roster made without a previous roster."""
    shifts = roster[(roster["activity"] == "shift") & (roster["local_date"] < week_start.isoformat())]
    n = shifts["shift_id"].nunique()
    if not n:
        return []
    return [(f"{n} shift(s) of the day(s) before {week_start} reach into the roster (evening and night shifts of the week before, "
             "rostered because no previous roster was given; with one, its shifts stand there): they are in roster.csv with their local date")]
