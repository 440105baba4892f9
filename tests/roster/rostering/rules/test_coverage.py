"""Objective: understaffing, the cost of each missing agent per channel and interval."""

import numpy as np
import pandas as pd

from roster.rostering import score_roster
from roster.rostering.rules import coverage
from roster.rostering.validation import validate_roster
from tests.roster.rostering.factory import (STEP_MIN, CFG, WEEK, agent, requirements, roster_of, rules, shift_rows, soft_rules_instance,
                                            solve_model)


def test_a_missing_agent_costs_more_at_the_peak():
    assert list(coverage.under_cost(np.array([0, 1, 2, 4]), 1000, 1000)) == [1000, 1250, 1500, 2000]
    assert list(coverage.under_cost(np.array([0, 0]), 1000, 1000)) == [1000, 1000]  # no peak: the base weight


def test_a_roster_short_of_the_requirement_is_counted_by_name():
    lr = rules(contract_kw={"min_week_h": 0})
    a = agent(0)
    req = requirements(level=2, hours=(8, 16))
    roster = roster_of(shift_rows(a, WEEK, "08:00", lr))
    assert validate_roster(roster, [a], lr, week_start=WEEK, interval_min=15) == []
    cov = coverage.coverage_from_roster(roster, req, STEP_MIN)
    assert cov["scheduled"].max() == 1
    pen = score_roster(roster, req, [a], lr, CFG, week_start=WEEK, interval_min=15).penalties.set_index("penalty")
    short = int((cov["required"] - cov["scheduled"]).clip(lower=0).sum())
    assert pen.loc[coverage.UNDERSTAFFING.name, "count"] == short
    # every short interval is at the channel's peak (2 agents): under_weight + peak_weight each
    assert pen.loc[coverage.UNDERSTAFFING.name, "cost"] == short * (CFG.under_weight + CFG.peak_weight)


def test_pure_count_equals_the_cp_sat_term():
    agents, lr, req, cfg = soft_rules_instance()
    s, m, solver, roster = solve_model(agents, lr, req, cfg)
    span = (s.grid.t0, s.grid.t0 + s.grid.n * s.grid.step)
    grid_req = req[(req["ds"] >= span[0]) & (req["ds"] < span[1])]
    short, cost = coverage.count(coverage.coverage_from_roster(roster, grid_req, STEP_MIN), cfg.under_weight, cfg.peak_weight)
    terms = m.terms[coverage.UNDERSTAFFING.name]
    assert short == sum(solver.Value(u) for _, u in terms) > 0  # the pauses are short
    assert cost == sum(c * solver.Value(u) for c, u in terms)
    assert cost == s.under_cost()
    assert isinstance(grid_req, pd.DataFrame)
