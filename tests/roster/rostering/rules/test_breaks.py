"""Hard rule: where breaks and lunch go, and what of a shift is paid."""

import datetime as dt

import pandas as pd

from roster.rostering.rules import breaks
from roster.rostering.validation import validate_roster
from tests.roster.rostering.factory import STEP_MIN, WEEK, agent, requirements, roster_of, rules, shift_rows, solve_model


def test_pauses_follow_the_break_rules():
    lr = rules()
    start = pd.Timestamp("2026-06-01T12:00Z")
    got = [(p.kind, f"{p.start:%H:%M}", f"{p.end:%H:%M}") for p in breaks.pauses_for(start, 8.5, lr.breaks, 0, STEP_MIN)]
    assert got == [("break", "14:00", "14:15"), ("lunch", "16:00", "16:30"), ("break", "18:15", "18:30")]
    later = breaks.pauses_for(start, 8.5, lr.breaks, 1, STEP_MIN)  # the other placement: one grid step later
    assert [p.start - q.start for p, q in zip(later, breaks.pauses_for(start, 8.5, lr.breaks, 0, STEP_MIN))] == [pd.Timedelta(minutes=15)] * 3
    pauses = breaks.pauses_for(start, 8.5, lr.breaks, 0, STEP_MIN)
    assert breaks.paid_minutes(8.5, pauses, lr.breaks) == 480
    assert breaks.paid_minutes(8.5, pauses, lr.breaks.model_copy(update={"lunch_paid": True})) == 510


def test_feasible_solved_shifts_have_their_pauses_where_the_rules_put_them():
    lr = rules(contract_kw={"min_week_h": 0, "earliest_start": "08:00", "latest_start": "09:00"})
    agents = [agent(0), agent(1)]
    req = requirements(level=2, hours=(8, 18))
    s, m, solver, roster = solve_model(agents, lr, req, time_limit_s=5, optimal=False)
    assert validate_roster(roster, agents, lr, week_start=WEEK, interval_min=15) == []
    assert set(roster["activity"]) == {"shift", "break", "lunch"}
    # the break rules' own placements, both used by the model to stagger the team's pauses
    assert {s.pools[0].templates[t].stagger for st in s.state for t in st.shifts.values()} <= set(range(breaks.BREAK_PLACEMENTS))


def test_validator_rejects_a_pause_out_of_place():
    lr = rules(contract_kw={"min_week_h": 0})
    a = agent(0)
    rows = shift_rows(a, WEEK, "08:00", lr)
    assert validate_roster(roster_of(rows), [a], lr, week_start=WEEK, interval_min=15) == []
    lunch = next(r for r in rows if r["activity"] == "lunch")
    moved = [dict(r, start_utc=r["start_utc"] + pd.Timedelta(minutes=45), end_utc=r["end_utc"] + pd.Timedelta(minutes=45)) if r is lunch else r
             for r in rows]
    problems = validate_roster(roster_of(moved), [a], lr, week_start=WEEK, interval_min=15)
    assert [p.rule for p in problems] == [breaks.BREAKS]
    assert str(problems[0]).startswith("breaks and lunch: A00 2026-06-01: breaks and lunch are not where the break rules put them")
    missing = [r for r in rows if r is not lunch]
    assert [p.rule for p in validate_roster(roster_of(missing), [a], lr, week_start=WEEK, interval_min=15)] == [breaks.BREAKS]


def test_validator_rejects_a_pause_without_a_shift():
    lr = rules(contract_kw={"min_week_h": 0})
    a = agent(0)
    rows = shift_rows(a, WEEK, "08:00", lr)
    stray = dict(next(r for r in rows if r["activity"] == "break"), local_date=(WEEK + dt.timedelta(days=1)).isoformat())
    problems = validate_roster(roster_of(rows + [stray]), [a], lr, week_start=WEEK, interval_min=15)
    assert [(p.rule, p.message) for p in problems] == [(breaks.BREAKS, "break without a shift")]
