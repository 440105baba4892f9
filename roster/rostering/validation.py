"""Check any roster against the hard rules, and score it, without the solver.

``validate_roster`` takes a roster table (as :mod:`roster.rostering.search` returns it or
as read back from roster.csv with UTC timestamps), turns each agent's rows
into shifts (:class:`roster.rostering.rules.ShiftRecord`) and asks each hard
rule family (:mod:`roster.rostering.rules`) for its violations: skills,
allowed shift lengths and shift types, start windows and starts the site
clock offers (site local time), time off, one shift per local day (its rows
contiguous), minimum rest, days per week and days off, consecutive days,
weekly paid hours (the contract's maximum, and its minimum prorated by the
days the agent is available), breaks and lunch where the break rules
put them, and channel blocks and switches per shift. Each :class:`roster.rostering.rules.Violation` names its rule.

``score_roster`` recounts coverage from the roster alone and recomputes the
objective: under-staffing, paid time and the soft rules, each counted by its
rule module, with the named penalties a planner reads to see why the roster
looks as it does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from roster.rostering.rules import OBJECTIVE, SOFT_PENALTIES, AgentWeek, Pause, ShiftRecord, Violation
from roster.rostering.rules import breaks, channels, coverage, fairness, paid_time, preferences, shifts, weekly
from roster.rostering.rules.base import minutes
from roster.schema import Agent, LabourRules, TimeOff


def validate_roster(
    roster: pd.DataFrame,
    agents: list[Agent],
    rules: LabourRules,
    time_off: list[TimeOff] | tuple = (),
    *,
    interval_min: int,
    week_start: dt.date | None = None,
    weeks: int = 1,
    earlier: Mapping[str, Sequence[ShiftRecord]] | None = None,
) -> list[Violation]:
    """Every hard-rule violation in ``roster`` (empty list: valid).

    ``earlier`` holds each agent's shifts before the roster (a previous
    roster's, see :mod:`roster.rostering.continuity`): the rules that reach
    across the boundary - minimum rest and consecutive days - check the
    roster's shifts against them (the earlier shifts themselves are not checked).

    ``interval_min`` is the roster grid's interval in minutes (breaks are
    placed on its steps, the prorated weekly minimum is rounded down to it).

    ``roster`` has ``agent_id, local_date, activity, channel, start_utc,
    end_utc`` (UTC, tz-aware) and optionally ``paid_h``. Weeks are counted
    from ``week_start`` (site local); the weekly minimum hours are checked
    only with ``week_start`` and ``paid_h``. ``str()`` of a violation is a
    readable line starting with the rule's name.
    """
    problems: list[Violation] = []
    by_id = {a.agent_id: a for a in agents}
    unknown = sorted(set(roster["agent_id"]) - set(by_id))
    problems += [Violation(shifts.KNOWN_AGENT, a, "", "not in the agents file") for a in unknown]
    known = roster[roster["agent_id"].isin(list(by_id))]
    has_paid = "paid_h" in roster
    records, loose = _shift_records(known, has_paid)
    for agent in agents:
        aid = agent.agent_id
        recs = records.get(aid, [])
        problems += shifts.violations(agent, rules, recs, shifts.time_off_spans(list(time_off), aid))
        problems += breaks.violations(aid, rules, recs, loose.get(aid), interval_min=interval_min)
        # the prorated minimum needs the week and paid time; it applies to every agent, rostered or not
        available = None
        if week_start is not None and has_paid and rules.contracts[agent.contract].min_week_h > 0:
            available = weekly.available_days(agent, rules, week_start, 7 * weeks, list(time_off))
        problems += weekly.violations(agent, rules, recs, interval_min=interval_min, week_start=week_start, weeks=weeks, available=available)
        before = (earlier or {}).get(aid, ())
        if before and recs:
            problems += shifts.rest_after_earlier(agent, rules, before, recs)
            problems += weekly.consecutive_after_earlier(agent, rules, before, recs)
    problems += channels.violations(known, rules, {a.agent_id: a.site_tz for a in agents})
    return problems


def shift_records(roster: pd.DataFrame) -> dict[str, list[ShiftRecord]]:
    """Each agent's shifts in a roster table (one per local date, in start order), as the hard rules read them."""
    return _shift_records(roster, "paid_h" in roster)[0]


def _shift_records(rows: pd.DataFrame, has_paid: bool) -> tuple[dict[str, list[ShiftRecord]], dict[str, dict[str, list[Pause]]]]:
    """Each agent's shifts (one per local date, in start order), and its pauses on dates without a shift.

    One pass over the table's columns (no per-shift frame): a shift's rows are
    those of its agent and local date, taken in start order.
    """
    shift_rows = rows[rows["activity"] == "shift"].sort_values(["agent_id", "start_utc"])
    pause_rows = rows[rows["activity"] != "shift"]
    pauses: dict[tuple[str, str], list[Pause]] = {}
    for agent_id, day, kind, start, end in zip(*(pause_rows[c].tolist() for c in ("agent_id", "local_date", "activity", "start_utc", "end_utc"))):
        pauses.setdefault((agent_id, str(day)), []).append(Pause(str(kind), pd.Timestamp(start), pd.Timestamp(end)))
    records: dict[str, list[ShiftRecord]] = {}
    # each shift's rows, shift after shift in the order the shifts first appear, each shift's rows in start order
    code = shift_rows.groupby(["agent_id", "local_date"], sort=False).ngroup().fillna(-1).to_numpy(dtype=np.int64)
    order = np.argsort(code, kind="stable")
    order = order[code[order] >= 0]
    bounds = np.flatnonzero(np.diff(code[order])) + 1
    agent_ids, days, chans = (shift_rows[c].tolist() for c in ("agent_id", "local_date", "channel"))
    starts, ends = shift_rows["start_utc"].tolist(), shift_rows["end_utc"].tolist()
    if has_paid:
        paid_h = shift_rows["paid_h"].to_numpy(dtype=float)
        paid_h = np.where(np.isnan(paid_h), 0.0, paid_h)  # as a column's sum skips the missing
    for rows_ in np.split(order, bounds) if len(order) else []:
        agent_id, day = agent_ids[rows_[0]], days[rows_[0]]
        start, end = [starts[i] for i in rows_], [ends[i] for i in rows_]
        records.setdefault(agent_id, []).append(ShiftRecord(
            local_date=dt.date.fromisoformat(str(day)[:10]), start=pd.Timestamp(min(start)), end=pd.Timestamp(max(end)),
            paid_min=minutes(float(paid_h[rows_].sum())) if has_paid else None, channels=frozenset(chans[i] for i in rows_),
            pauses=tuple(sorted(pauses.pop((agent_id, str(day)), []), key=lambda p: p.start)),
            pieces=1 + sum(a != b for a, b in zip(start[1:], end[:-1]))))
    for recs in records.values():
        recs.sort(key=lambda s: s.start)
    loose: dict[str, dict[str, list[Pause]]] = {}
    for (agent_id, day), ps in pauses.items():
        loose.setdefault(agent_id, {})[day] = ps
    return records, loose


@dataclass
class Score:
    """A roster's objective recomputed from the roster alone."""

    objective: float
    coverage: pd.DataFrame
    penalties: pd.DataFrame


def agent_weeks(roster: pd.DataFrame, agents: list[Agent], week_start: dt.date, late_start_h: float) -> dict[tuple[str, int], AgentWeek]:
    """Each rostered agent's worked days per local week from ``week_start``, as the soft rules read them."""
    by_id = {a.agent_id: a for a in agents}
    shifts_ = roster[roster["activity"] == "shift"]
    per = shifts_.groupby(["agent_id", "local_date"], as_index=False).agg(start=("start_utc", "min"))
    out: dict[tuple[str, int], list] = {}
    for agent_id, day, start in zip(per["agent_id"], per["local_date"], per["start"]):
        agent = by_id[agent_id]
        date = dt.date.fromisoformat(str(day)[:10])
        w, wday = divmod((date - week_start).days, 7)
        out.setdefault((agent_id, w), []).append(
            (wday, fairness.is_weekend(date), fairness.is_late(start.tz_convert(agent.site_tz), late_start_h), preferences.is_preferred_off(agent, date)))
    return {key: AgentWeek(frozenset(d for d, *_ in days), sum(x[1] for x in days), sum(x[2] for x in days), sum(x[3] for x in days))
            for key, days in out.items()}


def score_roster(roster: pd.DataFrame, requirements: pd.DataFrame, agents: list[Agent], rules: LabourRules, config, *,
                 interval_min: int, week_start: dt.date, weeks: int = 1, fixed: pd.DataFrame | None = None) -> Score:
    """Recount coverage and recompute the objective (weights from ``config``, a :class:`roster.rostering.config.SolverConfig`).

    ``requirements`` has ``ds, channel, agents_required`` on the roster's
    grid of ``interval_min`` minutes. The penalties table names each part of the objective
    (:data:`roster.rostering.rules.OBJECTIVE`): missing agents, paid hours,
    and the soft rules (weekend days beyond one and late shifts beyond two a
    week, preferred days off worked, weeks whose days off are all apart).
    ``fixed`` are rows of a previous roster that reach into this one: they
    count as coverage (their paid time and soft rules are that roster's).
    """
    cov = coverage.coverage_from_roster(roster if fixed is None else pd.concat([roster, fixed], ignore_index=True), requirements, interval_min)
    short_n, under_cost = coverage.count(cov, config.under_weight, config.peak_weight)
    by_id = {a.agent_id: a for a in agents}
    shift_rows = roster[roster["activity"] == "shift"]
    per = shift_rows.groupby(["agent_id", "local_date"], as_index=False).agg(paid=("paid_h", "sum"))
    rate = per["agent_id"].map(lambda a: rules.contracts[by_id[a].contract].hourly_cost).to_numpy(dtype=float)
    paid_h, paid_cost = paid_time.count([minutes(h) for h in per["paid"]], rate, config.cost_weight)
    weeks_ = list(agent_weeks(roster, agents, week_start, config.late_start_h).values())
    rows = {coverage.UNDERSTAFFING.name: (float(short_n), under_cost), paid_time.PAID_HOURS.name: (paid_h, paid_cost)}
    for pen in SOFT_PENALTIES:
        n = pen.count(weeks_)
        rows[pen.name] = (n, n * getattr(config, pen.weight))
    penalties = pd.DataFrame([{"penalty": pen.name, "count": rows[pen.name][0], "unit": pen.unit, "cost": rows[pen.name][1]} for pen in OBJECTIVE])
    return Score(float(np.sum(penalties["cost"])), cov, penalties)
