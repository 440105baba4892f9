"""Soft rule: two days off in a row each week, when cover allows; and the score counts weeks without."""

import datetime as dt

import numpy as np
import pandas as pd

from roster.rostering import SolverConfig, score_roster
from roster.rostering.rules import days_off
from roster.rostering.rules.days_off import days_off_apart
from roster.rostering.validation import agent_weeks, validate_roster
from tests.roster.rostering.factory import (CFG, WEEK, agent, requirements, roster_of, rules, shift_rows, soft_rules_instance,
                                            solve, solve_model, term_value, valid)


def _days_off(shifts):
    out = {}
    for a, g in shifts.groupby("agent_id"):
        worked = {(pd.Timestamp(d).date() - WEEK).days for d in g["local_date"]}
        out[a] = sorted(set(range(7)) - worked)
    return out


def test_feasible_days_off_come_together_when_cover_allows():
    # five 8-hour days each for three agents, two needed every day: days off can always pair up
    # (weekend fairness off here: sharing weekends would otherwise trade against it)
    lr = rules(contract_kw={"min_week_h": 40, "max_week_h": 40})
    agents = [agent(i) for i in range(3)]
    cfg = SolverConfig(time_limit_s=8, workers=2, seed=1, weekend_weight=0)
    res = solve(requirements(level=2, hours=(8, 16)), agents, lr, week_start=WEEK, config=cfg)
    shifts = valid(res, agents, lr)
    for off in _days_off(shifts).values():
        assert any(b == a + 1 for a, b in zip(off, off[1:])), off
    pen = res.penalties.set_index("penalty")
    assert pen.loc[days_off.DAYS_OFF_APART.name, "count"] == 0


def test_the_rule_yields_when_cover_needs_days_apart():
    # one agent, five days a week, demand on Monday, Wednesday and Friday to Sunday only ... and Tuesday and Thursday
    # off is the only way to cover all five demand days: the roster pays the penalty rather than leave a day short
    lr = rules(contract_kw={"min_week_h": 0})
    req = requirements(level=1, hours=(9, 17))
    local = req["ds"].dt.tz_convert("America/New_York")
    req.loc[local.dt.day_of_week.isin([1, 3]), "agents_required"] = 0
    res = solve(req, [agent(0)], lr, week_start=WEEK, config=SolverConfig(time_limit_s=8, workers=2, seed=1))
    shifts = valid(res, [agent(0)], lr)
    assert _days_off(shifts)["A00"] == [1, 3]
    pen = res.penalties.set_index("penalty")
    assert pen.loc[days_off.DAYS_OFF_APART.name, "count"] == 1
    # the search's own bookkeeping of the objective (days-off-apart penalty included) agrees with the validator's recount
    assert np.isclose(res.kpis.search_objective, res.kpis.objective)


def test_days_off_apart_rule():
    assert days_off_apart({0, 2, 4, 5, 6}) == 1  # off Tuesday and Thursday
    assert days_off_apart({0, 1, 2, 3, 4}) == 0  # off the weekend
    assert days_off_apart({0, 1, 2, 3, 4, 5}) == 0  # one day off: nothing to pair
    assert days_off_apart(set()) == 0


def test_a_week_with_days_off_apart_is_counted_by_name():
    lr = rules(contract_kw={"min_week_h": 0})
    a = agent(0)
    roster = roster_of([r for d in (0, 2, 4, 5, 6) for r in shift_rows(a, WEEK + dt.timedelta(days=d), "08:00", lr)])
    assert validate_roster(roster, [a], lr, week_start=WEEK, interval_min=15) == []
    pen = score_roster(roster, requirements(level=0), [a], lr, CFG, week_start=WEEK, interval_min=15).penalties.set_index("penalty")
    assert pen.loc[days_off.DAYS_OFF_APART.name, "count"] == 1


def test_pure_count_equals_the_cp_sat_term():
    agents, lr, req, cfg = soft_rules_instance()
    s, m, solver, roster = solve_model(agents, lr, req, cfg)
    weeks = list(agent_weeks(roster, agents, WEEK, cfg.late_start_h).values())
    assert days_off.count(weeks) == term_value(m, solver, days_off.DAYS_OFF_APART.name) == 1
    assert days_off.count(s.agent_weeks(0)) == 1
