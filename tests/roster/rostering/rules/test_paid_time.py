"""Objective: paid time at each contract's hourly cost."""

import datetime as dt

from roster.rostering import score_roster
from roster.rostering.rules import paid_time
from tests.roster.rostering.factory import CFG, WEEK, agent, requirements, roster_of, rules, shift_rows, soft_rules_instance, solve_model


def test_paid_time_is_priced_per_shift():
    assert paid_time.shift_cost(480, 20.0, 10) == 1600  # 8 paid hours at 20 an hour, weight 10
    assert paid_time.count([480, 450], [20.0, 18.0], 10) == (15.5, 1600 + 1350)


def test_a_roster_is_priced_by_name():
    lr = rules(contract_kw={"min_week_h": 0})
    a = agent(0)
    roster = roster_of(shift_rows(a, WEEK, "08:00", lr) + shift_rows(a, WEEK + dt.timedelta(days=1), "08:00", lr))
    pen = score_roster(roster, requirements(level=0), [a], lr, CFG, week_start=WEEK, interval_min=15).penalties.set_index("penalty")
    assert pen.loc[paid_time.PAID_HOURS.name, "count"] == 16  # 8.5 h shifts, lunch unpaid
    assert pen.loc[paid_time.PAID_HOURS.name, "cost"] == 16 * lr.contracts["ft"].hourly_cost * CFG.cost_weight


def test_pure_count_equals_the_cp_sat_term():
    agents, lr, req, cfg = soft_rules_instance()
    s, m, solver, roster = solve_model(agents, lr, req, cfg)
    per_shift = roster[roster["activity"] == "shift"].groupby("local_date")["paid_h"].sum()
    hours, cost = paid_time.count([round(h * 60) for h in per_shift], lr.contracts["ft"].hourly_cost, cfg.cost_weight)
    assert hours == 40
    assert cost == sum(c * solver.Value(x) for c, x in m.terms[paid_time.PAID_HOURS.name]) == s.cost_total
