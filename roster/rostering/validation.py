"""Check any roster against the hard rules, and score it, without the solver.

``validate_roster`` takes a roster table (as :mod:`roster.rostering.search` returns it or
as read back from roster.csv with UTC timestamps) and lists every violation
of: skills, allowed shift lengths, start windows (site local time), time
off, one shift per local day (its rows contiguous), minimum rest, days per
week and days off, consecutive days, weekly paid hours (the contract's
maximum, and its minimum prorated by the days the agent is available), and
breaks and lunch where the break rules put them.

``score_roster`` recounts coverage from the roster alone and recomputes the
objective: under-staffing, paid time and the soft rules, with the named
penalties a planner reads to see why the roster looks as it does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from roster.schema import Agent, LabourRules, TimeOff
from roster.rostering.templates import BREAK_PLACEMENTS, available_days, pauses_for, prorated_min_q, start_window


def validate_roster(
    roster: pd.DataFrame,
    agents: list[Agent],
    rules: LabourRules,
    time_off: list[TimeOff] | tuple = (),
    *,
    interval_min: int,
    week_start: dt.date | None = None,
    weeks: int = 1,
) -> list[str]:
    """Every hard-rule violation in ``roster`` as a readable line (empty list: valid).

    ``interval_min`` is the roster grid's interval (breaks are placed on its steps).
    """
    problems: list[str] = []
    by_id = {a.agent_id: a for a in agents}
    off = {}
    for t in time_off:
        off.setdefault(t.agent_id, []).append((pd.Timestamp(t.start), pd.Timestamp(t.end)))
    unknown = sorted(set(roster["agent_id"]) - set(by_id))
    problems += [f"{a}: not in the agents file" for a in unknown]
    known = roster[roster["agent_id"].isin(list(by_id))]
    shifts_all = known[known["activity"] == "shift"].sort_values(["agent_id", "start_utc"])
    has_paid = "paid_h" in shifts_all
    agg = {"start": ("start_utc", "min"), "end": ("end_utc", "max")}
    if has_paid:
        agg["paid"] = ("paid_h", "sum")
    all_spans = shifts_all.groupby(["agent_id", "local_date"]).agg(**agg).reset_index().sort_values(["agent_id", "start"])
    # the rows of one shift follow on from each other
    same = (shifts_all["agent_id"].to_numpy()[1:] == shifts_all["agent_id"].to_numpy()[:-1]) & (
        shifts_all["local_date"].to_numpy()[1:] == shifts_all["local_date"].to_numpy()[:-1])
    broken = same & (shifts_all["start_utc"].to_numpy()[1:] != shifts_all["end_utc"].to_numpy()[:-1])
    for a, d in sorted(set(zip(shifts_all["agent_id"].to_numpy()[1:][broken], shifts_all["local_date"].to_numpy()[1:][broken]))):
        problems.append(f"{a} {d}: the shift's rows do not follow on from each other (two shifts or a gap)")
    pauses_all: dict[tuple[str, str], list] = {}
    for r in known[known["activity"] != "shift"].itertuples(index=False):
        pauses_all.setdefault((r.agent_id, r.local_date), []).append((str(r.activity), pd.Timestamp(r.start_utc), pd.Timestamp(r.end_utc)))
    pause_days: dict[str, list] = {}  # agent -> [(local date, its pauses)], in the order of pauses_all
    for (ag, d), ps in pauses_all.items():
        pause_days.setdefault(ag, []).append((d, ps))
    skills_used = shifts_all.groupby("agent_id")["channel"].agg(lambda c: set(c))
    span_groups = {a: g for a, g in all_spans.groupby("agent_id")}
    for agent_id in sorted(set(known["agent_id"])):
        agent = by_id[agent_id]
        contract = rules.contracts[agent.contract]
        bad_skill = sorted(skills_used.get(agent_id, set()) - set(agent.skills))
        if bad_skill:
            problems.append(f"{agent_id}: works {', '.join(bad_skill)} without the skill")
        g = span_groups.get(agent_id)
        recs = list(g.itertuples(index=False)) if g is not None else []
        earliest, latest = start_window(agent, contract)
        for s in recs:
            length = (s.end - s.start).total_seconds() / 3600
            if not any(abs(length - h) < 1e-6 for h in contract.shift_lengths_h):
                problems.append(f"{agent_id} {s.local_date}: shift of {length:g} h; contract allows {contract.shift_lengths_h}")
            local = s.start.tz_convert(agent.site_tz)
            if str(local.date()) != str(s.local_date):
                problems.append(f"{agent_id} {s.local_date}: shift starts on local date {local.date()}")
            if not earliest <= local.time() <= latest:
                problems.append(f"{agent_id} {s.local_date}: starts {local:%H:%M} local, outside {earliest:%H:%M}-{latest:%H:%M}")
            if contract.shifts and not any(st.start == local.time() and abs(st.length_h - length) < 1e-6 for st in contract.shifts):
                problems.append(f"{agent_id} {s.local_date}: a {length:g} h shift from {local:%H:%M} local is none of the contract's shift types "
                                f"({', '.join(f'{st.name} {st.start:%H:%M} {st.length_h:g} h' for st in contract.shifts)})")
            for a, b in off.get(agent_id, []):
                if s.start < b and s.end > a:
                    problems.append(f"{agent_id} {s.local_date}: shift overlaps time off {a:%Y-%m-%d %H:%M}Z-{b:%Y-%m-%d %H:%M}Z")
            problems += _check_pauses(agent_id, s.local_date, s.start, pauses_all.get((agent_id, s.local_date), []), rules, length, interval_min)
        for d, ps in pause_days.get(agent_id, []):
            match = [s for s in recs if s.local_date == d]
            for kind, a, b in ps:
                if not match:
                    problems.append(f"{agent_id} {d}: {kind} without a shift")
                elif a < match[0].start or b > match[0].end:
                    problems.append(f"{agent_id} {d}: {kind} outside the shift")
        for prev, s in zip(recs, recs[1:]):
            rest = (s.start - prev.end).total_seconds() / 3600
            if rest < rules.min_rest_h - 1e-9:
                problems.append(f"{agent_id} {s.local_date}: {rest:.1f} h rest, rules need {rules.min_rest_h:g} h")
        # days and hours per local week
        limit = min(contract.max_days_per_week, rules.max_days_per_week, 7 - rules.min_days_off_per_week)
        if recs:
            dates = pd.to_datetime(pd.Series([s.local_date for s in recs]))
            first = pd.Timestamp(week_start) if week_start else dates.min() - pd.Timedelta(days=dates.min().weekday())
            week_no = ((dates - first).dt.days // 7).to_numpy()
            paid = np.array([s.paid for s in recs], dtype=float) if has_paid else np.zeros(len(recs))
            for w in np.unique(week_no):
                n_days = int((week_no == w).sum())
                if n_days > limit:
                    problems.append(f"{agent_id} week {w + 1}: {n_days} working days, at most {limit}")
                hours = float(paid[week_no == w].sum())
                if has_paid and hours > contract.max_week_h + 1e-6:
                    problems.append(f"{agent_id} week {w + 1}: {hours:g} paid hours, contract max {contract.max_week_h:g}")
            day_nums = sorted((dates - dates.min()).dt.days)
            run = best = 1
            for a, b in zip(day_nums, day_nums[1:]):
                run = run + 1 if b == a + 1 else 1
                best = max(best, run)
            if best > rules.max_consecutive_days:
                problems.append(f"{agent_id}: {best} consecutive working days, at most {rules.max_consecutive_days}")
    if week_start is not None and "paid_h" in roster:
        problems += _check_minimum_hours(roster, agents, rules, time_off, week_start, weeks)
    return problems


def _check_pauses(agent_id, local_date, start: pd.Timestamp, got: list, rules: LabourRules, length_h: float, interval_min: int) -> list[str]:
    """The shift's breaks and lunch are one of the placements the break rules allow."""
    got = sorted(got)
    for stagger in range(BREAK_PLACEMENTS):
        want = sorted((p.kind, p.start, p.end) for p in pauses_for(start, length_h, rules.breaks, stagger, interval_min))
        if got == want:
            return []
    return [f"{agent_id} {local_date}: breaks and lunch are not where the break rules put them "
            f"({len(got)} pause(s) found)"]


def _check_minimum_hours(roster, agents, rules, time_off, week_start, weeks) -> list[str]:
    """Each agent's paid hours per local week reach the contract minimum, prorated by the days it can work."""
    out = []
    shifts = roster[roster["activity"] == "shift"]
    paid = shifts.assign(week=(pd.to_datetime(shifts["local_date"]) - pd.Timestamp(week_start)).dt.days // 7).groupby(["agent_id", "week"])["paid_h"].sum()
    for agent in agents:
        contract = rules.contracts[agent.contract]
        if contract.min_week_h <= 0:
            continue
        days = available_days(agent, rules, week_start, 7 * weeks, list(time_off))
        for w in range(weeks):
            available = sum(1 for d in days if 7 * w <= d < 7 * w + 7)
            need = prorated_min_q(contract.min_week_h, available) / 4
            got = float(paid.get((agent.agent_id, w), 0.0))
            if got + 1e-6 < need:
                out.append(f"{agent.agent_id} week {w + 1}: {got:g} paid hours, contract min {need:g} for {available} available days")
    return out


@dataclass
class Score:
    """A roster's objective recomputed from the roster alone."""

    objective: float
    coverage: pd.DataFrame
    penalties: pd.DataFrame


def score_roster(roster: pd.DataFrame, requirements: pd.DataFrame, agents: list[Agent], rules: LabourRules, config, *,
                 interval_min: int, week_start: dt.date, weeks: int = 1) -> Score:
    """Recount coverage and recompute the objective (weights from ``config``, a :class:`roster.rostering.search.SolverConfig`).

    ``requirements`` has ``ds, channel, agents_required`` on the roster's
    grid of ``interval_min`` minutes. The penalties table names each part of the objective: missing
    agents, paid hours, and the soft rules (weekend days beyond one and late
    shifts beyond two a week, preferred days off worked, weeks whose days off
    are all apart).
    """
    from roster.rostering.coverage import coverage_from_roster

    cov = coverage_from_roster(roster, requirements, interval_min)
    short = (cov["required"] - cov["scheduled"]).clip(lower=0).to_numpy()
    peak = cov.groupby("channel")["required"].transform("max").clip(lower=1).to_numpy()
    weight = config.under_weight + np.round(config.peak_weight * cov["required"].to_numpy() / peak)
    under_cost = float((short * weight).sum())
    by_id = {a.agent_id: a for a in agents}
    shifts = roster[roster["activity"] == "shift"]
    per = shifts.groupby(["agent_id", "local_date"], as_index=False).agg(start=("start_utc", "min"), paid=("paid_h", "sum"))
    per["rate"] = per["agent_id"].map(lambda a: rules.contracts[by_id[a].contract].hourly_cost)
    paid_cost = float(np.round(per["paid"] * per["rate"] * config.cost_weight).sum())
    per["date"] = pd.to_datetime(per["local_date"])
    per["week"] = (per["date"] - pd.Timestamp(week_start)).dt.days // 7
    per["weekend"] = per["date"].dt.day_of_week >= 5
    local_h = [(lambda x: x.hour + x.minute / 60)(ts.tz_convert(by_id[a].site_tz)) for ts, a in zip(per["start"], per["agent_id"])]
    per["late"] = np.array(local_h) >= config.late_start_h
    per["pref"] = [d.weekday() in by_id[a].preferred_days_off for d, a in zip(per["date"], per["agent_id"])]
    wk = per.groupby(["agent_id", "week"]).agg(weekend=("weekend", "sum"), late=("late", "sum"))
    weekend_n = int((wk["weekend"] - 1).clip(lower=0).sum())
    late_n = int((wk["late"] - 2).clip(lower=0).sum())
    pref_n = int(per["pref"].sum())
    from roster.rostering.state import days_off_apart

    per["wday"] = (per["date"] - pd.Timestamp(week_start)).dt.days % 7
    apart_n = int(sum(days_off_apart(set(g["wday"])) for _, g in per.groupby(["agent_id", "week"])))
    penalties = pd.DataFrame(
        [
            {"penalty": "understaffing", "count": float(short.sum()), "unit": "agent-intervals short", "cost": under_cost},
            {"penalty": "paid hours", "count": float(per["paid"].sum()), "unit": "hours", "cost": paid_cost},
            {"penalty": "weekend days beyond one a week", "count": weekend_n, "unit": "agent-days", "cost": weekend_n * config.weekend_weight},
            {"penalty": "late shifts beyond two a week", "count": late_n, "unit": "shifts", "cost": late_n * config.late_weight},
            {"penalty": "preferred day off worked", "count": pref_n, "unit": "agent-days", "cost": pref_n * config.preference_weight},
            {"penalty": "days off apart (none two in a row)", "count": apart_n, "unit": "agent-weeks", "cost": apart_n * config.split_off_weight},
        ]
    )
    return Score(float(penalties["cost"].sum()), cov, penalties)
