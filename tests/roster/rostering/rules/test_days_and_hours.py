import pytest

from forecast.errors import InputError
from tests.roster.rostering.factory import CFG, WEEK, agent, requirements, rules, solve, valid


def test_feasible_days_off_and_weekly_hours_stay_within_the_contract():
    lr = rules(contract_kw={"min_week_h": 32, "max_week_h": 40})
    agents = [agent(i) for i in range(4)]
    res = solve(requirements(level=4, hours=(0, 24)), agents, lr, week_start=WEEK, config=CFG)
    shifts = valid(res, agents, lr)
    per = shifts.groupby("agent_id").agg(days=("local_date", "nunique"), paid=("paid_h", "sum"))
    assert (per["days"] <= 5).all()
    assert per["paid"].between(32, 40).all()


def test_infeasible_hours_with_too_few_days():
    lr = rules(max_days_per_week=3, contract_kw={"min_week_h": 32})
    with pytest.raises(InputError, match="agent A00: contract 'ft' needs at least 32.0 paid hours a week; at most 3 days"):
        solve(requirements(), [agent(0)], lr, week_start=WEEK, config=CFG)


def test_consecutive_days_over_two_weeks():
    lr = rules(max_consecutive_days=3, contract_kw={"min_week_h": 0})
    agents = [agent(i) for i in range(3)]
    res = solve(requirements(level=3, hours=(8, 18), weeks=2), agents, lr, week_start=WEEK, weeks=2, config=CFG)
    shifts = valid(res, agents, lr, weeks=2)
    import pandas as pd

    for _, g in shifts.groupby("agent_id"):
        days = sorted(pd.to_datetime(g["local_date"]).map(lambda d: d.toordinal()))
        run = best = 1
        for a, b in zip(days, days[1:]):
            run = run + 1 if b == a + 1 else 1
            best = max(best, run)
        assert best <= 3
