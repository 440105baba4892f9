"""Check any roster against the hard rules, without the solver.

``validate_roster`` takes a roster table (as :mod:`roster.solver` returns it or
as read back from roster.csv with UTC timestamps) and lists every violation
of: skills, allowed shift lengths, start windows (site local time), time
off, one shift per local day, minimum rest, days per week and days off,
consecutive days, weekly paid hours, and breaks inside their shift. If
requirements are given it also recounts coverage from the roster alone.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from roster.schema import Agent, LabourRules, TimeOff
from roster.templates import start_window


def validate_roster(
    roster: pd.DataFrame,
    agents: list[Agent],
    rules: LabourRules,
    time_off: list[TimeOff] | tuple = (),
    *,
    week_start: dt.date | None = None,
    weeks: int = 1,
) -> list[str]:
    """Every hard-rule violation in ``roster`` as a readable line (empty list: valid)."""
    problems: list[str] = []
    by_id = {a.agent_id: a for a in agents}
    off = {}
    for t in time_off:
        off.setdefault(t.agent_id, []).append((pd.Timestamp(t.start), pd.Timestamp(t.end)))
    unknown = sorted(set(roster["agent_id"]) - set(by_id))
    problems += [f"{a}: not in the agents file" for a in unknown]
    for agent_id, rows in roster[roster["agent_id"].isin(list(by_id))].groupby("agent_id"):
        agent = by_id[agent_id]
        contract = rules.contracts[agent.contract]
        shifts = rows[rows["activity"] == "shift"]
        bad_skill = sorted(set(shifts["channel"]) - set(agent.skills))
        if bad_skill:
            problems.append(f"{agent_id}: works {', '.join(bad_skill)} without the skill")
        spans = shifts.groupby("local_date").agg(start=("start_utc", "min"), end=("end_utc", "max"), paid=("paid_h", "sum") if "paid_h" in shifts else ("start_utc", "size"))
        spans = spans.sort_values("start")
        earliest, latest = start_window(agent, contract)
        for local_date, s in spans.iterrows():
            length = (s["end"] - s["start"]).total_seconds() / 3600
            if not any(abs(length - h) < 1e-6 for h in contract.shift_lengths_h):
                problems.append(f"{agent_id} {local_date}: shift of {length:g} h; contract allows {contract.shift_lengths_h}")
            local = s["start"].tz_convert(agent.site_tz)
            if str(local.date()) != str(local_date):
                problems.append(f"{agent_id} {local_date}: shift starts on local date {local.date()}")
            if not earliest <= local.time() <= latest:
                problems.append(f"{agent_id} {local_date}: starts {local:%H:%M} local, outside {earliest:%H:%M}-{latest:%H:%M}")
            for a, b in off.get(agent_id, []):
                if s["start"] < b and s["end"] > a:
                    problems.append(f"{agent_id} {local_date}: shift overlaps time off {a:%Y-%m-%d %H:%M}Z-{b:%Y-%m-%d %H:%M}Z")
        if len(spans) > 1:
            rest = (spans["start"].iloc[1:].to_numpy() - spans["end"].iloc[:-1].to_numpy()) / np.timedelta64(1, "h")
            for i in np.flatnonzero(rest < rules.min_rest_h - 1e-9):
                problems.append(f"{agent_id} {spans.index[i + 1]}: {rest[i]:.1f} h rest, rules need {rules.min_rest_h:g} h")
        # days and hours per local week
        limit = min(contract.max_days_per_week, rules.max_days_per_week, 7 - rules.min_days_off_per_week)
        dates = pd.to_datetime(pd.Series(spans.index))
        first = pd.Timestamp(week_start) if week_start else (dates.min() - pd.Timedelta(days=dates.min().weekday()) if len(dates) else None)
        if first is not None and len(dates):
            week_no = ((dates - first).dt.days // 7).to_numpy()
            paid = spans["paid"].to_numpy(dtype=float) if "paid_h" in shifts else np.zeros(len(spans))
            for w in np.unique(week_no):
                n_days = int((week_no == w).sum())
                if n_days > limit:
                    problems.append(f"{agent_id} week {w + 1}: {n_days} working days, at most {limit}")
                hours = float(paid[week_no == w].sum())
                if "paid_h" in shifts and hours > contract.max_week_h + 1e-6:
                    problems.append(f"{agent_id} week {w + 1}: {hours:g} paid hours, contract max {contract.max_week_h:g}")
            day_nums = sorted((dates - dates.min()).dt.days)
            run = best = 1
            for a, b in zip(day_nums, day_nums[1:]):
                run = run + 1 if b == a + 1 else 1
                best = max(best, run)
            if best > rules.max_consecutive_days:
                problems.append(f"{agent_id}: {best} consecutive working days, at most {rules.max_consecutive_days}")
        for r in rows[rows["activity"] != "shift"].itertuples(index=False):
            if r.local_date not in spans.index:
                problems.append(f"{agent_id} {r.local_date}: {r.activity} without a shift")
                continue
            s = spans.loc[r.local_date]
            if r.start_utc < s["start"] or r.end_utc > s["end"]:
                problems.append(f"{agent_id} {r.local_date}: {r.activity} outside the shift")
    return problems
