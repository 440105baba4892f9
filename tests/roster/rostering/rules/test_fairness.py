"""Soft rules of fairness: weekend days beyond one a week, late shifts beyond two a week."""

import datetime as dt

import numpy as np

from roster.rostering import SolverConfig, score_roster
from roster.rostering.rules import fairness
from roster.rostering.validation import agent_weeks, validate_roster
from tests.roster.rostering.factory import (CFG, WEEK, agent, requirements, roster_of, rules, shift_rows, soft_rules_instance,
                                            solve_model, term_value)


def _penalties(roster, agents, lr, req, config=CFG):
    return score_roster(roster, req, agents, lr, config, week_start=WEEK, interval_min=15).penalties.set_index("penalty")["count"]


def test_thresholds_are_named_and_shared():
    assert fairness.FREE_WEEKEND_DAYS == 1 and fairness.FREE_LATE_SHIFTS == 2
    assert list(fairness.weekend_excess(np.array([0, 1, 2]))) == [0, 0, 1]
    assert list(fairness.late_excess(np.array([2, 3, 5]))) == [0, 1, 3]


def test_feasible_weekends_are_shared_when_cover_allows():
    # two agents, one needed every day: each can have a weekend day, none needs both
    lr = rules(contract_kw={"min_week_h": 0, "earliest_start": "08:00", "latest_start": "08:00"})
    agents = [agent(0), agent(1)]
    req = requirements(level=1, hours=(8, 16))
    s, m, solver, roster = solve_model(agents, lr, req)
    assert validate_roster(roster, agents, lr, week_start=WEEK, interval_min=15) == []
    assert _penalties(roster, agents, lr, req)[fairness.WEEKEND.name] == 0 == term_value(m, solver, fairness.WEEKEND.name)


def test_a_roster_beyond_the_free_days_is_counted_by_name():
    lr = rules(contract_kw={"min_week_h": 0, "latest_start": "14:00"})
    a = agent(0)
    days = [(0, "14:00"), (1, "14:00"), (2, "14:00"), (5, "08:00"), (6, "08:00")]  # three late shifts, both weekend days
    roster = roster_of([r for d, t in days for r in shift_rows(a, WEEK + dt.timedelta(days=d), t, lr)])
    assert validate_roster(roster, [a], lr, week_start=WEEK, interval_min=15) == []
    counts = _penalties(roster, [a], lr, requirements(level=0))
    assert counts[fairness.WEEKEND.name] == 1 and counts[fairness.LATE.name] == 1
    # a later late hour makes them not late
    counts = _penalties(roster, [a], lr, requirements(level=0), SolverConfig(late_start_h=15))
    assert counts[fairness.LATE.name] == 0


def test_pure_counts_equal_the_cp_sat_terms():
    agents, lr, req, cfg = soft_rules_instance()
    s, m, solver, roster = solve_model(agents, lr, req, cfg)
    weeks = list(agent_weeks(roster, agents, WEEK, cfg.late_start_h).values())
    assert fairness.count_weekend(weeks) == term_value(m, solver, fairness.WEEKEND.name) == 1
    assert fairness.count_late(weeks) == term_value(m, solver, fairness.LATE.name) == 3
    assert fairness.count_weekend(s.agent_weeks(0)) == 1 and fairness.count_late(s.agent_weeks(0)) == 3
