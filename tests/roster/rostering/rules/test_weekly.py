"""Hard rules per week: days per week, weekly paid hours (max and prorated min), consecutive days."""

import datetime as dt

import pandas as pd
import pytest

from forecast.errors import InputError
from roster.schema import TimeOff
from roster.rostering.rules import weekly
from roster.rostering.validation import validate_roster
from tests.roster.rostering.factory import solve, CFG, WEEK, agent, requirements, roster_of, rules, shift_rows, solve_model, valid


def _days(a, lr, first: dt.date, n: int, start="08:00"):
    return roster_of([r for d in range(n) for r in shift_rows(a, first + dt.timedelta(days=d), start, lr)])


def test_feasible_days_off_and_weekly_hours_stay_within_the_contract():
    lr = rules(contract_kw={"min_week_h": 32, "max_week_h": 40})
    agents = [agent(i) for i in range(4)]
    res = solve(requirements(level=4, hours=(0, 24)), agents, lr, week_start=WEEK, config=CFG)
    shifts = valid(res, agents, lr)
    per = shifts.groupby("agent_id").agg(days=("local_date", "nunique"), paid=("paid_h", "sum"))
    assert (per["days"] <= 5).all()
    assert per["paid"].between(32, 40).all()


def test_infeasible_hours_with_too_few_days():
    # 3 spans of 8.5 h pass the rules file's check; 3 x 8 paid hours (lunch unpaid) do not reach 25
    lr = rules(max_days_per_week=3, contract_kw={"min_week_h": 25})
    with pytest.raises(InputError, match="agent A00: contract 'ft' needs at least 25.0 paid hours a week; at most 3 days"):
        solve(requirements(), [agent(0)], lr, week_start=WEEK, config=CFG)


def test_rules_with_too_few_days_for_a_contract_minimum_are_refused():
    with pytest.raises(ValueError, match=r"contract 'ft' needs min_week_h = 32 h a week, but at most 3 working day\(s\) a week "
                                         r"\(max_days_per_week, min_days_off_per_week\) of at most 8.5 h allow 25.5 h"):
        rules(max_days_per_week=3, contract_kw={"min_week_h": 32})


def test_consecutive_days_over_two_weeks():
    lr = rules(max_consecutive_days=3, contract_kw={"min_week_h": 0})
    agents = [agent(i) for i in range(3)]
    res = solve(requirements(level=3, hours=(8, 18), weeks=2), agents, lr, week_start=WEEK, weeks=2, config=CFG)
    shifts = valid(res, agents, lr, weeks=2)
    for _, g in shifts.groupby("agent_id"):
        assert weekly.longest_run(pd.to_datetime(g["local_date"]).map(lambda d: d.toordinal())) <= 3


def test_one_formula_for_the_days_a_week():
    lr = rules(max_days_per_week=6, min_days_off_per_week=2, contract_kw={"max_days_per_week": 6})
    assert weekly.max_days_per_week(lr.contracts["ft"], lr) == 5
    lr = rules(max_days_per_week=4, min_days_off_per_week=1, contract_kw={"max_days_per_week": 6})
    assert weekly.max_days_per_week(lr.contracts["ft"], lr) == 4


def test_prorated_minimum_is_rounded_down_to_the_roster_grid():
    assert weekly.prorated_minimum_min(24, 6, 15) == 1230  # 20.57 h -> 20.5 h
    assert weekly.prorated_minimum_min(24, 6, 60) == 1200
    assert weekly.prorated_minimum_min(40, 7, 15) == 2400
    assert weekly.prorated_minimum_min(40, 9, 15) == 2400  # never above the contract's
    assert weekly.prorated_minimum_min(40, 0, 15) == 0


# the validator rejects each broken rule, by its name (a roster that keeps every other rule)
def test_validator_rejects_too_many_days_a_week():
    lr = rules(contract_kw={"min_week_h": 0, "max_week_h": 60})
    problems = validate_roster(_days(agent(0), lr, WEEK, 6), [agent(0)], lr, week_start=WEEK, interval_min=15)
    assert [p.rule for p in problems] == [weekly.DAYS_PER_WEEK]
    assert str(problems[0]) == "days per week: A00 week 1: 6 working days, at most 5"
    assert validate_roster(_days(agent(0), lr, WEEK, 5), [agent(0)], lr, week_start=WEEK, interval_min=15) == []


def test_validator_rejects_too_many_consecutive_days():
    lr = rules(max_consecutive_days=6, contract_kw={"min_week_h": 0})
    roster = _days(agent(0), lr, WEEK + dt.timedelta(days=3), 7)  # Thursday to the next Wednesday: 4 + 3 days a week
    problems = validate_roster(roster, [agent(0)], lr, week_start=WEEK, weeks=2, interval_min=15)
    assert [p.rule for p in problems] == [weekly.CONSECUTIVE_DAYS]
    assert validate_roster(roster.iloc[: -4], [agent(0)], lr, week_start=WEEK, weeks=2, interval_min=15) == []  # one day fewer


def test_validator_rejects_weekly_hours_above_the_contract_maximum():
    lr = rules(contract_kw={"min_week_h": 0, "max_week_h": 36})
    problems = validate_roster(_days(agent(0), lr, WEEK, 5), [agent(0)], lr, week_start=WEEK, interval_min=15)  # 5 x 8 paid hours
    assert [p.rule for p in problems] == [weekly.WEEKLY_HOURS]
    assert "40 paid hours, contract max 36" in str(problems[0])
    assert validate_roster(_days(agent(0), lr, WEEK, 4), [agent(0)], lr, week_start=WEEK, interval_min=15) == []


def test_validator_rejects_weekly_hours_below_the_prorated_minimum():
    lr = rules(contract_kw={"min_week_h": 24})
    a = agent(0)
    problems = validate_roster(_days(a, lr, WEEK, 2), [a], lr, week_start=WEEK, interval_min=15)
    assert [p.rule for p in problems] == [weekly.WEEKLY_HOURS]
    assert "16 paid hours, contract min 24 for 7 available days" in str(problems[0])
    assert validate_roster(_days(a, lr, WEEK, 3), [a], lr, week_start=WEEK, interval_min=15) == []
    # off Monday to Wednesday: 24 h x 4 / 7 = 13.71 h, rounded down to the grid: 13.5 h
    off = [TimeOff(agent_id="A00", start=pd.Timestamp("2026-06-01T04:00Z").to_pydatetime(), end=pd.Timestamp("2026-06-04T04:00Z").to_pydatetime())]
    thursday = WEEK + dt.timedelta(days=3)
    problems = validate_roster(_days(a, lr, thursday, 1), [a], lr, off, week_start=WEEK, interval_min=15)
    assert [p.rule for p in problems] == [weekly.WEEKLY_HOURS]
    assert "8 paid hours, contract min 13.5 for 4 available days" in str(problems[0])
    assert validate_roster(_days(a, lr, thursday, 2), [a], lr, off, week_start=WEEK, interval_min=15) == []
    # an agent with no shift at all is short too
    problems = validate_roster(_days(a, lr, WEEK, 3), [a, agent(1)], lr, week_start=WEEK, interval_min=15)
    assert [(p.rule, p.agent_id) for p in problems] == [(weekly.WEEKLY_HOURS, "A01")]


def test_solved_model_keeps_the_weekly_limits_the_validator_checks():
    lr = rules(max_consecutive_days=3, contract_kw={"min_week_h": 16, "max_week_h": 32, "earliest_start": "08:00", "latest_start": "09:00"})
    agents = [agent(0), agent(1)]
    req = requirements(level=2, hours=(8, 17), weeks=2)
    s, m, solver, roster = solve_model(agents, lr, req, weeks=2)
    assert validate_roster(roster, agents, lr, week_start=WEEK, weeks=2, interval_min=15) == []
    paid = roster[roster["activity"] == "shift"].assign(week=lambda r: (pd.to_datetime(r["local_date"]) - pd.Timestamp(WEEK)).dt.days // 7)
    paid = paid.groupby(["agent_id", "week"])["paid_h"].sum()
    for a in range(len(agents)):
        for w in range(2):
            model_min = sum(int(s.pools[s.state[a].pool].paid_min[t]) * solver.Value(v) for t, v in weekly.week_vars(m, a, w))
            assert model_min == s.used_min(a, w) == round(paid[(agents[a].agent_id, w)] * 60)
            assert s.min_paid_min[a, w] <= model_min <= s.max_paid_min[a, w]
