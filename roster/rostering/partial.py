"""Re-roster some local days of a roster, keeping every other shift exactly as it is.

Used when a plan changes on a few days only (a sales event): the shifts of the
other days stay as published (same agent, local date, start, end, breaks and
channels) and only the agents' shifts on the *free days* are solved again,
against the new requirement.

How: the base roster's shifts are put back into a search state as the pools'
own templates (:mod:`roster.rostering.instance`; a shift the rules do not
offer is refused by name), the free days' shifts are taken out, and the
exact model of one agent's week (:func:`roster.rostering.model.build_placement`,
as the search's own neighbourhoods use it) solves each agent's free days in
turn against everyone else's roster, its kept shifts forced as they are (their
hours, days and rest count), hinted with its current week. An agent's new
shifts stand only when the roster's objective falls; passes over the agents
repeat until one changes nothing or the time limit comes.
The result is checked and scored like any roster
(:func:`roster.rostering.search.solve_roster`'s last step).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable

import numpy as np
import pandas as pd

from forecast.errors import InputError, Problem
from forecast.timegrid import TimeGrid
from roster.roster_io import PreviousRoster
from roster.rostering import channels as roster_channels
from roster.rostering import model as agent_model
from roster.rostering.budget import CONVERGED, TIME
from roster.rostering.config import SolverConfig
from roster.rostering.lns import candidates, solve_placement
from roster.rostering.search import Progress, _Clock, _on_plan_grid, _repaired, _result, set_up
from roster.rostering.solution import RosterResult
from roster.rostering.state import RosterState, clear, restore, snapshot
from roster.schema import Agent, LabourRules, TimeOff



def shift_key(roster: pd.DataFrame) -> pd.DataFrame:
    """One row per shift of a roster table: ``shift_id``, ``agent_id``, ``local_date``, UTC ``start``/``end`` and its pauses.

    ``pauses`` is the shift's breaks and lunches as a tuple of (start, end) UTC pairs; ``channels`` its
    stretches as (channel, start, end). Two rosters keep a shift alike when these are equal.
    """
    r = roster.sort_values(["agent_id", "start_utc"], kind="stable")
    rows = []
    for sid, g in r.groupby("shift_id", sort=True):
        work = g[g["activity"] == "shift"]
        pause = g[g["activity"] != "shift"]
        rows.append({
            "shift_id": sid, "agent_id": g["agent_id"].iloc[0], "local_date": str(g["local_date"].iloc[0]),
            "start": g["start_utc"].min(), "end": g["end_utc"].max(),
            "pauses": tuple(zip(pause["start_utc"], pause["end_utc"])),
            "channels": tuple(zip(work["channel"], work["start_utc"], work["end_utc"])),
        })
    return pd.DataFrame(rows, columns=["shift_id", "agent_id", "local_date", "start", "end", "pauses", "channels"])


def free_days_of(changed: Iterable[pd.Timestamp], site_zones: Iterable[str], before_days: int = 1) -> set[dt.date]:
    """The local dates to re-roster for requirement changes at the UTC instants ``changed``.

    Every site's local date of each instant, and the ``before_days`` days before it (an evening shift
    of the day before reaches into the morning).
    """
    ts = pd.DatetimeIndex(list(changed))
    out: set[dt.date] = set()
    if not len(ts):
        return out
    for tz in site_zones:
        for d in set(ts.tz_convert(tz).date):
            out.update(d - dt.timedelta(days=k) for k in range(before_days + 1))
    return out


def _load_base(s: RosterState, base: pd.DataFrame, agents: list[Agent], cal_start: dt.date, file: str) -> dict[tuple[int, int], tuple[int, np.ndarray]]:
    """The base roster's shifts as (agent, day) -> (template, channel per interval at work), put into ``s``."""
    by_id = {a.agent_id: i for i, a in enumerate(agents)}
    keys = shift_key(base)
    loaded: dict[tuple[int, int], tuple[int, np.ndarray]] = {}
    problems = []
    step_ns, t0_ns = s.grid.step.value, s.grid.t0.value
    for r in keys.itertuples(index=False):
        ai = by_id.get(r.agent_id)
        where = f"agent {r.agent_id}, {r.local_date}"
        if ai is None:
            problems.append(Problem(file, f"{where}: the agent is not in agents.csv", column="agent_id"))
            continue
        st = s.state[ai]
        p = s.pools[st.pool]
        d = (dt.date.fromisoformat(r.local_date) - cal_start).days
        if not 0 <= d < s.days:
            continue  # a shift before the calendar (a previous roster's) is not this roster's
        cand = np.flatnonzero((p.day == d) & (p.start_ns == pd.Timestamp(r.start).value) & (p.end_ns == pd.Timestamp(r.end).value))
        want = tuple(sorted((pd.Timestamp(a).value, pd.Timestamp(b).value) for a, b in r.pauses))
        match = [t for t in cand if tuple(sorted((q.start.value, q.end.value) for q in p.templates[t].pauses)) == want]
        if not match:
            problems.append(Problem(file, f"{where}: the shift {pd.Timestamp(r.start):%Y-%m-%d %H:%M}Z-{pd.Timestamp(r.end):%H:%M}Z "
                                          "with its breaks is not one the labour rules offer this agent; re-roster the whole "
                                          "roster instead of keeping it", column="start_utc"))
            continue
        t = int(match[0])
        idx = p.work[t]
        mid = t0_ns + idx * step_ns + step_ns // 2  # the middle of each interval at work
        chan = np.full(len(idx), -1, dtype=np.int64)
        for c, a, b in r.channels:
            if c in s.grid.channels:
                inside = (mid >= pd.Timestamp(a).value) & (mid < pd.Timestamp(b).value)
                chan[inside] = s.grid.channels.index(c)
        if st.shifts.get(d) is not None:
            problems.append(Problem(file, f"{where}: two shifts on one local day", column="local_date"))
            continue
        s.add(ai, t, chan)
        loaded[(ai, d)] = (t, chan.copy())
    if problems:
        raise InputError(problems)
    return loaded


def resolve_days(
    requirements: pd.DataFrame,
    base: pd.DataFrame,
    agents: list[Agent],
    rules: LabourRules,
    time_off: list[TimeOff] | tuple = (),
    *,
    grid: TimeGrid,
    free_dates: set[dt.date],
    week_start: dt.date | None = None,
    weeks: int = 1,
    config: SolverConfig | None = None,
    progress: Progress | None = None,
    previous: PreviousRoster | None = None,
    base_file: str = "roster",
) -> RosterResult:
    """Re-roster the local dates ``free_dates`` against ``requirements``; every other shift of ``base`` stays.

    Parameters
    ----------
    requirements : DataFrame
        ``ds`` (UTC interval start), ``channel``, ``agents_required``: the new requirement.
    base : DataFrame
        The roster to keep (:data:`forecast.tables.ROSTER` rows), made for the same agents, rules, weeks and
        grid (``previous`` too).
    free_dates : set of date
        Site-local dates whose shifts are solved again (for every agent).
    grid, week_start, weeks, config, progress, previous
        As :func:`roster.rostering.search.solve_roster`'s.
    base_file : str
        The base roster's name in messages.

    Raises
    ------
    InputError
        A shift of ``base`` that the rules do not offer its agent (naming agent, date and column), or a
        roster that breaks a hard rule the search could not repair.
    """
    config = config or SolverConfig()
    clock = _Clock(config.time_limit_s, progress)
    req, week_start, span, plan_grid, grid, earlier, fixed, demand, pools, cal = set_up(
        requirements, agents, rules, time_off, grid, week_start, weeks, previous, config)
    s = RosterState(pools, agents, rules, demand, config, cal.weeks, cal.start)
    loaded = _load_base(s, base, agents, cal.start, base_file)
    build_s = clock.elapsed()
    first_obj = s.objective()
    clock.report("roster: the kept roster loaded")

    days = {(d - cal.start).days for d in free_dates} & set(range(s.days))
    everyone = list(range(len(agents)))
    status = "KEPT"
    ended_by = CONVERGED
    changed = bool(days)
    while changed and days:
        changed = False
        for agent in everyone:  # in the order of the agents file, pass after pass (the same on every run)
            if time.perf_counter() >= clock.search_until:
                ended_by = TIME
                break
            if _replace_free_days(s, agent, days, config, clock.search_until):
                changed = True
                status = "PARTIAL"
            clock.report("roster: re-rostering the event's days", force=False)
        if ended_by == TIME:
            break
    # channels: the free days' shifts re-chosen under the block rules, the kept shifts' as they were
    roster_channels.exact_channels(s)
    merged = {(a, d): (loaded[(a, d)][1] if d not in days and (a, d) in loaded else st.chan[d][1])
              for a, st in enumerate(s.state) for d in st.shifts}
    roster_channels._set(s, merged)

    notes = earlier.notes(week_start) if earlier is not None else []
    kept = sum(1 for (a, d) in loaded if d not in days)
    notes.append(f"{kept} shift(s) outside {len(days)} re-rostered day(s) kept as in {base_file}")
    kw = dict(status=status, programme=None, clock=clock, notes=notes, ended_by=ended_by, earlier=earlier, fixed=fixed,
              build_s=build_s, first_s=build_s, first_obj=first_obj, options=int(sum(int(p.allowed.sum()) for p in pools)))
    result, violations = _result(s, req, span, grid, agents, rules, time_off, config, week_start, weeks, **kw)
    if violations:
        result = _repaired(s, violations, req, span, grid, agents, rules, time_off, config, week_start, weeks, **kw)
    result.coverage = _on_plan_grid(result.coverage, plan_grid, grid)
    clock.report("roster: done")
    return result


def _replace_free_days(s: RosterState, agent: int, days: set[int], config: SolverConfig, until: float) -> bool:
    """The agent's shifts on the free ``days`` solved again exactly against everyone else's, its other shifts forced as they are.

    The agent's week is one :func:`roster.rostering.model.build_placement` model (hard rules, each shift
    valued by the under-staffing it removes less its cost and soft penalties) over its kept shifts (fixed
    to 1) and the best templates of the free days (:func:`roster.rostering.lns.candidates`), hinted with
    its current week. Kept when the roster's objective falls; returns whether it was.
    """
    before = s.objective()
    saved = snapshot(s, [agent])
    clear(s, [agent])
    current = {d: t for d, (t, _) in saved[agent].items()}
    kept = {d: t for d, t in current.items() if d not in days}
    p = s.pools[s.state[agent].pool]
    mask = candidates(s, agent, current) & (np.isin(p.day, list(days)) | np.isin(np.arange(len(p.day)), list(kept.values())))
    m = agent_model.build_placement(s, agent, mask)
    for (a, t), v in m.x.items():
        d = int(p.day[t])
        m.model.AddHint(v, 1 if current.get(d) == t else 0)
        if d in kept:  # a kept day: its shift, and no other
            m.model.Add(v == (1 if kept[d] == t else 0))
    if any((agent, t) not in m.x for t in kept.values()):
        restore(s, saved)
        return False
    return solve_placement(s, m, agent, saved, before, config.seed, until)
