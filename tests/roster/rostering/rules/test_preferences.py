"""Soft rule: a preferred day off worked."""

import datetime as dt

from roster.rostering import score_roster
from roster.rostering.rules import preferences
from roster.rostering.validation import agent_weeks, validate_roster
from tests.roster.rostering.factory import (solve, CFG, WEEK, agent, requirements, roster_of, rules, shift_rows, soft_rules_instance,
                                            solve_model, term_value, valid)


def test_feasible_preferred_days_off_are_kept_when_cover_allows():
    # two agents, one needed every day: each can have its preferred Wednesday or Thursday off
    lr = rules(contract_kw={"min_week_h": 0})
    agents = [agent(0, preferred_days_off=(2,)), agent(1, preferred_days_off=(3,))]
    res = solve(requirements(level=1, hours=(9, 16)), agents, lr, week_start=WEEK, config=CFG)
    shifts = valid(res, agents, lr)
    for a, wday in (("A00", 2), ("A01", 3)):
        assert wday not in {dt.date.fromisoformat(d).weekday() for d in shifts.loc[shifts["agent_id"] == a, "local_date"]}
    assert res.penalties.set_index("penalty").loc[preferences.PREFERRED_DAY_OFF.name, "count"] == 0


def test_a_preferred_day_off_worked_is_counted_by_name():
    lr = rules(contract_kw={"min_week_h": 0})
    a = agent(0, preferred_days_off=(0, 6))
    roster = roster_of(shift_rows(a, WEEK, "08:00", lr) + shift_rows(a, WEEK + dt.timedelta(days=1), "08:00", lr))  # Monday, Tuesday
    assert validate_roster(roster, [a], lr, week_start=WEEK, interval_min=15) == []
    pen = score_roster(roster, requirements(level=0), [a], lr, CFG, week_start=WEEK, interval_min=15).penalties.set_index("penalty")
    assert pen.loc[preferences.PREFERRED_DAY_OFF.name, "count"] == 1
    assert pen.loc[preferences.PREFERRED_DAY_OFF.name, "cost"] == CFG.preference_weight


def test_pure_count_equals_the_cp_sat_term():
    agents, lr, req, cfg = soft_rules_instance()
    s, m, solver, roster = solve_model(agents, lr, req, cfg)
    weeks = list(agent_weeks(roster, agents, WEEK, cfg.late_start_h).values())
    assert preferences.count(weeks) == term_value(m, solver, preferences.PREFERRED_DAY_OFF.name) == 1
    assert preferences.count(s.agent_weeks(0)) == 1
